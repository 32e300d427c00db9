// Training: one step = zeroGrad, forward, loss, backward, optimizer update, all recorded into ONE
// command encoder and sent with ONE submit; the loss comes back in ONE readback at the end (or none).
import type { Backend, Reduction } from './backend.js';
import { checkClassTargets } from './checks.js';
import { ShapeError, ValueError, describeShape } from './errors.js';
import { Lifetime } from './lifetime.js';
import type { Sequential } from './nn/sequential.js';
import type { Optimizer } from './optim.js';
import { Rng } from './rng.js';
import { expectPositiveInt, sameShape } from './shapes.js';
import type { Tensor } from './tensor.js';

export type LossName = 'mse' | 'crossEntropy';

export interface TrainerOptions {
  loss: LossName;
  /** 'mean' (default, as PyTorch) or 'sum'. */
  reduction?: Reduction;
  /** Global gradient-norm clipping (clip_grad_norm_ semantics), folded into the optimizer's update. */
  clip?: { maxNorm: number; normType?: 2 | 'inf' };
  /** Report every parameter's gradient norm (before clipping) with each step. */
  paramNorms?: boolean;
}

/** What one step did, from its single readback. */
export interface StepResult {
  loss: number;
  /** The global gradient norm before clipping. */
  gradNorm: number;
  /** The gradients were scaled down (norm above clip.maxNorm). */
  clipped: boolean;
  /** The explosion guard skipped the update (non-finite loss or gradient norm): weights unchanged. */
  skipped: boolean;
  /** Per recurrent layer recording it (recordGradFlow), ‖dL/dh_t‖ for t = 0 … T-1. */
  gradFlow: number[][];
  /** With the paramNorms option: each parameter's gradient norm before clipping, by name. */
  paramNorms?: Record<string, number>;
}

export interface StepEvent extends StepResult {
  epoch: number;
  step: number;
  ms: number;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  shuffle?: boolean;
  seed?: number;
  onStep?: (e: StepEvent) => void;
  onEpoch?: (e: { epoch: number; meanLoss: number; ms: number }) => void;
  /** Refuse NaN or infinite inputs and targets before training (default true). */
  checkFinite?: boolean;
}

export class Trainer {
  readonly ctx: Backend;
  readonly loss: LossName;
  readonly reduction: Reduction;
  readonly clip?: { maxNorm: number; normType: 2 | 'inf' };
  readonly paramNorms: boolean;
  /** Steps whose update the explosion guard skipped. */
  skippedSteps = 0;
  private lossTensor?: Tensor;
  private lossGrad?: Tensor;
  private gscale?: Tensor;
  private norms?: Tensor;
  private readonly lifetime = new Lifetime('Trainer');

  constructor(
    readonly model: Sequential,
    readonly optimizer: Optimizer,
    options: TrainerOptions,
  ) {
    if (options?.loss !== 'mse' && options?.loss !== 'crossEntropy') throw new ValueError('loss', "'mse' or 'crossEntropy'", JSON.stringify(options?.loss));
    if (optimizer.params !== model.params) throw new ValueError('optimizer', "an optimizer over this model's params", 'another ParamSet');
    this.ctx = model.ctx;
    this.loss = options.loss;
    this.reduction = options.reduction ?? 'mean';
    this.paramNorms = options.paramNorms ?? false;
    if (options.clip) {
      if (!(options.clip.maxNorm > 0)) throw new ValueError('clip.maxNorm', 'a positive number', String(options.clip.maxNorm));
      this.clip = { maxNorm: options.clip.maxNorm, normType: options.clip.normType ?? 2 };
    }
  }

  /**
   * One training step on a batch already on the device: x [B, in], target [B, out] (mse) or class
   * indices [B] (crossEntropy); sequences [T, B, ·]. Every step measures the global gradient norm
   * (clipping with the clip option) and skips the update when the loss or the norm is not finite
   * (explosion guard). Resolves to what happened (one readback), or undefined with { read: false }.
   */
  step(x: Tensor, target: Tensor, options?: { read?: true }): Promise<StepResult>;
  /** The same step recorded and submitted without a readback (nothing to wait for): resolves to undefined. */
  step(x: Tensor, target: Tensor, options: { read: false }): Promise<undefined>;
  step(x: Tensor, target: Tensor, options?: { read?: boolean }): Promise<StepResult | undefined>;
  async step(x: Tensor, target: Tensor, options: { read?: boolean } = {}): Promise<StepResult | undefined> {
    this.lifetime.check();
    this.checkBatch(x, target); // before any GPU work: a refused step changes nothing
    this.model.zeroGrad();
    const y = this.model.forward(x);
    this.lossTensor?.release();
    this.lossGrad?.release();
    // Cross-entropy over sequences: logits [T, B, C] and targets [T, B] are T·B rows.
    const logits = this.loss === 'crossEntropy' && y.shape.length > 2 ? y.view([y.size / y.shape.at(-1)!, y.shape.at(-1)!]) : y;
    const classes = logits !== y ? target.view([target.size]) : target;
    const { loss, grad: g } = this.loss === 'mse' ? this.ctx.mse(y, target, this.reduction) : this.ctx.crossEntropy(logits, classes, this.reduction);
    const grad = g.shape.length === y.shape.length ? g : g.view(y.shape);
    this.lossTensor = loss;
    this.lossGrad = g;
    this.model.backward(grad);
    this.gscale?.release();
    this.gscale = this.ctx.gradNorm(this.model.params.grads, this.clip?.maxNorm ?? Infinity, this.clip?.normType ?? 2, loss);
    this.norms?.release();
    this.norms = this.paramNorms ? this.model.params.gradNorms() : undefined;
    this.optimizer.step(this.gscale);
    if (options.read === false) {
      this.ctx.flush();
      return undefined;
    }
    const flows = this.model.layers.flatMap((l) => l.diagnostics?.() ?? []);
    const [gscale, ...rest] = await this.ctx.readMany([this.gscale, ...(this.norms ? [this.norms] : []), ...flows]);
    const normValues = this.norms ? rest.shift()! : null;
    const flowValues = rest;
    const [gradNorm, coef, skip, lossValue] = gscale;
    if (skip !== 0) this.skippedSteps++;
    const gradFlow = flowValues.map((f) => Array.from(f, Math.sqrt));
    const paramNorms = normValues ? Object.fromEntries(this.model.params.names().map((n, i) => [n, normValues[i]])) : undefined;
    return { loss: lossValue, gradNorm, clipped: skip === 0 && coef < 1, skipped: skip !== 0, gradFlow, paramNorms };
  }

