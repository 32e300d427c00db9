// torch.nn.RNN-compatible Elman RNN: a_t = b + W h_{t-1} + U x_t, h_t = f(a_t), stacked layers,
// optionally bidirectional (a forward-in-time and a backward-in-time RNN side by side, merged per step).
// U = weight_ih_l{k}, W = weight_hh_l{k}, b = bias_ih_l{k} + bias_hh_l{k}; '_reverse' for the backward
// direction. backwardFull() is explicit BPTT: dL/dOutput (+ dL/dhN) → dL/dInput, dL/dh0, and every
// parameter gradient summed over the time steps (accumulated until zeroGrad).
import type { Backend, RecurrentWeights, RnnLayerCache, RnnLayerConfig } from '../backend.js';
import { toActivation, type Activation, type ActivationLike } from '../activation.js';
import type { MergeMode } from '../cpu/bidir_merge.js';
import { ShapeError, ValueError, describeShape } from '../errors.js';
import type { Rng } from '../rng.js';
import { expectPositiveInt, expectRank, expectShape } from '../shapes.js';
import type { Tensor } from '../tensor.js';
import type { Layer } from './layers.js';
import type { ParamSet, ParamSpec } from './params.js';

export type { MergeMode };

export interface RnnOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  /** 'tanh' (default) or 'relu' as in PyTorch; any foundation activation works. */
  nonlinearity?: ActivationLike;
  bias?: boolean;
  bidirectional?: boolean;
  /** Input and output as [B, T, ·] instead of [T, B, ·]. */
  batchFirst?: boolean;
  /** How a bidirectional output merges the directions: 'concat' [fwd; bwd] (default, PyTorch) or 'sum' | 'mul' | 'ave' (Keras). */
  mergeMode?: MergeMode;
  /** Time-loop kernel: 'auto' (default), 'step' (a dispatch per step) or 'persistent' (one dispatch per layer). */
  path?: RnnLayerConfig['path'];
}

export class RNN implements Layer {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly directions: 1 | 2;
  readonly activation: Activation;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly mergeMode: MergeMode;
  readonly path: RnnLayerConfig['path'];
  private ctx!: Backend;
  private weights: Array<{ w: RecurrentWeights; g: RecurrentWeights }> = [];
  private caches: RnnLayerCache[] = [];
  private forwardOwned: Tensor[] = []; // intermediates of the last forward, freed at the next
  private backwardOwned: Tensor[] = [];
  private batch = 0;
  private steps = 0;
  private outputShape: number[] = [];

  constructor(options: RnnOptions) {
    expectPositiveInt('inputSize', options?.inputSize);
    expectPositiveInt('hiddenSize', options.hiddenSize);
    expectPositiveInt('numLayers', options.numLayers ?? 1);
    this.inputSize = options.inputSize;
    this.hiddenSize = options.hiddenSize;
    this.numLayers = options.numLayers ?? 1;
    this.directions = options.bidirectional ? 2 : 1;
    this.activation = toActivation('nonlinearity', options.nonlinearity ?? 'tanh');
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.mergeMode = options.mergeMode ?? 'concat';
    this.path = options.path ?? 'auto';
    if (!['concat', 'sum', 'mul', 'ave'].includes(this.mergeMode)) throw new ValueError('mergeMode', "'concat', 'sum', 'mul' or 'ave'", JSON.stringify(this.mergeMode));
    if (this.mergeMode !== 'concat' && this.directions === 1) throw new ValueError('mergeMode', "'concat' for a unidirectional RNN", JSON.stringify(this.mergeMode));
    if (!['auto', 'step', 'persistent'].includes(this.path!)) throw new ValueError('path', "'auto', 'step' or 'persistent'", JSON.stringify(this.path));
  }

  get inFeatures(): number {
    return this.inputSize;
  }

  /** Width of the output per step: D·H for 'concat', H for the other merges. */
  get outFeatures(): number {
    return this.mergeMode === 'concat' ? this.directions * this.hiddenSize : this.hiddenSize;
  }

  private layerInput(k: number): number {
    return k === 0 ? this.inputSize : this.directions * this.hiddenSize;
  }

  private names(k: number, kind: string): string[] {
    return this.directions === 2 ? [`${kind}_l${k}`, `${kind}_l${k}_reverse`] : [`${kind}_l${k}`];
  }

  /** PyTorch's init: every weight and bias U(-1/√H, 1/√H). Both directions of a tensor are packed together. */
  paramSpecs(rng: Rng): ParamSpec[] {
    const H = this.hiddenSize;
    const bound = 1 / Math.sqrt(H);
    const specs: ParamSpec[] = [];
    for (let k = 0; k < this.numLayers; k++) {
      const kinds: Array<[string, number[]]> = [
        ['weight_ih', [H, this.layerInput(k)]],
        ['weight_hh', [H, H]],
      ];
      if (this.bias) kinds.push(['bias_ih', [H]], ['bias_hh', [H]]);
      for (const [kind, shape] of kinds) {
        this.names(k, kind).forEach((name, d) => {
          const n = shape.reduce((a, b) => a * b, 1);
          specs.push({ name, shape, init: rng.uniformArray(n, -bound, bound), packed: d > 0 });
        });
      }
    }
    return specs;
  }

