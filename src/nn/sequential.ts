// A model as a chain of layers sharing one ParamSet, named like torch.nn.Sequential ('0.weight', '0.bias', '2.weight', …).
import type { Backend } from '../ops/index.js';
import { toActivation, type ActivationLike } from '../ops/activation/spec.js';
import {
  checkOptions,
  expectBackend,
  expectBoolean,
  expectOptionalTensor,
  expectTensor,
  optionNames,
} from '../core/checks.js';
import { ValueError, describeShape, describeValue } from '../core/errors.js';
import { Lifetime } from '../core/lifetime.js';
import { Rng } from '../core/rng.js';
import { expectRank, expectShape } from '../core/shapes.js';
import type { Tensor } from '../core/tensor.js';
import {
  BatchLengths,
  checkLengths,
  refuseLengthsWithoutRecurrent,
  toBatchLengths,
  type SequenceLengths,
} from '../core/lengths.js';
import { ActivationLayer, DropoutSites, Linear, checkLayers, type Layer, type RecurrentState } from './layers.js';
import type { InitName } from './init.js';
import { ParamSet } from './params.js';
import { exclusive } from '../core/busy.js';
import type { LoadResult, ReadStateDict, StateDict, StateEntry } from '../core/state.js';
import { generate, type GenerateOptions, type GenerateResult } from './generate.js';

/** Initial states of a model: one entry per recurrent layer, in layer order; null for zeros. */
export type ModelStates = readonly (RecurrentState | null)[];

export interface StatefulOptions {
  /** One entry per recurrent layer, in layer order (null: zeros); null for zeros everywhere (a first chunk). */
  states: ModelStates | null;
  /** Batch rows that start a new sequence: their states start from zeros in every recurrent layer. */
  resetRows?: readonly number[];
  /** Per-row lengths of the batch (see LengthsOptions). */
  lengths?: SequenceLengths | BatchLengths;
}

export interface LengthsOptions {
  /**
   * Variable-length sequences (PyTorch's packed sequences): per-row lengths 1 ≤ len[b] ≤ T in any order,
   * or `{ mask }` a [B, T] prefix mask. Recurrent layers run each row for its len[b] steps only (output 0
   * past them, final states from the last valid step); LastStep takes each row's last valid step.
   * (BatchLengths: already uploaded, as a Trainer passes them.)
   */
  lengths?: SequenceLengths | BatchLengths;
}

function checkResetRows(rows: readonly number[], B: number): void {
  if (!Array.isArray(rows)) throw new ValueError('resetRows', 'an array of batch rows', String(rows));
  rows.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 0 || b >= B)
      throw new ValueError(`resetRows[${i}]`, `a batch row in [0, ${B})`, String(b));
    if (rows.indexOf(b) !== i) throw new ValueError(`resetRows[${i}]`, 'a row not listed before', String(b));
  });
}

export interface ModelOptions {
  /** Seed of the parameter initialisation (default 0). */
  seed?: number;
  /**
   * 'index' (default): parameters named '<layer index>.<name>' as in torch.nn.Sequential;
   * 'none': the layers' own names (e.g. 'weight_ih_l0' for a lone RNN, as torch.nn.RNN names them).
   */
  names?: 'index' | 'none';
}

/** Layers bound into a model: a layer belongs to one model (its tensors are that model's). */
const boundLayers = new WeakSet<Layer>();

export class Sequential {
  readonly params: ParamSet;
  private readonly dropout: DropoutSites;
  private readonly lifetime = new Lifetime('Sequential model');
  private lengthsTensor?: Tensor; // the last forward's uploaded lengths

  constructor(
    readonly ctx: Backend,
    readonly layers: readonly Layer[],
    options: ModelOptions = {},
  ) {
    expectBackend('ctx', ctx);
    checkLayers(layers);
    layers.forEach((layer, i) => {
      if (boundLayers.has(layer))
        throw new ValueError(
          `layers[${i}]`,
          'a layer not in another model (build each model from new layers)',
          `a ${layer.constructor.name} of another model`,
        );
    });
    if (layers.length === 0) throw new ValueError('layers', 'at least one layer', 'none');
    checkOptions('options', options, optionNames<ModelOptions>({ seed: true, names: true }));
    const names = options.names ?? 'index';
    if (names !== 'index' && names !== 'none')
      throw new ValueError('names', "'index' or 'none'", JSON.stringify(names));
    const prefix = (i: number) => (names === 'index' ? `${i}.` : '');
    const rng = new Rng(options.seed ?? 0);
    this.dropout = new DropoutSites(options.seed ?? 0);
    const specs = layers.flatMap((layer, i) =>
      layer.paramSpecs(rng).map((s) => ({ ...s, name: `${prefix(i)}${s.name}` })),
    );
    this.params = new ParamSet(ctx, specs);
    try {
      layers.forEach((layer, i) => layer.bind(ctx, this.params, prefix(i), layers.slice(0, i), this.dropout));
      for (const layer of layers) boundLayers.add(layer);
    } catch (e) {
      this.dropout.release(); // a refused model keeps no memory
      this.params.release();
      throw e;
    }
  }

