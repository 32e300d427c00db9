// Feed-forward layers with explicit backprop. forward() keeps what backward() needs (the input of a
// Linear; the pre-activation a and the activation h of an Activation); backward(dY) returns dX and
// ACCUMULATES parameter gradients (+=) until ParamSet.zeroGrad(), as in PyTorch.
// A layer owns the tensors it returns: they stay valid until its next forward/backward or release().
// A call frees its predecessor's outputs only once it has finished, so feeding a layer one of its own
// outputs (an RNN's hN as the next h0, an output fed back as input) is safe.
import type { Backend } from '../ops/index.js';
import { toActivation, type Activation, type ActivationLike } from '../ops/activation/spec.js';
import { checkDropoutP } from '../ops/dropout/spec.js';
import { checkOptions, expectArrayLike, expectBoolean, expectTensor, optionNames } from '../core/checks.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../core/errors.js';
import { Lifetime } from '../core/lifetime.js';
import type { BatchLengths } from '../core/lengths.js';
import { expectPositiveInt, sameShape } from '../core/shapes.js';
import type { Rng } from '../core/rng.js';
import type { Tensor } from '../core/tensor.js';
import { checkInit, initBias, initWeight, type InitName } from './init.js';
import type { ParamSet, ParamSpec } from './params.js';
import {
  scalarEntries,
  scalarStateDict,
  type ReadStateDict,
  type ScalarField,
  type StateEntry,
} from '../core/state.js';

/** One recurrent layer's states, PyTorch's h_n and, for an LSTM, c_n: [L·D, B, H] each. */
export interface RecurrentState {
  readonly h: Tensor;
  readonly c?: Tensor;
}

/** A recurrent layer's states for an input: h (and c) [L·D, B, H]. */
export interface StateSpec {
  shape: number[];
  /** An LSTM's cell state c beside h. */
  cell: boolean;
  /** A backward-in-time direction, whose final state is at the sequence's first step. */
  bidirectional: boolean;
}

export interface Layer {
  /** Features per row (or per step) in and out, where the layer fixes them. */
  readonly inFeatures?: number;
  readonly outFeatures?: number;
  /** How outFeatures comes about, for error messages (e.g. 'LSTM bidirectional 2·8'); default '<class> → outFeatures'. */
  readonly outFeaturesNote?: string;
  /**
   * Layers that read integer ids instead of features (Embedding): the vocabulary size V, ids in [0, V).
   * Such a layer comes first in a model, and a model's input is then ids [B], [T, B] or [B, T].
   */
  readonly inputIds?: number;
  /** Layout of the sequences this layer returns, where it fixes it: [B, T, ·] when true, [T, B, ·] when false. */
  readonly batchFirst?: boolean;
  /** The output shape for an input shape, or a ShapeError naming what is wrong (checked before any GPU work). */
  outputShape(input: readonly number[]): number[];
  /** Parameters this layer needs, with names relative to the layer (e.g. 'weight'). */
  paramSpecs(rng: Rng): ParamSpec[];
  /**
   * Attaches the layer to its parameters in the model's set, under `prefix` (e.g. '0.'); `upstream`
   * lists the model's layers before this one, nearest last; `dropout` numbers the model's dropout sites
   * and carries its train/eval mode.
   */
  bind(ctx: Backend, params: ParamSet, prefix: string, upstream: readonly Layer[], dropout: DropoutSites): void;
  /**
   * `lengths` (from Sequential.forward with lengths, checked there for the model's input, whose B and T
   * every layer keeps): per-row lengths of a batch of sequences; recurrent layers and LastStep use them,
   * row-wise layers need not.
   */
  forward(x: Tensor, lengths?: BatchLengths): Tensor;
  /** dL/dY → dL/dX (null when `inputGrad` is false); adds this layer's parameter gradients. */
  backward(dy: Tensor, inputGrad: boolean): Tensor | null;
  /** Frees the tensors kept for backward and the outputs this layer returned; using the layer afterwards throws ReleasedError. */
  release(): void;
  /** Diagnostic tensors of the last backward (e.g. per-step squared gradient norms), read with a training step. */
  diagnostics?(): Tensor[];
  /**
   * For a sequence layer followed by LastStep (which calls this at bind): forward() returns the
   * sequence's last step [B, outFeatures] instead of the sequence, and backward() takes its gradient.
   */
  reduceToLastStep?(): void;
  /** Recurrent layers: their states for an input shape. */
  stateSpec?(input: readonly number[]): StateSpec;
  /** Recurrent layers: forward() from initial states (null: zeros; rows in resetRows start from zeros), returning the final states too. */
  forwardWithState?(
    x: Tensor,
    state: RecurrentState | null,
    resetRows: readonly number[],
    lengths?: BatchLengths,
  ): { output: Tensor; state: RecurrentState };
}

