// Recurrent modules, torch.nn-compatible: RNN (Elman: a_t = b + W h_{t-1} + U x_t, h_t = f(a_t)) and
// LSTM (gates i, f, g, o) and GRU (gates r, z, n). Stacked layers; optionally bidirectional — a forward-in-time and a
// backward-in-time network side by side, merged per step. U = weight_ih_l{k}, W = weight_hh_l{k},
// b = bias_ih_l{k} + bias_hh_l{k}; '_reverse' for the backward direction; G·H rows per tensor (G = 1 RNN,
// 4 LSTM, 3 GRU). backwardFull() is explicit BPTT: dL/dOutput (+ final-state gradients) → dL/dInput, the
// initial-state gradients, and every parameter gradient summed over the time steps (accumulated
// until zeroGrad). Everything a call returns stays valid until the module's next forward/backward,
// which frees it only once it has finished: hN / cN go back in as the next call's h0 / c0 (a long
// sequence streamed in chunks) and dH0 as the next backward's dHN.
import type { Backend } from '../ops/index.js';
import type {
  CellKind,
  FinalStates,
  RecurrentConfig,
  RecurrentLayerCache,
  RecurrentWeights,
} from '../ops/recurrent/spec.js';
import { toActivation, type Activation, type ActivationLike } from '../ops/activation/spec.js';
import type { MergeMode } from '../ops/bidir_merge/spec.js';
import { checkDropoutP } from '../ops/dropout/spec.js';
import {
  checkOptions,
  expectBoolean,
  expectObject,
  expectOptionalTensor,
  expectTensor,
  optionNames,
} from '../core/checks.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../core/errors.js';
import { Lifetime } from '../core/lifetime.js';
import { toBatchLengths, type BatchLengths, type SequenceLengths } from '../core/lengths.js';
import type { Rng } from '../core/rng.js';
import { expectPositiveInt, expectRank, expectShape } from '../core/shapes.js';
import { Tensor } from '../core/tensor.js';
import {
  checkBound,
  type DropoutSite,
  type DropoutSites,
  type Layer,
  type RecurrentState,
  type StateSpec,
} from './layers.js';
import type { ParamSet, ParamSpec } from './params.js';

export type { MergeMode };

export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bias?: boolean;
  bidirectional?: boolean;
  /** Input and output as [B, T, ·] instead of [T, B, ·] (states stay [L·D, B, H], as in PyTorch). */
  batchFirst?: boolean;
  /** How a bidirectional output merges the directions: 'concat' [fwd; bwd] (default, PyTorch) or 'sum' | 'mul' | 'ave' (Keras). */
  mergeMode?: MergeMode;
  /** Time-loop kernels: 'auto' (default), 'step' (a dispatch per step) or 'persistent' (one dispatch per layer). */
  path?: RecurrentConfig['path'];
  /** Record ‖dL/dh_t‖ for every step and layer during BPTT (see diagnostics()); costs one reduction per layer. */
  recordGradFlow?: boolean;
  /**
   * weight_hh init, per gate's [H, H] block: 'default' PyTorch's U(-1/√H, 1/√H); 'orthogonal' a random
   * orthogonal matrix; 'identity' I (with ReLU: the IRNN of Le, Jaitly & Hinton 2015, whose gradients
   * neither vanish nor explode at the start).
   */
  recurrentInit?: 'default' | 'orthogonal' | 'identity';
  /**
   * PyTorch's `dropout`: in training mode, dropout with this probability on the output of every layer
   * but the last (between stacked layers; needs numLayers ≥ 2). Default 0.
   */
  dropout?: number;
}

const RECURRENT_OPTIONS = optionNames<RecurrentOptions>({
  inputSize: true,
  hiddenSize: true,
  numLayers: true,
  bias: true,
  bidirectional: true,
  batchFirst: true,
  mergeMode: true,
  path: true,
  recordGradFlow: true,
  recurrentInit: true,
  dropout: true,
});

const ALIGN = 64; // elements: a state block bindable on the GPU starts at a multiple of this