  /**
   * Training mode (the default, as torch.nn.Module): dropout applies, with a fresh mask at every forward.
   * `train(false)` is eval(). Returns the model. Trainer.step runs in the model's mode, as a PyTorch
   * loop; fit trains in training mode and evaluate / predict run in evaluation mode whatever the
   * model's mode, and they leave it as it was.
   */
  train(mode = true): this {
    this.lifetime.check();
    if (typeof mode !== 'boolean') throw new ValueError('mode', 'a boolean', describeValue(mode));
    this.dropout.training = mode;
    return this;
  }

  /** Evaluation mode: dropout is the identity, so outputs equal those of the model without it. Returns the model. */
  eval(): this {
    return this.train(false);
  }

  /** True in training mode, false after eval(). */
  get training(): boolean {
    return this.dropout.training;
  }

  /** @internal The dropout sites' next steps (Trainer.stateDict's `dropout.` part). */
  dropoutStateDict(): ReadStateDict {
    this.lifetime.check();
    return this.dropout.stateDict();
  }

  /** @internal Entries loading what dropoutStateDict() gave. */
  dropoutStateEntries(): Map<string, StateEntry> {
    this.lifetime.check();
    return this.dropout.stateEntries();
  }

  /** Runs fn in the given mode and puts the model's mode back afterwards. */
  inMode<T>(training: boolean, fn: () => T): T {
    const mode = this.training;
    this.train(training);
    try {
      return fn();
    } finally {
      this.dropout.training = mode;
    }
  }

  /** The vocabulary size V when the model reads integer ids in [0, V) (its first layer is an Embedding), else undefined. */
  get inputIds(): number | undefined {
    return this.layers[0].inputIds;
  }

  /** Input features of the first layer that fixes them (for a model reading ids: see inputIds). */
  inputSize(): number {
    if (this.inputIds !== undefined)
      throw new ValueError(
        'model',
        'a model that reads features',
        `one that reads ids in [0, ${this.inputIds}) (its first layer is an Embedding; see inputIds)`,
      );
    const first = this.layers.find((l) => l.inFeatures !== undefined);
    if (!first) throw new ValueError('layers', 'a layer with a fixed input size', 'none');
    return first.inFeatures!;
  }

  /** Output features of the last layer that fixes them (activations keep the size). */
  outputSize(): number {
    const last = [...this.layers].reverse().find((l) => l.outFeatures !== undefined);
    if (!last) throw new ValueError('layers', 'a layer with a fixed output size', 'none');
    return last.outFeatures!;
  }

  /** The model's output shape for an input shape; a ShapeError names the first layer that refuses it. */
  outputShape(input: readonly number[]): number[] {
    return this.layers.reduce<number[]>((shape, layer) => layer.outputShape(shape), [...input]);
  }

  /** The layers that take and hand back states (RNN, LSTM), in layer order. */
  get recurrentLayers(): Layer[] {
    return this.layers.filter((l) => l.forwardWithState !== undefined);
  }

