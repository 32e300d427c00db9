// torch.nn.Embedding as a model's first layer: integer ids in, rows of a learned table out.
import type { Backend } from '../ops/index.js';
import { checkOptions, expectTensor, optionNames } from '../core/checks.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../core/errors.js';
import { MAX_VOCABULARY } from '../ops/embedding/spec.js';
import { Lifetime } from '../core/lifetime.js';
import type { Rng } from '../core/rng.js';
import { expectPositiveInt, sameShape } from '../core/shapes.js';
import type { Tensor } from '../core/tensor.js';
import { checkBound, type Layer } from './layers.js';
import type { ParamSet, ParamSpec } from './params.js';

export interface EmbeddingOptions {
  /**
   * A row that stays zero and gets no gradient (torch's padding_idx), e.g. for a padding token;
   * negative counts from the end (-1 is the last row). Default none.
   */
  paddingIdx?: number;
}

/**
 * torch.nn.Embedding(numEmbeddings, embeddingDim): state-dict key `weight` [numEmbeddings, embeddingDim],
 * initialised N(0, 1) as torch (the padding row zero). Ids [B], [T, B] or [B, T] — f32 tensors holding
 * integers in [0, numEmbeddings) — give [..., embeddingDim] in the same layout, so it feeds an RNN,
 * LSTM or GRU time-major or batch-first alike. It must be a model's first layer: fit / evaluate /
 * predict / generate then take ids as host data and refuse a bad one before anything is uploaded.
 * backward() accumulates the weight gradient deterministically and returns null (ids have no gradient).
 */
export class Embedding implements Layer {
  readonly outFeatures: number;
  readonly inputIds: number;
  /** The padding row as a non-negative index, or null. */
  readonly paddingIdx: number | null;
  private ctx!: Backend;
  private weight!: Tensor; // [V, E]
  private weightGrad!: Tensor; // [V, E]
  private ids?: Tensor; // the caller's, kept for backward
  private output?: Tensor; // [...ids, E], owned
  private readonly lifetime = new Lifetime('Embedding layer');

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    expectPositiveInt('numEmbeddings', numEmbeddings);
    expectPositiveInt('embeddingDim', embeddingDim);
    if (numEmbeddings > MAX_VOCABULARY)
      throw new ValueError(
        'numEmbeddings',
        'at most 2^24 (ids are f32, exact integers only below 2^24)',
        describeValue(numEmbeddings),
      );
    checkOptions('Embedding options', options, optionNames<EmbeddingOptions>({ paddingIdx: true }));
    const p = options.paddingIdx;
    if (p !== undefined && (!Number.isInteger(p) || p < -numEmbeddings || p >= numEmbeddings)) {
      throw new ValueError(
        'paddingIdx',
        `an integer in [${-numEmbeddings}, ${numEmbeddings - 1}] (negative counts from the end)`,
        describeValue(p),
      );
    }
    this.paddingIdx = p === undefined ? null : p < 0 ? numEmbeddings + p : p;
    this.inputIds = numEmbeddings;
    this.outFeatures = embeddingDim;
  }

  paramSpecs(rng: Rng): ParamSpec[] {
    const [V, E] = [this.numEmbeddings, this.embeddingDim];
    const init = () => {
      const w = Float64Array.from({ length: V * E }, () => rng.normal());
      if (this.paddingIdx !== null) w.fill(0, this.paddingIdx * E, (this.paddingIdx + 1) * E);
      return w;
    };
    return [{ name: 'weight', shape: [V, E], init }];
  }

  bind(ctx: Backend, params: ParamSet, prefix: string): void {
    this.ctx = ctx;
    this.weight = params.value(`${prefix}weight`);
    this.weightGrad = params.grad(`${prefix}weight`);
  }

  outputShape(input: readonly number[]): number[] {
    if (input.length < 1 || input.length > 2)
      throw new ShapeError(
        'x',
        'ids [B], [T, B] or [B, T] (an Embedding reads integer ids, no feature axis)',
        describeShape(input),
      );
    return [...input, this.embeddingDim];
  }

  forward(ids: Tensor): Tensor {
    this.lifetime.check();
    checkBound('Embedding', this.ctx);
    expectTensor('x', ids);
    this.outputShape(ids.shape);
    const y = this.ctx.embedding(this.weight, ids);
    this.output?.release(); // after the lookup: ids may be a tensor this layer's previous output fed
    this.ids = ids;
    this.output = y;
    return y;
  }

  backward(dy: Tensor): null {
    this.lifetime.check();
    expectTensor('dy', dy);
    if (!this.ids || !this.output) throw new ValueError('backward', 'a forward() first', 'no saved ids');
    if (!sameShape(dy.shape, this.output.shape))
      throw new ShapeError('dy', describeShape(this.output.shape), describeShape(dy.shape));
    this.ctx.embeddingBackward(this.ids, dy, this.weightGrad, this.paddingIdx);
    return null;
  }

  release(): void {
    if (!this.lifetime.end()) return;
    this.output?.release();
    this.output = this.ids = undefined;
  }
}