/** States of every layer in one tensor: h, and an LSTM's c at element S. */
interface StateBlock {
  tensor: Tensor;
  h: Tensor;
  c: Tensor | null;
  S: number;
}

/** What one forward keeps for backward and hands out; freed when the next forward has finished. */
interface ForwardRun {
  B: number;
  caches: RecurrentLayerCache[];
  owned: Tensor[];
  outputShape: number[];
  /** Set when forward() returned the final step (reduceToLastStep): it as [B, D·H], before any merge. */
  finalStep: Tensor | null;
}

const CELL_NAMES: Record<CellKind, string> = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' };

function releaseRun(run: ForwardRun | undefined): void {
  for (const c of run?.caches ?? []) c.release();
  for (const t of run?.owned ?? []) t.release();
}

function releaseAll(tensors: readonly Tensor[]): void {
  for (const t of tensors) t.release();
}

abstract class RecurrentBase implements Layer {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly directions: 1 | 2;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly mergeMode: MergeMode;
  readonly path: RecurrentConfig['path'];
  readonly recurrentInit: 'default' | 'orthogonal' | 'identity';
  readonly dropout: number;
  /** Record ‖dL/dh_t‖ during BPTT (can be switched between steps). */
  recordGradFlow: boolean;
  protected ctx!: Backend;
  private flows: Tensor[] = []; // per layer: [T] Σ (dL/dh_t)² of the last backward
  private weights: Array<{ w: RecurrentWeights; g: RecurrentWeights }> = [];
  private dropoutSites: DropoutSite[] = []; // after layer k, k < numLayers − 1
  private lastForward?: ForwardRun;
  private backwardOwned: Tensor[] = []; // what the last backward made, freed at the end of the next
  private lastStepOnly = false; // set by reduceToLastStep()
  private readonly lifetime: Lifetime;

  protected constructor(
    readonly cell: CellKind,
    protected readonly gates: number,
    options: RecurrentOptions,
    extraOptions: readonly string[],
  ) {
    const name = CELL_NAMES[cell];
    this.lifetime = new Lifetime(`${name} module`);
    expectObject(`${name} options`, options, '{ inputSize, hiddenSize, … }');
    checkOptions(`${name} options`, options, [...RECURRENT_OPTIONS, ...extraOptions]);
    expectPositiveInt('inputSize', options.inputSize);
    expectPositiveInt('hiddenSize', options.hiddenSize);
    expectPositiveInt('numLayers', options.numLayers ?? 1);
    for (const flag of ['bias', 'bidirectional', 'batchFirst', 'recordGradFlow'] as const)
      expectBoolean(flag, options[flag]);
    this.inputSize = options.inputSize;
    this.hiddenSize = options.hiddenSize;
    this.numLayers = options.numLayers ?? 1;
    this.directions = options.bidirectional ? 2 : 1;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.mergeMode = options.mergeMode ?? 'concat';
    this.path = options.path ?? 'auto';
    this.recordGradFlow = options.recordGradFlow ?? false;
    this.recurrentInit = options.recurrentInit ?? 'default';
    if (!['default', 'orthogonal', 'identity'].includes(this.recurrentInit)) {
      throw new ValueError(
        'recurrentInit',
        "'default', 'orthogonal' or 'identity'",
        JSON.stringify(this.recurrentInit),
      );
    }
    if (!['concat', 'sum', 'mul', 'ave'].includes(this.mergeMode))
      throw new ValueError('mergeMode', "'concat', 'sum', 'mul' or 'ave'", JSON.stringify(this.mergeMode));
    if (this.mergeMode !== 'concat' && this.directions === 1)
      throw new ValueError('mergeMode', "'concat' for a unidirectional network", JSON.stringify(this.mergeMode));
    this.dropout = options.dropout ?? 0;
    checkDropoutP('dropout', this.dropout);
    if (this.dropout > 0 && this.numLayers === 1)
      throw new ValueError(
        'dropout',
        '0 for a single layer (it applies between stacked layers; add a Dropout layer after the module)',
        String(this.dropout),
      );
    if (!['auto', 'step', 'persistent'].includes(this.path!))
      throw new ValueError('path', "'auto', 'step' or 'persistent'", JSON.stringify(this.path));
  }