  /**
   * Checks initial states for an input shape before any work: one entry per recurrent layer in layer
   * order (null: zeros), h (and c for an LSTM, none for an RNN) of shape [L·D, B, H]; resetRows are
   * distinct batch rows.
   */
  checkStates(input: readonly number[], states: ModelStates | null, resetRows: readonly number[] = []): void {
    const recurrent = this.recurrentLayers;
    if (recurrent.length === 0)
      throw new ValueError('states', 'a model with a recurrent layer (RNN, LSTM)', 'a model without one');
    if (states !== null && (!Array.isArray(states) || states.length !== recurrent.length)) {
      throw new ValueError(
        'states',
        `null or ${recurrent.length} entries (one per recurrent layer, in layer order)`,
        Array.isArray(states) ? `${states.length} entries` : String(states),
      );
    }
    let shape = [...input];
    for (const layer of this.layers) {
      const next = layer.outputShape(shape); // the input shape is valid before its states are checked
      const k = recurrent.indexOf(layer);
      const state = k >= 0 ? states?.[k] : null;
      if (k >= 0) {
        const spec = layer.stateSpec!(shape);
        if (k === 0) checkResetRows(resetRows, spec.shape[1]);
        if (state) {
          expectTensor(`states[${k}].h`, state.h);
          expectOptionalTensor(`states[${k}].c`, state.c);
          expectShape(`states[${k}].h`, state.h.shape, spec.shape);
          if (spec.cell && !state.c)
            throw new ValueError(
              `states[${k}].c`,
              `a tensor ${describeShape(spec.shape)} (an LSTM's cell state)`,
              'none',
            );
          if (!spec.cell && state.c)
            throw new ValueError(`states[${k}].c`, 'none (an RNN has no cell state)', 'a tensor');
          if (state.c) expectShape(`states[${k}].c`, state.c.shape, spec.shape);
        }
      }
      shape = next;
    }
  }

  /**
   * Stateful forward: every recurrent layer starts from its entry of `states` (one per recurrent layer,
   * in layer order; null: zeros), the batch rows in `resetRows` from zeros, and the final states come
   * back in the same order, valid until the next forward() — pass them as the next chunk's states. The
   * initial states are constants for backward(): no gradient crosses into the previous chunk.
   */
  forward(x: Tensor, options: StatefulOptions): { output: Tensor; states: RecurrentState[] };
  /** The output is owned by the model and valid until the next forward(). With `lengths`, see LengthsOptions. */
  forward(x: Tensor, options?: LengthsOptions): Tensor;
  forward(
    x: Tensor,
    options?: StatefulOptions | LengthsOptions,
  ): Tensor | { output: Tensor; states: RecurrentState[] } {
    this.lifetime.check();
    expectTensor('x', x);
    if (!options || !('states' in options)) {
      if (options) checkOptions('options', options, optionNames<LengthsOptions>({ lengths: true }));
      const lengths = this.uploadLengths(x.shape, options?.lengths);
      let h = x;
      for (const layer of this.layers) h = layer.forward(h, lengths);
      return h;
    }
    checkOptions('options', options, optionNames<StatefulOptions>({ states: true, resetRows: true, lengths: true }));
    const resetRows = options.resetRows ?? [];
    this.checkStates(x.shape, options.states, resetRows);
    const lengths = this.uploadLengths(x.shape, options.lengths);
    const recurrent = this.recurrentLayers;
    const states: RecurrentState[] = [];
    let h = x;
    for (const layer of this.layers) {
      const k = recurrent.indexOf(layer);
      if (k < 0) {
        h = layer.forward(h);
        continue;
      }
      const r = layer.forwardWithState!(h, options.states?.[k] ?? null, resetRows, lengths);
      h = r.output;
      states.push(r.state);
    }
    return { output: h, states };
  }

  /** The layout of the model's sequences: batch-first when its first layer that fixes one says so. */
  get batchFirst(): boolean {
    return this.layers.find((l) => l.batchFirst !== undefined)?.batchFirst ?? false;
  }

  /**
   * Lengths for an input shape, checked before any work (see checkLengths): one per sequence of the
   * batch, each in [1, T] ([T, B, ·] or, batch-first, [B, T, ·]; ids [T, B] or [B, T]). Undefined stays undefined.
   */
  sequenceLengths(
    input: readonly number[],
    lengths: SequenceLengths | BatchLengths | undefined,
  ): Int32Array | undefined {
    if (lengths === undefined) return undefined;
    refuseLengthsWithoutRecurrent('lengths', lengths, this);
    const [B, T] = lengthsDims(this, input);
    return checkLengths('lengths', lengths instanceof BatchLengths ? lengths.host : lengths, B, T);
  }

  /**
   * @internal Lengths as the layers take them, for an input shape: checked here where they enter the model
   * (forward, Trainer.step, fit, evaluate, predict) and uploaded (kept until the next upload), or as given
   * when already checked for this shape.
   */
  uploadLengths(
    input: readonly number[],
    lengths: SequenceLengths | BatchLengths | undefined,
  ): BatchLengths | undefined {
    if (lengths === undefined) return undefined;
    refuseLengthsWithoutRecurrent('lengths', lengths, this);
    const [B, T] = lengthsDims(this, input);
    return toBatchLengths('lengths', lengths, B, T, (host) => {
      this.lengthsTensor?.release();
      this.lengthsTensor = this.ctx.tensor(host, [host.length]);
      return this.lengthsTensor;
    });
  }