  bind(ctx: Backend, params: ParamSet, prefix: string): void {
    this.ctx = ctx;
    const DH = this.directions * this.hiddenSize;
    const span = (k: number, kind: string, shape: number[]) => params.span(this.names(k, kind).map((n) => prefix + n), shape);
    this.weights = [];
    for (let k = 0; k < this.numLayers; k++) {
      const wih = span(k, 'weight_ih', [DH, this.layerInput(k)]);
      const whh = span(k, 'weight_hh', [DH, this.hiddenSize]);
      const bih = this.bias ? span(k, 'bias_ih', [DH]) : undefined;
      const bhh = this.bias ? span(k, 'bias_hh', [DH]) : undefined;
      this.weights.push({
        w: { wih: wih.value, whh: whh.value, bih: bih?.value, bhh: bhh?.value },
        g: { wih: wih.grad, whh: whh.grad, bih: bih?.grad, bhh: bhh?.grad },
      });
    }
  }

  /**
   * x [T, B, I] ([B, T, I] with batchFirst), h0 [L·D, B, H] or zeros → output [T, B, D·H] (or merged
   * [T, B, H]) and hN [L·D, B, H]. Both stay valid until the next forward.
   */
  run(x: Tensor, h0?: Tensor): { output: Tensor; hN: Tensor } {
    expectRank('x', x.shape, 3);
    if (x.shape[2] !== this.inputSize) throw new ShapeError('x', `[${this.batchFirst ? 'B, T' : 'T, B'}, ${this.inputSize}]`, describeShape(x.shape));
    this.releaseForward();
    const [T, B] = this.batchFirst ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
    const { D, L, H } = { D: this.directions, L: this.numLayers, H: this.hiddenSize };
    if (h0) expectShape('h0', h0.shape, [L * D, B, H]);
    this.batch = B;
    this.steps = T;
    let input = x;
    if (this.batchFirst) this.forwardOwned.push((input = this.ctx.transpose01(x)));
    const hN = this.ctx.empty([L * D, B, H]);
    this.forwardOwned.push(hN);
    const config: RnnLayerConfig = { D, H, activation: this.activation, path: this.path };
    for (let k = 0; k < L; k++) {
      const off = k * D * B * H;
      const cache = this.ctx.rnnLayerForward(input, this.weights[k].w, config, h0 ? { tensor: h0, offset: off } : null, { tensor: hN, offset: off });
      this.caches.push(cache);
      input = cache.output;
    }
    let output = input;
    if (this.mergeMode !== 'concat') this.forwardOwned.push((output = this.ctx.bidirMerge(output, this.mergeMode)));
    if (this.batchFirst) this.forwardOwned.push((output = this.ctx.transpose01(output)));
    this.outputShape = [...output.shape];
    return { output, hN };
  }

  forward(x: Tensor): Tensor {
    return this.run(x).output;
  }

  /**
   * Explicit BPTT. dOutput has the output's shape; dHN [L·D, B, H] optional. Parameter gradients
   * accumulate; returns dInput (null unless inputGrad) and dH0 [L·D, B, H], valid until the next call.
   */
  backwardFull(dOutput: Tensor, options: { dHN?: Tensor; inputGrad?: boolean } = {}): { dInput: Tensor | null; dH0: Tensor } {
    if (this.caches.length === 0) throw new ValueError('backward', 'a forward() first', 'no saved forward');
    expectShape('dOutput', dOutput.shape, this.outputShape);
    const { D, L, H } = { D: this.directions, L: this.numLayers, H: this.hiddenSize };
    const B = this.batch;
    if (options.dHN) expectShape('dHN', options.dHN.shape, [L * D, B, H]);
    this.releaseBackward();
    const own = (t: Tensor) => (this.backwardOwned.push(t), t);
    let g = dOutput;
    if (this.batchFirst) g = own(this.ctx.transpose01(g));
    if (this.mergeMode !== 'concat') g = own(this.ctx.bidirMergeBackward(this.caches[L - 1].output, g, this.mergeMode));
    const dH0 = own(this.ctx.empty([L * D, B, H]));
    for (let k = L - 1; k >= 0; k--) {
      const off = k * D * B * H;
      const dx = this.ctx.rnnLayerBackward(
        this.caches[k],
        g,
        options.dHN ? { tensor: options.dHN, offset: off } : null,
        this.weights[k].g,
        { tensor: dH0, offset: off },
        k > 0 || (options.inputGrad ?? false),
      );
      if (dx) g = own(dx);
    }
    let dInput: Tensor | null = null;
    if (options.inputGrad) dInput = this.batchFirst ? own(this.ctx.transpose01(g)) : g;
    return { dInput, dH0 };
  }

  backward(dy: Tensor, inputGrad: boolean): Tensor | null {
    return this.backwardFull(dy, { inputGrad }).dInput;
  }

  /** Steps and batch of the last forward. */
  get lastShape(): { T: number; B: number } {
    return { T: this.steps, B: this.batch };
  }

  private releaseForward(): void {
    for (const c of this.caches) c.release();
    for (const t of this.forwardOwned) t.release();
    this.caches = [];
    this.forwardOwned = [];
  }

  private releaseBackward(): void {
    for (const t of this.backwardOwned) t.release();
    this.backwardOwned = [];
  }

  release(): void {
    this.releaseForward();
    this.releaseBackward();
  }
}