  protected abstract get activation(): Activation;

  get inFeatures(): number {
    return this.inputSize;
  }

  /** Width of the output per step: D·H for 'concat', H for the other merges. */
  get outFeatures(): number {
    return this.mergeMode === 'concat' ? this.directions * this.hiddenSize : this.hiddenSize;
  }

  get outFeaturesNote(): string {
    const name = CELL_NAMES[this.cell];
    if (this.directions === 1) return `${name} hiddenSize ${this.hiddenSize}`;
    return this.mergeMode === 'concat'
      ? `${name} bidirectional 2·${this.hiddenSize}`
      : `${name} bidirectional, mergeMode '${this.mergeMode}', ${this.hiddenSize}`;
  }

  protected layerInput(k: number): number {
    return k === 0 ? this.inputSize : this.directions * this.hiddenSize;
  }

  protected names(k: number, kind: string): string[] {
    return this.directions === 2 ? [`${kind}_l${k}`, `${kind}_l${k}_reverse`] : [`${kind}_l${k}`];
  }

  /** Initial values of one direction's tensor: PyTorch's U(-1/√H, 1/√H), then recurrentInit for weight_hh. */
  protected init(rng: Rng, kind: 'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh', shape: number[]): Float64Array {
    const H = this.hiddenSize;
    const bound = 1 / Math.sqrt(H);
    const values = rng.uniformArray(
      shape.reduce((a, b) => a * b, 1),
      -bound,
      bound,
    );
    if (kind === 'weight_hh' && this.recurrentInit !== 'default') {
      for (let gate = 0; gate < this.gates; gate++)
        values.set(this.recurrentInit === 'orthogonal' ? orthogonal(rng, H) : identity(H), gate * H * H);
    }
    return values;
  }

  paramSpecs(rng: Rng): ParamSpec[] {
    const GH = this.gates * this.hiddenSize;
    const specs: ParamSpec[] = [];
    for (let k = 0; k < this.numLayers; k++) {
      const kinds: Array<['weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh', number[]]> = [
        ['weight_ih', [GH, this.layerInput(k)]],
        ['weight_hh', [GH, this.hiddenSize]],
      ];
      if (this.bias) kinds.push(['bias_ih', [GH]], ['bias_hh', [GH]]);
      // Both directions of a tensor are packed together: one matmul serves both.
      for (const [kind, shape] of kinds)
        this.names(k, kind).forEach((name, d) =>
          specs.push({ name, shape, init: () => this.init(rng, kind, shape), packed: d > 0 }),
        );
    }
    return specs;
  }

  bind(ctx: Backend, params: ParamSet, prefix: string, _upstream: readonly Layer[], dropout: DropoutSites): void {
    this.ctx = ctx;
    this.dropoutSites = Array.from({ length: this.numLayers - 1 }, () => dropout.site(ctx, this.dropout));
    const DGH = this.directions * this.gates * this.hiddenSize;
    const span = (k: number, kind: string, shape: number[]) =>
      params.span(
        this.names(k, kind).map((n) => prefix + n),
        shape,
      );
    this.weights = [];
    for (let k = 0; k < this.numLayers; k++) {
      const wih = span(k, 'weight_ih', [DGH, this.layerInput(k)]);
      const whh = span(k, 'weight_hh', [DGH, this.hiddenSize]);
      const bih = this.bias ? span(k, 'bias_ih', [DGH]) : undefined;
      const bhh = this.bias ? span(k, 'bias_hh', [DGH]) : undefined;
      this.weights.push({
        w: { wih: wih.value, whh: whh.value, bih: bih?.value, bhh: bhh?.value },
        g: { wih: wih.grad, whh: whh.grad, bih: bih?.grad, bhh: bhh?.grad },
      });
    }
  }

  private stateShape(B: number): number[] {
    return [this.numLayers * this.directions, B, this.hiddenSize];
  }