  /**
   * Generates `steps` tokens after each of B prompts (a model whose first layer is an Embedding and whose
   * output is logits over the same ids, per step or for the last step; unidirectional recurrent layers).
   * The prompt runs once; then every step samples one token per sequence on the GPU (greedy with
   * temperature 0, else softmax(logits / temperature), optionally top-k; seeded Philox draws, the same
   * tokens on the CPU backend) and feeds it to the next step's Embedding without leaving the device,
   * the recurrent states carried. One readback per `readEvery` tokens (default: one at the end). Runs in
   * evaluation mode and leaves the model's mode as it was; outputs of earlier forwards are invalidated.
   */
  generate(options: GenerateOptions): Promise<GenerateResult> {
    this.lifetime.check();
    return exclusive(this, 'generate', () => generate(this, options));
  }

  /** Backprop of dL/dY through every layer; parameter gradients accumulate. Returns dL/dX when asked. */
  backward(dy: Tensor, options: { inputGrad?: boolean } = {}): Tensor | null {
    this.lifetime.check();
    expectTensor('dy', dy);
    checkOptions('options', options, ['inputGrad']);
    expectBoolean('inputGrad', options.inputGrad);
    if (options.inputGrad && this.inputIds !== undefined)
      throw new ValueError(
        'inputGrad',
        'false for a model whose first layer reads ids (Embedding): ids have no gradient',
        'true',
      );
    let g: Tensor | null = dy;
    for (let i = this.layers.length - 1; i >= 0 && g; i--)
      g = this.layers[i].backward(g, i > 0 || (options.inputGrad ?? false));
    return g;
  }

  zeroGrad(): void {
    this.lifetime.check();
    this.params.zeroGrad();
  }

  stateDict(): Promise<ReadStateDict> {
    this.lifetime.check();
    return this.params.stateDict();
  }

  gradDict(): Promise<ReadStateDict> {
    this.lifetime.check();
    return this.params.gradDict();
  }

  /** See ParamSet.loadStateDict: validated before anything is written; strict: false reports what it skipped. */
  loadStateDict(dict: StateDict, options?: { strict?: boolean }): LoadResult {
    this.lifetime.check();
    return this.params.loadStateDict(dict, options);
  }

  /** Frees the layers' tensors and the parameters; using the model afterwards throws ReleasedError. */
  release(): void {
    if (!this.lifetime.end()) return;
    for (const layer of this.layers) layer.release();
    this.lengthsTensor?.release();
    this.dropout.release();
    this.params.release();
  }
}

/** B and T of a model's input shape (sequences [T, B, ·] or batch-first [B, T, ·]; ids [T, B] or [B, T]). */
function lengthsDims(model: Sequential, input: readonly number[]): [number, number] {
  expectRank('x', input, model.inputIds === undefined ? 3 : 2); // ids for an Embedding have no feature axis
  return model.batchFirst ? [input[0], input[1]] : [input[1], input[0]];
}

export interface MlpOptions extends ModelOptions {
  /** Activation after every hidden Linear (default 'relu'). */
  activation?: ActivationLike;
  /** Activation after the last Linear (default none: logits or raw regression outputs). */
  outputActivation?: ActivationLike;
  init?: InitName;
  bias?: boolean;
}

/** Linear + activation layers for sizes [in, hidden…, out], e.g. mlp(ctx, [784, 512, 512, 10]). */
export function mlp(ctx: Backend, sizes: readonly number[], options: MlpOptions = {}): Sequential {
  checkOptions(
    'options',
    options,
    optionNames<MlpOptions>({
      seed: true,
      names: true,
      activation: true,
      outputActivation: true,
      init: true,
      bias: true,
    }),
  );
  if (!Array.isArray(sizes) || sizes.length < 2)
    throw new ValueError('sizes', 'at least [in, out]', JSON.stringify(sizes));
  if (options.activation !== undefined) toActivation('activation', options.activation); // even with no hidden layer to use it
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear(sizes[i], sizes[i + 1], { init: options.init, bias: options.bias }));
    const last = i + 2 === sizes.length;
    if (!last) layers.push(new ActivationLayer(options.activation ?? 'relu'));
    else if (options.outputActivation) layers.push(new ActivationLayer(options.outputActivation));
  }
  return new Sequential(ctx, layers, { seed: options.seed, names: options.names });
}