/**
 * A model's dropout sites (Dropout layers, the gaps between a recurrent module's stacked layers): the
 * seed of their masks, their stream numbers in layer order, and the model's mode — training (dropout
 * applied, a fresh mask at every forward) or evaluation (identity).
 */
export class DropoutSites {
  training = true;
  private readonly sites: DropoutSite[] = [];

  constructor(readonly seed: number) {}

  /** A new site drawing its masks from the next stream; the model frees it (release()). */
  site(ctx: Backend, p: number): DropoutSite {
    const site = new DropoutSite(ctx, p, this, this.sites.length);
    this.sites.push(site);
    return site;
  }

  /** @internal `site<k>.step`: the step each site with p > 0 draws its next mask at (k its stream). Resuming them resumes the masks exactly. */
  stateDict(): ReadStateDict {
    return scalarStateDict(this.fields());
  }

  /** @internal What stateDict() wrote, as checked entries (a Trainer's `dropout.` part). */
  stateEntries(): Map<string, StateEntry> {
    return scalarEntries(this.fields());
  }

  private fields(): Map<string, ScalarField> {
    const out = new Map<string, ScalarField>();
    for (const site of this.sites) {
      if (site.p === 0) continue; // no counters: its forward is the identity
      out.set(`site${site.stream}.step`, {
        get: () => site.step,
        set: (v) => site.setStep(v),
        ok: (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32,
        expected: 'a whole number of steps in [0, 2^32)',
      });
    }
    return out;
  }

  /** Frees every site's step counters. */
  release(): void {
    for (const site of this.sites) site.release();
  }
}

/**
 * One place where dropout applies. A forward in training mode draws the mask of the site's current step
 * and advances the step; backward applies that mask to the gradient. The step counter lives on the
 * device in two one-element tensors, read from one and step + 1 written to the other, alternating: no
 * upload, uniform or allocation from step to step.
 */
export class DropoutSite {
  private readonly counters: [Tensor, Tensor] | null;
  private next = 0; // the counter the next forward reads
  private steps = 0; // its value, mirrored on the host (each training forward adds 1 on both sides)
  private applied: [Tensor, Tensor] | null = null; // the counters of the last forward, when it applied dropout

  constructor(
    private readonly ctx: Backend,
    readonly p: number,
    private readonly sites: DropoutSites,
    readonly stream: number,
  ) {
    this.counters = p > 0 ? [ctx.zeros([1]), ctx.zeros([1])] : null;
  }

  /** x ⊙ mask / (1 − p) in training mode (a new tensor, the caller's to free), x itself in eval mode or for p = 0. */
  forward(x: Tensor): Tensor {
    if (!this.counters || !this.sites.training) {
      this.applied = null;
      return x;
    }
    const pair: [Tensor, Tensor] = [this.counters[this.next], this.counters[1 - this.next]];
    const y = this.ctx.dropout(x, pair[0], pair[1], this.config);
    this.next = 1 - this.next;
    this.steps = (this.steps + 1) >>> 0; // a u32, as the kernel's counter
    this.applied = pair;
    return y;
  }

  /** dL/dx from dL/dy with the last forward's mask (a new tensor), or dy itself when that forward was the identity. */
  backward(dy: Tensor): Tensor {
    return this.applied ? this.ctx.dropout(dy, this.applied[0], this.applied[1], this.config) : dy;
  }

  /** The step the next training forward draws its mask at. */
  get step(): number {
    return this.steps;
  }