  /**
   * Every layer's states in one tensor: h [L·D, B, H] at 0 and, for an LSTM, c at the aligned offset S
   * (the GPU binds an LSTM's h and c as one buffer).
   */
  private stateBlock(B: number, own: (t: Tensor) => Tensor): StateBlock {
    const shape = this.stateShape(B);
    if (this.cell !== 'lstm') {
      const h = own(this.ctx.empty(shape));
      return { tensor: h, h, c: null, S: 0 };
    }
    const S = Math.ceil((shape[0] * B * this.hiddenSize) / ALIGN) * ALIGN;
    const tensor = own(this.ctx.empty([2 * S]));
    return { tensor, h: this.ctx.viewAt(tensor, 0, shape), c: this.ctx.viewAt(tensor, S, shape), S };
  }

  /**
   * The block of caller-given states, or null: an RNN's h as it is, otherwise a copy (an LSTM's h and c
   * side by side, zeros where missing) in which the batch rows `resetRows` are zeroed — the caller's
   * tensors stay as they were.
   */
  private stateBlockFrom(
    h: Tensor | undefined,
    c: Tensor | undefined,
    B: number,
    own: (t: Tensor) => Tensor,
    resetRows: readonly number[] = [],
  ): StateBlock | null {
    if (!h && !c) return null;
    if (this.cell !== 'lstm' && resetRows.length === 0) return { tensor: h!, h: h!, c: null, S: 0 };
    const block = this.stateBlock(B, own);
    if (block.c) this.ctx.clear(block.tensor);
    if (h) this.ctx.copy(h, block.tensor, 0);
    if (c) this.ctx.copy(c, block.tensor, block.S);
    const H = this.hiddenSize;
    for (const b of resetRows) {
      for (let l = 0; l < this.numLayers * this.directions; l++) {
        this.ctx.clear(this.ctx.viewAt(block.tensor, (l * B + b) * H, [H]));
        if (block.c) this.ctx.clear(this.ctx.viewAt(block.tensor, block.S + (l * B + b) * H, [H]));
      }
    }
    return block;
  }

  /** Layer k's slices of a state block. */
  private layerSlices(block: StateBlock, k: number, B: number): FinalStates {
    const { tensor, S } = block;
    const off = k * this.directions * B * this.hiddenSize;
    return this.cell === 'lstm'
      ? { h: { tensor, offset: off }, c: { tensor, offset: S + off } }
      : { h: { tensor, offset: off } };
  }

  /** [T, B, outFeatures] ([B, T, ·] batch-first); [B, outFeatures] after reduceToLastStep(). */
  outputShape(input: readonly number[]): number[] {
    const sequence = this.sequenceShape(input);
    return this.lastStepOnly ? [this.batchFirst ? input[0] : input[1], this.outFeatures] : sequence;
  }

  private sequenceShape(input: readonly number[]): number[] {
    expectRank('x', input, 3);
    if (input[2] !== this.inputSize)
      throw new ShapeError('x', `[${this.batchFirst ? 'B, T' : 'T, B'}, ${this.inputSize}]`, describeShape(input));
    return [input[0], input[1], this.outFeatures];
  }

  /**
   * Makes forward() return the final step [B, outFeatures] — PyTorch's h_n of the last layer: the
   * forward direction's step T-1 and the backward direction's step 0, merged like the outputs — and
   * backward() take its gradient. LastStep calls it on the module before it; run() is unaffected.
   */
  reduceToLastStep(): void {
    this.lastStepOnly = true;
  }