  /** Shapes of a batch against the model: the target must be the output's shape (mse) or its rows (crossEntropy). */
  private checkBatch(x: Tensor, target: Tensor): void {
    const out = this.model.outputShape(x.shape);
    const expected = this.loss === 'mse' ? out : out.slice(0, -1);
    if (!sameShape(target.shape, expected)) {
      throw new ShapeError('target', `${describeShape(expected)} for x ${describeShape(x.shape)}${this.loss === 'crossEntropy' ? ' (class indices)' : ''}`, describeShape(target.shape));
    }
  }

  /**
   * Mini-batch training on host data: x [N, inFeatures] row-major; targets [N, outFeatures] (mse) or
   * class indices [N] (crossEntropy). Every target is checked before anything is uploaded.
   */
  async fit(x: ArrayLike<number>, targets: ArrayLike<number>, options: FitOptions): Promise<{ epochLosses: number[] }> {
    this.lifetime.check();
    expectPositiveInt('epochs', options?.epochs);
    expectPositiveInt('batchSize', options.batchSize);
    const inF = this.model.inputSize();
    const outF = this.model.outputSize();
    if (x.length % inF !== 0 || x.length === 0) throw new ShapeError('x', `[N, ${inF}] (a multiple of ${inF} values)`, `${x.length} values`);
    const N = x.length / inF;
    const tPer = this.loss === 'mse' ? outF : 1;
    if (targets.length !== N * tPer) throw new ShapeError('targets', this.loss === 'mse' ? `[${N}, ${outF}]` : `[${N}] class indices`, `${targets.length} values`);
    if (this.loss === 'crossEntropy') checkClassTargets('targets', targets, outF);
    if (options.checkFinite ?? true) {
      for (const [name, data] of [['x', x], ['targets', targets]] as const) {
        for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new ValueError(`${name}[${i}]`, 'a finite number', String(data[i]));
      }
    }

    const rng = new Rng(options.seed ?? 0);
    const order = Array.from({ length: N }, (_, i) => i);
    const batches = new Map<number, { x: Tensor; t: Tensor; hx: Float32Array; ht: Float32Array }>();
    const epochLosses: number[] = [];
    let step = 0;
    try {
      for (let epoch = 0; epoch < options.epochs; epoch++) {
        const t0 = now();
        if (options.shuffle ?? true) shuffle(order, rng);
        let sum = 0;
        let count = 0;
        for (let start = 0; start < N; start += options.batchSize) {
          const B = Math.min(options.batchSize, N - start);
          let batch = batches.get(B);
          if (!batch) {
            const tShape = this.loss === 'mse' ? [B, outF] : [B];
            batch = { x: this.ctx.zeros([B, inF]), t: this.ctx.zeros(tShape), hx: new Float32Array(B * inF), ht: new Float32Array(B * tPer) };
            batches.set(B, batch);
          }
          for (let r = 0; r < B; r++) {
            const i = order[start + r];
            for (let c = 0; c < inF; c++) batch.hx[r * inF + c] = x[i * inF + c];
            for (let c = 0; c < tPer; c++) batch.ht[r * tPer + c] = targets[i * tPer + c];
          }
          this.ctx.write(batch.x, batch.hx);
          this.ctx.write(batch.t, batch.ht);
          const s0 = now();
          const result = await this.step(batch.x, batch.t);
          sum += result.loss * B;
          count += B;
          options.onStep?.({ ...result, epoch, step: step++, ms: now() - s0 });
        }
        epochLosses.push(sum / count);
        options.onEpoch?.({ epoch, meanLoss: sum / count, ms: now() - t0 });
      }
    } finally {
      for (const b of batches.values()) {
        b.x.release();
        b.t.release();
      }
    }
    return { epochLosses };
  }

  /** Model outputs for host inputs x [N, inFeatures], read back to the host. */
  async predict(x: ArrayLike<number>, n: number): Promise<Float64Array> {
    this.lifetime.check();
    const inF = this.model.inputSize();
    if (x.length !== n * inF) throw new ShapeError('x', `[${n}, ${inF}]`, `${x.length} values`);
    const xt = this.ctx.tensor(x, [n, inF]);
    try {
      return await this.ctx.read(this.model.forward(xt));
    } finally {
      xt.release();
    }
  }

  /** Frees the trainer's own tensors (not the model's or the optimizer's); using it afterwards throws ReleasedError. */
  release(): void {
    if (!this.lifetime.end()) return;
    this.lossTensor?.release();
    this.lossGrad?.release();
    this.gscale?.release();
    this.norms?.release();
    this.lossTensor = this.lossGrad = this.gscale = this.norms = undefined;
  }
}

function shuffle(a: number[], rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
}

function now(): number {
  return performance.now();
}