  /** Sets the step of the next mask (a state dict's; only sites with p > 0 are in one). Loads go between steps. */
  setStep(step: number): void {
    this.ctx.writeCounter(this.counters![this.next], step);
    this.steps = step;
    this.applied = null; // the last forward's backward would write its step + 1 over the loaded counter
  }

  private get config() {
    return { p: this.p, seed: this.sites.seed, stream: this.stream };
  }

  release(): void {
    for (const t of this.counters ?? []) t.release();
  }
}

export interface LinearOptions {
  bias?: boolean;
  init?: InitName;
}

/** Refuses a layer used before a model bound it to its context and parameters (a TypeError otherwise). */
export function checkBound(what: string, bound: unknown): void {
  if (!bound)
    throw new ValueError(
      what,
      'a layer inside a model (new Sequential(ctx, [layer, …]) gives it its parameters)',
      'a layer in no model',
    );
}

const LINEAR_OPTIONS = optionNames<LinearOptions>({ bias: true, init: true });

/**
 * Checks a model's layer list at construction: an array of layers whose sizes chain — each layer's
 * fixed inFeatures is the nearest fixed outFeatures before it (activations and LastStep pass sizes on).
 */
/** 'an Embedding', 'a GRU': the article a class name takes in a message. */
const article = (name: string) => `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;

export function checkLayers(layers: readonly Layer[]): void {
  expectArrayLike('layers', layers, 'an array of layers');
  layers.forEach((l, i) => {
    if (typeof l?.forward !== 'function' || typeof l.paramSpecs !== 'function')
      throw new ValueError(`layers[${i}]`, 'a layer (Linear, RNN, LSTM, LastStep, …)', describeValue(l));
    // A layer holds its place's parameters and caches: one object in two places would share and overwrite them.
    const first = layers.indexOf(l);
    if (first !== i)
      throw new ValueError(`layers[${i}]`, 'a layer not already in the model', `the same object as layers[${first}]`);
  });
  layers.forEach((l, i) => {
    if (i > 0 && l.inputIds !== undefined)
      throw new ValueError(
        `layers[${i}]`,
        `a layer that reads features: ${article(l.constructor.name)} reads integer ids, which no layer produces, so it comes first`,
        `${article(l.constructor.name)} at index ${i}`,
      );
  });
  let previous: { index: number; layer: Layer } | undefined;
  layers.forEach((layer, i) => {
    if (previous && layer.inFeatures !== undefined && layer.inFeatures !== previous.layer.outFeatures) {
      const p = previous.layer;
      const note = p.outFeaturesNote ?? `${p.constructor.name} → ${p.outFeatures}`;
      throw new ShapeError(
        `layers[${i}] (${layer.constructor.name})`,
        `inFeatures ${p.outFeatures} (the output of layers[${previous.index}]: ${note})`,
        describeValue(layer.inFeatures),
      );
    }
    if (layer.outFeatures !== undefined) previous = { index: i, layer };
  });
}

/**
 * y = x Wᵀ + b, PyTorch nn.Linear: weight [out, in], bias [out]; x [..., in] → y [..., out], applied to
 * the last dimension, so on a sequence [T, B, H] it is the seed's o_t = c + V h_t for every step in ONE matmul.
 */
export class Linear implements Layer {
  readonly bias: boolean;
  readonly init: InitName;
  private ctx!: Backend;
  private weight!: Tensor; // [out, in]
  private weightGrad!: Tensor; // [out, in]
  private biasValue?: Tensor; // [out]
  private biasGrad?: Tensor; // [out]
  private input?: Tensor; // [rows, in] view of the caller's input
  private output?: Tensor; // [..., out] view of outputBase
  private outputBase?: Tensor; // [rows, out], owned
  private inputGradBase?: Tensor; // [rows, in], owned
  private readonly lifetime = new Lifetime('Linear layer');

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    expectPositiveInt('inFeatures', inFeatures);
    expectPositiveInt('outFeatures', outFeatures);
    checkOptions('Linear options', options, LINEAR_OPTIONS);
    expectBoolean('bias', options.bias);
    this.bias = options.bias ?? true;
    this.init = options.init ?? 'default';
    checkInit('init', this.init);
  }

  paramSpecs(rng: Rng): ParamSpec[] {
    const specs: ParamSpec[] = [
      {
        name: 'weight',
        shape: [this.outFeatures, this.inFeatures],
        init: () => initWeight(rng, this.init, this.outFeatures, this.inFeatures),
      },
    ];
    if (this.bias)
      specs.push({
        name: 'bias',
        shape: [this.outFeatures],
        init: () => initBias(rng, this.inFeatures, this.outFeatures),
      });
    return specs;
  }

  bind(ctx: Backend, params: ParamSet, prefix: string): void {
    this.ctx = ctx;
    this.weight = params.value(`${prefix}weight`);
    this.weightGrad = params.grad(`${prefix}weight`);
    if (this.bias) {
      this.biasValue = params.value(`${prefix}bias`);
      this.biasGrad = params.grad(`${prefix}bias`);
    }
  }

  outputShape(input: readonly number[]): number[] {
    if (input.length < 2 || input.at(-1) !== this.inFeatures)
      throw new ShapeError('x', `[..., ${this.inFeatures}] (rank ≥ 2)`, describeShape(input));
    return [...input.slice(0, -1), this.outFeatures];
  }

  forward(x: Tensor): Tensor {
    this.lifetime.check();
    checkBound('Linear', this.ctx);
    expectTensor('x', x);
    this.outputShape(x.shape);
    const input = x.view([x.size / this.inFeatures, this.inFeatures]);
    const y = this.ctx.matmul(input, this.weight, { transB: true, bias: this.biasValue });
    this.outputBase?.release(); // after the matmul: x may be this layer's previous output
    this.input = input;
    this.output = y.view([...x.shape.slice(0, -1), this.outFeatures]);
    this.outputBase = y;
    return this.output;
  }

  backward(dy: Tensor, inputGrad: boolean): Tensor | null {
    this.lifetime.check();
    expectTensor('dy', dy);
    const x = this.input;
    if (!x || !this.output) throw new ValueError('backward', 'a forward() first', 'no saved input');
    if (!sameShape(dy.shape, this.output.shape))
      throw new ShapeError('dy', describeShape(this.output.shape), describeShape(dy.shape));
    const dy2 = dy.view([x.shape[0], this.outFeatures]);
    // dW += dYᵀ X; db += Σ_rows dY; dX = dY W.
    this.ctx.matmul(dy2, x, { transA: true, out: this.weightGrad, beta: 1 });
    if (this.biasGrad) this.ctx.sumAxis(dy2, 0, { out: this.biasGrad, beta: 1 });
    const dx = inputGrad ? this.ctx.matmul(dy2, this.weight) : undefined;
    this.inputGradBase?.release();
    this.inputGradBase = dx;
    return dx ? dx.view([...this.output.shape.slice(0, -1), this.inFeatures]) : null;
  }

  release(): void {
    if (!this.lifetime.end()) return;
    this.outputBase?.release();
    this.inputGradBase?.release();
    this.output = this.outputBase = this.inputGradBase = this.input = undefined;
  }
}

/** h = f(a), elementwise; keeps a and h for backward. */
export class ActivationLayer implements Layer {
  readonly activation: Activation;
  private ctx!: Backend;
  private a?: Tensor; // pre-activation, owned by the caller
  private h?: Tensor;
  private da?: Tensor;
  private readonly lifetime = new Lifetime('Activation layer');

  constructor(activation: ActivationLike) {
    this.activation = toActivation('activation', activation);
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  bind(ctx: Backend): void {
    this.ctx = ctx;
  }

  outputShape(input: readonly number[]): number[] {
    return [...input];
  }

  forward(a: Tensor): Tensor {
    this.lifetime.check();
    checkBound('Activation layer', this.ctx);
    const h = this.ctx.activation(a, this.activation);
    this.h?.release(); // after the kernel: a may be this layer's previous output
    this.a = a;
    this.h = h;
    return h;
  }

  backward(dh: Tensor): Tensor {
    this.lifetime.check();
    if (!this.a || !this.h) throw new ValueError('backward', 'a forward() first', 'no saved activation');
    const da = this.ctx.activationBackward(this.a, this.h, dh, this.activation);
    this.da?.release();
    this.da = da;
    return da;
  }

  release(): void {
    if (!this.lifetime.end()) return;
    this.h?.release();
    this.da?.release();
    this.a = this.h = this.da = undefined;
  }
}

export interface LastStepOptions {
  /**
   * Layout of the incoming sequence: [B, T, F] when true, [T, B, F] when false. In a Sequential it is
   * taken from the nearest recurrent module before it (and must agree if given); default false.
   */
  batchFirst?: boolean;
}

/**
 * Many-to-one: keeps the last time step of a sequence, [T, B, F] (or [B, T, F]) → [B, F].
 *
 * Right after a recurrent module in a Sequential it takes that module's final states, PyTorch's h_n of
 * its last layer (Keras `return_sequences=False`): the forward direction's step T-1 and, for a
 * bidirectional module, the backward direction's final state, which is its step 0 — side by side
 * [fwd; bwd], or merged by the module's sum / mul / ave after the halves are taken. Anywhere else it
 * takes step T-1 of whatever comes, in the layout given or found upstream (a copy; batch-first input
 * is transposed first). With lengths (a batch of variable-length sequences) each row's last valid step:
 * the final states of the recurrent module before it carry them already; elsewhere step len[b]−1 of row b.
 */
export class LastStep implements Layer {
  private ctx!: Backend;
  private batchFirstOption?: boolean;
  private layout: 'time-major' | 'batch-first' | 'reduced upstream' = 'time-major';
  private shape?: readonly number[];
  private lengths?: Int32Array; // of the last forward
  private output?: Tensor;
  private inputGrad?: Tensor;
  private readonly lifetime = new Lifetime('LastStep layer');

  constructor(options: LastStepOptions = {}) {
    checkOptions('LastStep options', options, optionNames<LastStepOptions>({ batchFirst: true }));
    expectBoolean('batchFirst', options.batchFirst);
    this.batchFirstOption = options.batchFirst;
    if (options.batchFirst) this.layout = 'batch-first';
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  bind(ctx: Backend, _params: ParamSet, _prefix: string, upstream: readonly Layer[] = []): void {
    this.ctx = ctx;
    const source = [...upstream].reverse().find((l) => l.batchFirst !== undefined);
    if (source && this.batchFirstOption !== undefined && source.batchFirst !== this.batchFirstOption) {
      throw new ValueError(
        'LastStep batchFirst',
        `${source.batchFirst} (the layout of the ${source.constructor.name} before it) or left out`,
        describeValue(this.batchFirstOption),
      );
    }
    const previous = upstream.at(-1);
    if (previous?.reduceToLastStep) {
      previous.reduceToLastStep();
      this.layout = 'reduced upstream';
    } else if (source) {
      this.layout = source.batchFirst ? 'batch-first' : 'time-major';
    }
  }

  outputShape(input: readonly number[]): number[] {
    if (this.layout === 'reduced upstream') {
      if (input.length !== 2)
        throw new ShapeError('x', '[B, F] (the final step the layer before returns)', describeShape(input));
      return [...input];
    }
    const { B, F } = this.sequenceDims(input);
    return [B, F];
  }

  private sequenceDims(shape: readonly number[]): { T: number; B: number; F: number } {
    const batchFirst = this.layout === 'batch-first';
    if (shape.length !== 3) throw new ShapeError('x', batchFirst ? '[B, T, F]' : '[T, B, F]', describeShape(shape));
    const [T, B] = batchFirst ? [shape[1], shape[0]] : [shape[0], shape[1]];
    return { T, B, F: shape[2] };
  }

  forward(x: Tensor, batchLengths?: BatchLengths): Tensor {
    this.lifetime.check();
    checkBound('LastStep', this.ctx);
    const lengths = batchLengths?.host;
    expectTensor('x', x);
    if (this.layout === 'reduced upstream') {
      this.outputShape(x.shape);
      return x;
    }
    const { T, B, F } = this.sequenceDims(x.shape);
    // Batch-first input is made time-major first (one transpose): its last steps are then one block.
    const timeMajor = this.layout === 'batch-first' ? this.ctx.transpose01(x) : x;
    const output = this.ctx.empty([B, F]);
    if (lengths) {
      // Row b's last valid step: one copy per row (no dispatch).
      for (let b = 0; b < B; b++)
        this.ctx.copy(this.ctx.viewAt(timeMajor, ((lengths[b] - 1) * B + b) * F, [F]), output, b * F);
    } else {
      this.ctx.copy(this.ctx.viewAt(timeMajor, (T - 1) * B * F, [B, F]), output, 0);
    }
    if (timeMajor !== x) timeMajor.release();
    this.output?.release(); // after the copy: x may be this layer's previous output
    this.output = output;
    this.shape = x.shape;
    this.lengths = lengths;
    return output;
  }

  backward(dy: Tensor, inputGrad: boolean): Tensor | null {
    this.lifetime.check();
    expectTensor('dy', dy);
    if (this.layout === 'reduced upstream') return inputGrad ? dy : null;
    if (!this.shape) throw new ValueError('backward', 'a forward() first', 'no saved input');
    const { T, B, F } = this.sequenceDims(this.shape);
    if (!sameShape(dy.shape, [B, F])) throw new ShapeError('dy', describeShape([B, F]), describeShape(dy.shape));
    let dx: Tensor | undefined;
    if (inputGrad) {
      const timeMajor = this.ctx.zeros([T, B, F]);
      const lengths = this.lengths;
      if (lengths)
        for (let b = 0; b < B; b++)
          this.ctx.copy(this.ctx.viewAt(dy, b * F, [F]), timeMajor, ((lengths[b] - 1) * B + b) * F);
      else this.ctx.copy(dy, timeMajor, (T - 1) * B * F);
      dx = this.layout === 'batch-first' ? this.ctx.transpose01(timeMajor) : timeMajor;
      if (dx !== timeMajor) timeMajor.release();
    }
    this.inputGrad?.release();
    this.inputGrad = dx;
    return dx ?? null;
  }

  release(): void {
    if (!this.lifetime.end()) return;
    this.output?.release();
    this.inputGrad?.release();
    this.output = this.inputGrad = this.shape = undefined;
  }
}

/**
 * torch.nn.Dropout: in training mode each element is zeroed with probability p and the rest scaled by
 * 1/(1 − p) (inverted dropout; p = 1 zeroes everything, as PyTorch), a fresh mask at every forward; in
 * evaluation mode (model.eval(), Trainer.evaluate / predict) the identity. backward() reuses the mask.
 * Masks come from Philox4x32-10 at (the model's seed, this site, the step, the element): the same on every
 * adapter and on the CPU backend (PyTorch's own masks cannot be reproduced).
 */
export class Dropout implements Layer {
  private site?: DropoutSite;
  private output?: Tensor;
  private inputGrad?: Tensor;
  private readonly lifetime = new Lifetime('Dropout layer');

  constructor(readonly p = 0.5) {
    checkDropoutP('p', p);
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  bind(ctx: Backend, _params: ParamSet, _prefix: string, _upstream: readonly Layer[], dropout: DropoutSites): void {
    this.site = dropout.site(ctx, this.p);
  }

  outputShape(input: readonly number[]): number[] {
    return [...input];
  }

  forward(x: Tensor): Tensor {
    this.lifetime.check();
    checkBound('Dropout', this.site);
    expectTensor('x', x);
    const y = this.site!.forward(x);
    this.output?.release(); // after the kernel: x may be this layer's previous output
    this.output = y !== x ? y : undefined;
    return y;
  }

  backward(dy: Tensor, inputGrad: boolean): Tensor | null {
    this.lifetime.check();
    checkBound('Dropout', this.site);
    expectTensor('dy', dy);
    if (!inputGrad) return null; // no parameters: nothing else to do
    const dx = this.site!.backward(dy);
    this.inputGrad?.release();
    this.inputGrad = dx !== dy ? dx : undefined;
    return dx;
  }

  release(): void {
    if (!this.lifetime.end()) return;
    this.output?.release();
    this.inputGrad?.release();
    this.output = this.inputGrad = this.site = undefined; // the model frees the site's counters
  }
}