  protected runLayers(
    x: Tensor,
    h0: Tensor | undefined,
    c0: Tensor | undefined,
    finalStepOnly: boolean,
    resetRows: readonly number[] = [],
    lengths?: SequenceLengths | BatchLengths,
  ): { output: Tensor; hN: Tensor; cN: Tensor | null } {
    this.lifetime.check();
    checkBound(CELL_NAMES[this.cell], this.ctx);
    expectTensor('x', x);
    expectOptionalTensor('h0', h0);
    expectOptionalTensor('c0', c0);
    this.sequenceShape(x.shape);
    const B = this.batchFirst ? x.shape[0] : x.shape[1];
    if (h0) expectShape('h0', h0.shape, this.stateShape(B));
    if (c0) expectShape('c0', c0.shape, this.stateShape(B));
    const T = this.batchFirst ? x.shape[1] : x.shape[0];
    const run: ForwardRun = { B, caches: [], owned: [], outputShape: [], finalStep: null };
    const own = (t: Tensor) => (run.owned.push(t), t);
    // Lengths are checked before any work; uploaded here unless the caller did (Sequential, a Trainer).
    const lengthsTensor =
      lengths === undefined
        ? undefined
        : toBatchLengths('lengths', lengths, B, T, (host) => own(this.ctx.tensor(host, [B]))).device;
    try {
      let input = this.batchFirst ? own(this.ctx.transpose01(x)) : x;
      const init = this.stateBlockFrom(h0, c0, B, own, resetRows);
      const final = this.stateBlock(B, own);
      const config: RecurrentConfig = {
        cell: this.cell,
        D: this.directions,
        H: this.hiddenSize,
        activation: this.activation,
        path: this.path,
      };
      for (let k = 0; k < this.numLayers; k++) {
        const cache = this.ctx.recurrentLayerForward(
          input,
          this.weights[k].w,
          config,
          init ? this.layerSlices(init, k, B) : { h: null },
          this.layerSlices(final, k, B),
          lengthsTensor,
        );
        run.caches.push(cache);
        input = cache.output;
        if (k + 1 < this.numLayers) {
          const dropped = this.dropoutSites[k].forward(input); // the next layer's input; the cache keeps the output
          input = dropped === input ? input : own(dropped);
        }
      }
      let output = input;
      if (finalStepOnly) {
        output = run.finalStep = this.finalStep(final.h, B, own);
        if (this.mergeMode !== 'concat')
          output = own(this.ctx.bidirMerge(output.view([1, B, 2 * this.hiddenSize]), this.mergeMode)).view([
            B,
            this.hiddenSize,
          ]);
      } else {
        if (this.mergeMode !== 'concat') output = own(this.ctx.bidirMerge(output, this.mergeMode));
        if (this.batchFirst) output = own(this.ctx.transpose01(output));
      }
      run.outputShape = [...output.shape];
      // Only now free the previous forward's outputs: x, h0 or c0 may be among them.
      releaseRun(this.lastForward);
      this.lastForward = run;
      return { output, hN: final.h, cN: final.c };
    } catch (e) {
      releaseRun(run); // a refused call leaves the previous forward as it was
      throw e;
    }
  }

  /** The last layer's final states [D, B, H] as [B, D·H]: forward step T-1 beside backward step 0. */
  private finalStep(hN: Tensor, B: number, own: (t: Tensor) => Tensor): Tensor {
    const [D, H] = [this.directions, this.hiddenSize];
    const last = own(this.ctx.empty([D, B, H])); // a copy: the layer's block may start where no kernel can bind it
    this.ctx.copy(this.ctx.viewAt(hN, (this.numLayers - 1) * D * B * H, [D * B * H]), last, 0);
    return D === 1 ? last.view([B, H]) : own(this.ctx.transpose01(last)).view([B, D * H]);
  }

  /** Gradients for a forward that returned the final step: the last layer's dhN from dy, zero for every step's output. */
  private finalStepGradients(
    dy: Tensor,
    run: ForwardRun,
    own: (t: Tensor) => Tensor,
  ): { dOut: Tensor; dFinal: StateBlock } {
    const [B, D, H, T] = [run.B, this.directions, this.hiddenSize, run.caches[0].output.shape[0]];
    let dStep = dy; // [B, D·H]
    if (this.mergeMode !== 'concat')
      dStep = own(
        this.ctx.bidirMergeBackward(run.finalStep!.view([1, B, 2 * H]), dy.view([1, B, H]), this.mergeMode),
      ).view([B, 2 * H]);
    const dLast = D === 1 ? dStep : own(this.ctx.transpose01(dStep.view([B, D, H]))); // [D, B, H]
    const dFinal = this.stateBlock(B, own);
    this.ctx.clear(dFinal.tensor);
    this.ctx.copy(dLast, dFinal.tensor, (this.numLayers - 1) * D * B * H);
    return { dOut: own(this.ctx.zeros([T, B, D * H])), dFinal };
  }

