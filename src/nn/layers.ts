// Feed-forward layers with explicit backprop. forward() keeps what backward() needs (the input of a
// Linear; the pre-activation a and the activation h of an Activation); backward(dY) returns dX and
// ACCUMULATES parameter gradients (+=) until ParamSet.zeroGrad(), as in PyTorch.
// A layer owns the tensors it returns: they stay valid until its next forward/backward or release().
import type { Backend } from '../backend.js';
import { toActivation, type Activation, type ActivationLike } from '../activation.js';
import { ShapeError, ValueError, describeShape } from '../errors.js';
import { expectPositiveInt, sameShape } from '../shapes.js';
import type { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';
import { checkInit, initBias, initWeight, type InitName } from './init.js';
import type { ParamSet, ParamSpec } from './params.js';

export interface Layer {
  /** Features per row (or per step) in and out, where the layer fixes them. */
  readonly inFeatures?: number;
  readonly outFeatures?: number;
  /** The output shape for an input shape, or a ShapeError naming what is wrong (checked before any GPU work). */
  outputShape(input: readonly number[]): number[];
  /** Parameters this layer needs, with names relative to the layer (e.g. 'weight'). */
  paramSpecs(rng: Rng): ParamSpec[];
  /** Attaches the layer to its parameters in the model's set, under `prefix` (e.g. '0.'). */
  bind(ctx: Backend, params: ParamSet, prefix: string): void;
  forward(x: Tensor): Tensor;
  /** dL/dY → dL/dX (null when `inputGrad` is false); adds this layer's parameter gradients. */
  backward(dy: Tensor, inputGrad: boolean): Tensor | null;
  /** Frees the tensors kept for backward and the outputs this layer returned. */
  release(): void;
  /** Diagnostic tensors of the last backward (e.g. per-step squared gradient norms), read with a training step. */
  diagnostics?(): Tensor[];
}

export interface LinearOptions {
  bias?: boolean;
  init?: InitName;
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

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    expectPositiveInt('inFeatures', inFeatures);
    expectPositiveInt('outFeatures', outFeatures);
    this.bias = options.bias ?? true;
    this.init = options.init ?? 'default';
    checkInit('init', this.init);
  }

  paramSpecs(rng: Rng): ParamSpec[] {
    const specs: ParamSpec[] = [{ name: 'weight', shape: [this.outFeatures, this.inFeatures], init: initWeight(rng, this.init, this.outFeatures, this.inFeatures) }];
    if (this.bias) specs.push({ name: 'bias', shape: [this.outFeatures], init: initBias(rng, this.inFeatures, this.outFeatures) });
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
    if (input.length < 2 || input.at(-1) !== this.inFeatures) throw new ShapeError('x', `[..., ${this.inFeatures}] (rank ≥ 2)`, describeShape(input));
    return [...input.slice(0, -1), this.outFeatures];
  }

  forward(x: Tensor): Tensor {
    this.outputShape(x.shape);
    this.outputBase?.release();
    this.input = x.view([x.size / this.inFeatures, this.inFeatures]);
    const y = this.ctx.matmul(this.input, this.weight, { transB: true, bias: this.biasValue });
    this.output = y.view([...x.shape.slice(0, -1), this.outFeatures]);
    this.outputBase = y;
    return this.output;
  }

  backward(dy: Tensor, inputGrad: boolean): Tensor | null {
    const x = this.input;
    if (!x || !this.output) throw new ValueError('backward', 'a forward() first', 'no saved input');
    if (!sameShape(dy.shape, this.output.shape)) throw new ShapeError('dy', describeShape(this.output.shape), describeShape(dy.shape));
    const dy2 = dy.view([x.shape[0], this.outFeatures]);
    // dW += dYᵀ X; db += Σ_rows dY; dX = dY W.
    this.ctx.matmul(dy2, x, { transA: true, out: this.weightGrad, beta: 1 });
    if (this.biasGrad) this.ctx.sumAxis(dy2, 0, { out: this.biasGrad, beta: 1 });
    this.inputGradBase?.release();
    this.inputGradBase = inputGrad ? this.ctx.matmul(dy2, this.weight) : undefined;
    return this.inputGradBase ? this.inputGradBase.view([...this.output.shape.slice(0, -1), this.inFeatures]) : null;
  }

  release(): void {
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
    this.h?.release();
    this.a = a;
    this.h = this.ctx.activation(a, this.activation);
    return this.h;
  }

  backward(dh: Tensor): Tensor {
    if (!this.a || !this.h) throw new ValueError('backward', 'a forward() first', 'no saved activation');
    this.da?.release();
    this.da = this.ctx.activationBackward(this.a, this.h, dh, this.activation);
    return this.da;
  }

  release(): void {
    this.h?.release();
    this.da?.release();
    this.a = this.h = this.da = undefined;
  }
}

/**
 * Many-to-one: keeps the last time step of a sequence, x [T, B, F] → [B, F] (for a bidirectional
 * layer, the forward direction's last step and the backward direction's first). Copies only, no dispatch.
 */
export class LastStep implements Layer {
  private ctx!: Backend;
  private shape?: readonly number[];
  private output?: Tensor;
  private inputGrad?: Tensor;

  paramSpecs(): ParamSpec[] {
    return [];
  }

  bind(ctx: Backend): void {
    this.ctx = ctx;
  }

  outputShape(input: readonly number[]): number[] {
    if (input.length !== 3) throw new ShapeError('x', '[T, B, F]', describeShape(input));
    return [input[1], input[2]];
  }

  forward(x: Tensor): Tensor {
    this.outputShape(x.shape);
    const [T, B, F] = x.shape;
    this.output?.release();
    this.shape = x.shape;
    this.output = this.ctx.empty([B, F]);
    this.ctx.copy(this.ctx.viewAt(x, (T - 1) * B * F, [B, F]), this.output, 0);
    return this.output;
  }

  backward(dy: Tensor, inputGrad: boolean): Tensor | null {
    if (!this.shape) throw new ValueError('backward', 'a forward() first', 'no saved input');
    const [T, B, F] = this.shape;
    if (!sameShape(dy.shape, [B, F])) throw new ShapeError('dy', describeShape([B, F]), describeShape(dy.shape));
    this.inputGrad?.release();
    this.inputGrad = undefined;
    if (!inputGrad) return null;
    this.inputGrad = this.ctx.zeros(this.shape);
    this.ctx.copy(dy, this.inputGrad, (T - 1) * B * F);
    return this.inputGrad;
  }

  release(): void {
    this.output?.release();
    this.inputGrad?.release();
    this.output = this.inputGrad = this.shape = undefined;
  }
}