  protected backwardLayers(
    dOutput: Tensor,
    inputGrad: boolean,
    dHN?: Tensor,
    dCN?: Tensor,
  ): { dInput: Tensor | null; dH0: Tensor; dC0: Tensor | null } {
    this.lifetime.check();
    const run = this.lastForward;
    if (!run) throw new ValueError('backward', 'a forward() first', 'no saved forward');
    expectTensor('dOutput', dOutput);
    expectOptionalTensor('dHN', dHN);
    expectOptionalTensor('dCN', dCN);
    expectShape('dOutput', dOutput.shape, run.outputShape);
    const B = run.B;
    if (dHN) expectShape('dHN', dHN.shape, this.stateShape(B));
    if (dCN) expectShape('dCN', dCN.shape, this.stateShape(B));
    if (run.finalStep && (dHN || dCN))
      throw new ValueError(
        dHN ? 'dHN' : 'dCN',
        'none after a forward that returned the final step (dOutput is its gradient)',
        'a tensor',
      );
    const owned: Tensor[] = [];
    const own = (t: Tensor) => (owned.push(t), t);
    try {
      let g: Tensor;
      let dFinal: StateBlock | null;
      if (run.finalStep) {
        ({ dOut: g, dFinal } = this.finalStepGradients(dOutput, run, own));
      } else {
        g = this.batchFirst ? own(this.ctx.transpose01(dOutput)) : dOutput;
        if (this.mergeMode !== 'concat')
          g = own(this.ctx.bidirMergeBackward(run.caches[this.numLayers - 1].output, g, this.mergeMode));
        dFinal = this.stateBlockFrom(dHN, dCN, B, own);
      }
      const dInit = this.stateBlock(B, own);
      const [T, , DH] = run.caches[0].output.shape;
      const flows: Tensor[] = [];
      for (let k = this.numLayers - 1; k >= 0; k--) {
        const record = this.recordGradFlow ? own(this.ctx.empty([T, B, DH])) : undefined;
        const dx = this.ctx.recurrentLayerBackward(
          run.caches[k],
          g,
          dFinal ? this.layerSlices(dFinal, k, B) : { h: null },
          this.weights[k].g,
          this.layerSlices(dInit, k, B),
          k > 0 || inputGrad,
          record,
        );
        if (record) flows[k] = own(this.ctx.sumAxis(record.view([T, B * DH]), 1, { square: true }));
        if (dx) g = own(dx);
        if (dx && k > 0) {
          const dropped = this.dropoutSites[k - 1].backward(g); // through the dropout before layer k
          g = dropped === g ? g : own(dropped);
        }
      }
      const dInput = inputGrad ? (this.batchFirst ? own(this.ctx.transpose01(g)) : g) : null;
      // Only now free the previous backward's outputs: dHN or dCN may be among them.
      releaseAll(this.backwardOwned);
      this.backwardOwned = owned;
      this.flows = flows;
      return { dInput, dH0: dInit.h, dC0: dInit.c };
    } catch (e) {
      releaseAll(owned);
      throw e;
    }
  }

  /** With `lengths` (see SequenceLengths), each row runs its first len[b] steps only (PyTorch's packed sequences). */
  forward(x: Tensor, lengths?: SequenceLengths | BatchLengths): Tensor {
    return this.runLayers(x, undefined, undefined, this.lastStepOnly, [], lengths).output;
  }

  /** States [L·D, B, H] for an input shape (B from the layout); whether there is a cell state c (LSTM) and a backward direction. */
  stateSpec(input: readonly number[]): StateSpec {
    return {
      shape: this.stateShape(this.batchFirst ? input[0] : input[1]),
      cell: this.cell === 'lstm',
      bidirectional: this.directions === 2,
    };
  }

  /**
   * forward() from initial states (null: zeros), the batch rows in `resetRows` starting from zeros; also
   * returns the final states (valid until the module's next call, so they can go back in as the next
   * chunk's initial states). backward() then treats the initial states as constants: no gradient
   * flows into them (truncated BPTT's detach).
   */
  forwardWithState(
    x: Tensor,
    state: RecurrentState | null,
    resetRows: readonly number[] = [],
    lengths?: SequenceLengths | BatchLengths,
  ): { output: Tensor; state: RecurrentState } {
    const { output, hN, cN } = this.runLayers(x, state?.h, state?.c, this.lastStepOnly, resetRows, lengths);
    return { output, state: cN ? { h: hN, c: cN } : { h: hN } };
  }

  /**
   * With recordGradFlow: per layer, [T] tensors of Σ_{b,j} (dL/dh_t)² from the last backward (squared
   * norms; a Trainer step reads them back with its one readback and reports their square roots).
   */
  diagnostics(): Tensor[] {
    return this.flows;
  }

  backward(dy: Tensor, inputGrad: boolean): Tensor | null {
    return this.backwardLayers(dy, inputGrad).dInput;
  }

  /** Frees everything the module holds; using it afterwards throws ReleasedError. */
  release(): void {
    if (!this.lifetime.end()) return;
    releaseRun(this.lastForward);
    releaseAll(this.backwardOwned);
    this.lastForward = undefined;
    this.backwardOwned = [];
    this.flows = [];
  }
}

/** The cells whose only state is h (RNN, GRU): run and explicit BPTT with h0 / hN alone. */
abstract class HiddenStateRecurrent extends RecurrentBase {
  /**
   * x [T, B, I] ([B, T, I] batch-first), h0 [L·D, B, H] or zeros → output [T, B, D·H] (or merged) and
   * hN [L·D, B, H]. h0 comes as a tensor (torch.nn.RNN's `rnn(x, h0)`, GRU's `gru(x, h0)`) or as
   * `{ h0 }`, the form LSTM.run takes, so one call shape serves every module. `{ lengths }`: per-row
   * lengths (PyTorch's packed sequences, see SequenceLengths): output 0 past each row's length, hN
   * from each row's last valid step.
   */
  run(
    x: Tensor,
    state?: Tensor | { h0?: Tensor; lengths?: SequenceLengths | BatchLengths },
  ): { output: Tensor; hN: Tensor } {
    let h0 = state;
    let lengths: SequenceLengths | BatchLengths | undefined;
    if (state !== undefined && !(state instanceof Tensor)) {
      checkOptions('state', state, ['h0', 'lengths']);
      h0 = (state as { h0?: Tensor }).h0;
      lengths = (state as { lengths?: SequenceLengths | BatchLengths }).lengths;
    }
    const { output, hN } = this.runLayers(x, h0 as Tensor | undefined, undefined, false, [], lengths);
    return { output, hN };
  }

  /** BPTT from dOutput (and dHN) → dInput (with inputGrad), dH0; parameter gradients accumulate. */
  backwardFull(
    dOutput: Tensor,
    options: { dHN?: Tensor; inputGrad?: boolean } = {},
  ): { dInput: Tensor | null; dH0: Tensor } {
    checkOptions('options', options, ['dHN', 'inputGrad']);
    expectBoolean('inputGrad', options.inputGrad);
    const { dInput, dH0 } = this.backwardLayers(dOutput, options.inputGrad ?? false, options.dHN);
    return { dInput, dH0 };
  }
}

export interface RnnOptions extends RecurrentOptions {
  /** 'tanh' (default) or 'relu' as in PyTorch; any foundation activation works. */
  nonlinearity?: ActivationLike;
}

/** torch.nn.RNN: the Elman network. */
export class RNN extends HiddenStateRecurrent {
  /** The activation of the Elman cell (torch: tanh or relu). */
  readonly nonlinearity: Activation;

  constructor(options: RnnOptions) {
    super('rnn', 1, options, optionNames<Omit<RnnOptions, keyof RecurrentOptions>>({ nonlinearity: true }));
    this.nonlinearity = toActivation('nonlinearity', options.nonlinearity ?? 'tanh');
  }

  protected get activation(): Activation {
    return this.nonlinearity;
  }
}

export interface LstmOptions extends RecurrentOptions {
  /**
   * Effective forget-gate bias at initialisation (e.g. 1, Jozefowicz et al. 2015): the forget slice
   * of bias_ih is set to it and that of bias_hh to 0, since PyTorch adds the two.
   */
  forgetBias?: number;
}

/** torch.nn.LSTM, gate order i, f, g, o. */
export class LSTM extends RecurrentBase {
  readonly forgetBias?: number;

  constructor(options: LstmOptions) {
    super('lstm', 4, options, optionNames<Omit<LstmOptions, keyof RecurrentOptions>>({ forgetBias: true }));
    if (options.forgetBias !== undefined && !Number.isFinite(options.forgetBias))
      throw new ValueError('forgetBias', 'a finite number', describeValue(options.forgetBias));
    if (options.forgetBias !== undefined && !this.bias)
      throw new ValueError('forgetBias', 'bias: true (there is no bias to set)', 'bias: false');
    this.forgetBias = options.forgetBias;
  }

  protected get activation(): Activation {
    return { name: 'tanh', param: 0 };
  }

  protected init(rng: Rng, kind: 'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh', shape: number[]): Float64Array {
    const values = super.init(rng, kind, shape);
    const H = this.hiddenSize;
    if (this.forgetBias !== undefined && (kind === 'bias_ih' || kind === 'bias_hh'))
      values.fill(kind === 'bias_ih' ? this.forgetBias : 0, H, 2 * H);
    return values;
  }

  /** x [T, B, I] ([B, T, I] batch-first), (h0, c0) [L·D, B, H] or zeros → output, hN, cN; `lengths` as RNN.run. */
  run(
    x: Tensor,
    state: { h0?: Tensor; c0?: Tensor; lengths?: SequenceLengths | BatchLengths } = {},
  ): { output: Tensor; hN: Tensor; cN: Tensor } {
    expectObject('state', state, '{ h0?, c0?, lengths? } (an LSTM takes its states as an object)');
    checkOptions('state', state, ['h0', 'c0', 'lengths']);
    const { output, hN, cN } = this.runLayers(x, state.h0, state.c0, false, [], state.lengths);
    return { output, hN, cN: cN! };
  }

  /** BPTT from dOutput (and dHN, dCN) → dInput (with inputGrad), dH0, dC0; parameter gradients accumulate. */
  backwardFull(
    dOutput: Tensor,
    options: { dHN?: Tensor; dCN?: Tensor; inputGrad?: boolean } = {},
  ): { dInput: Tensor | null; dH0: Tensor; dC0: Tensor } {
    checkOptions('options', options, ['dHN', 'dCN', 'inputGrad']);
    expectBoolean('inputGrad', options.inputGrad);
    const { dInput, dH0, dC0 } = this.backwardLayers(dOutput, options.inputGrad ?? false, options.dHN, options.dCN);
    return { dInput, dH0, dC0: dC0! };
  }
}

/**
 * torch.nn.GRU, gate order r, z, n: r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h (b_hn inside r ⊙ (…), as PyTorch).
 */
export class GRU extends HiddenStateRecurrent {
  constructor(options: RecurrentOptions) {
    super('gru', 3, options, []);
  }

  protected get activation(): Activation {
    return { name: 'tanh', param: 0 };
  }
}

/** A random orthogonal H×H matrix: Gram–Schmidt on a Gaussian matrix, row-major. */
function orthogonal(rng: Rng, H: number): Float64Array {
  const q = Float64Array.from({ length: H * H }, () => rng.normal());
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let k = 0; k < H; k++) dot += q[i * H + k] * q[j * H + k];
      for (let k = 0; k < H; k++) q[i * H + k] -= dot * q[j * H + k];
    }
    let norm = 0;
    for (let k = 0; k < H; k++) norm += q[i * H + k] ** 2;
    norm = Math.sqrt(norm);
    for (let k = 0; k < H; k++) q[i * H + k] /= norm;
  }
  return q;
}

function identity(H: number): Float64Array {
  const eye = new Float64Array(H * H);
  for (let i = 0; i < H; i++) eye[i * H + i] = 1;
  return eye;
}
