// Optimizers over a model's flat ParamSet: ONE update dispatch for all parameters per step, plus one
// tiny dispatch advancing the GPU-side step counter. Hyper-parameters are named as in torch.optim.
// The learning rate lives in a one-element tensor the update kernel reads: setting it (by hand or
// from a schedule) rewrites that tensor in place, with no new uniforms, bind groups or pipelines.
import type { Backend } from '../ops/index.js';
import type { SgdHyper } from '../ops/sgd/spec.js';
import type { AdamHyper } from '../ops/adam/spec.js';
import type { RmspropHyper } from '../ops/rmsprop/spec.js';
import { checkOptions, expectBoolean, optionNames } from '../core/checks.js';
import { ValueError, describeValue } from '../core/errors.js';
import { Lifetime } from '../core/lifetime.js';
import { expectParamSet, type ParamSet } from '../nn/params.js';
import { numel } from '../core/shapes.js';
import {
  entryArgument,
  prepareEntries,
  type LoadResult,
  type PreparedLoad,
  type ReadStateDict,
  type StateDict,
  type StateEntry,
} from '../core/state.js';
import type { Tensor } from '../core/tensor.js';

export interface Optimizer {
  readonly params: ParamSet;
  /** The learning rate of the next step; setting it costs one small upload (no allocation, no new pipeline). */
  lr: number;
  /**
   * Updates every parameter from its gradient. `gscale` [4] from ctx.gradNorm (norm, clip
   * coefficient, skip flag, loss) scales the gradients inside the update and skips it entirely when
   * the step was not finite; omitted, gradients are used as they are.
   */
  step(gscale?: Tensor): void;
  /**
   * The state to resume training exactly, read back in one transfer, as flat named tensors that
   * saveSafetensors (dtype 'F64' to keep every bit) and stateDictToJson write: per parameter
   * `state.<param>.step` and the buffers in torch.optim's names (`momentum_buffer`, `exp_avg`,
   * `exp_avg_sq`, `square_avg`, `grad_avg`; only those the options use), and `param_groups.<name>` for
   * the learning rate and the hyper-parameters (`betas` [2], booleans as 0 / 1).
   */
  stateDict(): Promise<ReadStateDict>;
  /**
   * Loads what stateDict() gave (step counter, buffers, learning rate). Every entry is checked before
   * anything is written: names (strict by default), shapes, finite values, one step count for all
   * parameters, and hyper-parameters equal to this optimizer's (they are fixed at construction, so
   * build it with the saved options; compared at f32 precision, so F32 files load too).
   */
  loadStateDict(dict: StateDict, options?: { strict?: boolean }): LoadResult;
  /** @internal Throws when `dict` (keys without `prefix`) is another optimizer kind's state, naming both kinds. */
  refuseOtherKinds(dict: StateDict, prefix: string): void;
  /** @internal loadStateDict's checks, errors naming keys under `prefix`; apply() writes. */
  prepareLoad(dict: StateDict, options: { strict?: boolean } | undefined, prefix: string): PreparedLoad;
  /** Frees the optimizer state; step() afterwards throws ReleasedError. */
  release(): void;
}

function check(argument: string, value: number, ok: boolean, expected: string): void {
  if (!Number.isFinite(value) || !ok) throw new ValueError(argument, expected, describeValue(value));
}

/** The learning rate check shared by the constructors and the lr setter: ≥ 0, as torch.optim (0 freezes the weights). */
function checkLr(lr: number): void {
  check('lr', lr, lr >= 0, 'a learning rate ≥ 0');
}

/** The first checks of an optimizer's constructor: a model's ParamSet and known option names. */
function checkOptimizerArgs(name: string, params: unknown, options: unknown, names: readonly string[]): void {
  expectParamSet('params', params);
  checkOptions(`${name} options`, options, names);
}

/** Throws a ValueError unless `value` looks like an optimizer (SGD, Adam, AdamW or one of the same shape). */
export function expectOptimizer(argument: string, value: unknown): asserts value is Optimizer {
  const o = value as Partial<Optimizer> | null;
  if (typeof o?.step !== 'function' || !o.params || typeof o.lr !== 'number')
    throw new ValueError(argument, 'an optimizer (SGD, Adam, AdamW, RMSprop) over model.params', describeValue(value));
}

const SGD_OPTIONS = optionNames<SgdOptions>({
  lr: true,
  momentum: true,
  dampening: true,
  weightDecay: true,
  nesterov: true,
});
const ADAM_OPTIONS = optionNames<AdamOptions>({ lr: true, betas: true, eps: true, weightDecay: true });
const RMSPROP_OPTIONS = optionNames<RmspropOptions>({
  lr: true,
  alpha: true,
  eps: true,
  weightDecay: true,
  momentum: true,
  centered: true,
});

function nonNegativeValues(argument: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++)
    check(`${argument}[${i}]`, data[i], data[i] >= 0, 'a number ≥ 0 (a running average of squares)');
}

// Per-parameter buffers (torch.optim's names) and the optimizer a set of them comes from.
const BUFFERS = ['momentum_buffer', 'exp_avg', 'exp_avg_sq', 'square_avg', 'grad_avg'];
function kindOf(buffers: ReadonlySet<string>): string | undefined {
  const has = (...names: string[]) => names.length === buffers.size && names.every((n) => buffers.has(n));
  if (has()) return 'SGD without momentum';
  if (has('momentum_buffer')) return 'SGD with momentum';
  if (has('exp_avg', 'exp_avg_sq')) return 'Adam or AdamW';
  const extras = [...buffers].filter((n) => n !== 'square_avg');
  if (buffers.has('square_avg') && extras.every((n) => n === 'grad_avg' || n === 'momentum_buffer')) {
    return `${buffers.has('grad_avg') ? 'centered ' : ''}RMSprop${buffers.has('momentum_buffer') ? ' with momentum' : ''}`;
  }
  return undefined;
}

abstract class FlatOptimizer implements Optimizer {
  protected readonly ctx: Backend;
  protected readonly stepCount: Tensor; // [1] updates done, kept on the GPU
  protected readonly unitScale: Tensor; // [4] = (0, 1, 0, 0): no clipping, no skip
  protected readonly lrTensor: Tensor; // [1] the learning rate the update kernel reads
  private lrValue: number;
  private readonly lifetime: Lifetime;

  constructor(
    readonly params: ParamSet,
    lr: number,
  ) {
    this.lifetime = new Lifetime(`${new.target.name} optimizer`);
    this.ctx = params.ctx;
    this.stepCount = this.ctx.zeros([1]);
    this.unitScale = this.ctx.tensor([0, 1, 0, 0], [4]);
    this.lrTensor = this.ctx.tensor([lr], [1]);
    this.lrValue = lr;
  }

  get lr(): number {
    return this.lrValue;
  }

  /** Takes effect from the next step; work already recorded keeps the old rate. 0 is allowed (a schedule may anneal to it). */
  set lr(value: number) {
    this.lifetime.check();
    checkLr(value);
    this.ctx.write(this.lrTensor, [value]);
    this.lrValue = value;
  }

  step(gscale?: Tensor): void {
    this.lifetime.check();
    const s = gscale ?? this.unitScale;
    this.update(s);
    this.ctx.advanceStep(this.stepCount, s);
  }

  /** The update kernel, with gscale (clip coefficient, skip flag) folded in. */
  protected abstract update(gscale: Tensor): void;

  /** The per-parameter buffers the options use, by torch.optim name, each flat in the params' layout. */
  protected abstract stateTensors(): Array<{ key: string; flat: Tensor; nonNegative?: boolean }>;

  /** The hyper-parameters besides lr by torch.optim name (its param_groups[0]), booleans as 0 / 1. */
  protected abstract groupValues(): Array<[string, number[]]>;

  async stateDict(): Promise<ReadStateDict> {
    this.lifetime.check();
    const named = this.stateTensors();
    const [step, ...flats] = await this.ctx.readMany([this.stepCount, ...named.map((n) => n.flat)]);
    const out: ReadStateDict = Object.create(null);
    for (const { name, offset, shape } of this.params.layout()) {
      out[`state.${name}.step`] = { shape: [], data: Float64Array.of(step[0]) };
      named.forEach(
        ({ key }, i) =>
          (out[`state.${name}.${key}`] = { shape: [...shape], data: flats[i].slice(offset, offset + numel(shape)) }),
      );
    }
    out['param_groups.lr'] = { shape: [], data: Float64Array.of(this.lrValue) };
    for (const [key, v] of this.groupValues())
      out[`param_groups.${key}`] = { shape: v.length === 1 ? [] : [v.length], data: Float64Array.from(v) };
    return out;
  }

  loadStateDict(dict: StateDict, options: { strict?: boolean } = {}): LoadResult {
    const load = this.prepareLoad(dict, options, '');
    load.apply();
    return load.result;
  }

  /** @internal Another optimizer's state gets a message naming both kinds, not a list of every key. */
  refuseOtherKinds(dict: StateDict, prefix: string): void {
    const mine = this.stateTensors().map((t) => t.key);
    const keys = typeof dict === 'object' && dict !== null ? Object.keys(dict) : [];
    const theirs = new Set(
      keys
        .filter((k) => k.startsWith('state.'))
        .map((k) => k.slice(k.lastIndexOf('.') + 1))
        .filter((k) => BUFFERS.includes(k)),
    );
    // Another kind: its buffers are a known optimizer's other than this one's, or include one this one does not
    // keep, or none of this one's; a dict merely missing some keys gets the key lists.
    const kind = kindOf(theirs);
    const same = theirs.size === mine.length && mine.every((k) => theirs.has(k));
    const foreign = [...theirs].some((k) => !mine.includes(k)) || (mine.length > 0 && !mine.some((k) => theirs.has(k)));
    if (!keys.some((k) => k.startsWith('state.')) || same || !(kind || foreign)) return;
    const list = (buffers: Iterable<string>) => ['step', ...buffers].join(', ');
    const got = kind
      ? `the state of ${kind} (${list(theirs)}): build the optimizer the dict was saved from`
      : `per-parameter buffers no optimizer here keeps together (${list(theirs)})`;
    throw new ValueError(
      prefix ? `stateDict's ${prefix.slice(0, -1)} part` : 'stateDict',
      `the state of this ${this.constructor.name} (per parameter: ${list(mine)})`,
      got,
    );
  }

  /** @internal */
  prepareLoad(dict: StateDict, options: { strict?: boolean } | undefined, prefix: string): PreparedLoad {
    this.lifetime.check();
    if (options?.strict !== false) this.refuseOtherKinds(dict, prefix);
    const entries = new Map<string, StateEntry>();
    const stepKeys: string[] = [];
    let step: number | undefined;
    for (const { name, offset, shape } of this.params.layout()) {
      const stepKey = `state.${name}.step`;
      stepKeys.push(stepKey);
      entries.set(stepKey, {
        shape: [],
        // The GPU counter is an f32: whole numbers are exact up to 2^24.
        check: (d, argument) =>
          check(
            `${argument}[0]`,
            d[0],
            Number.isInteger(d[0]) && d[0] >= 0 && d[0] <= 2 ** 24,
            'a whole number of steps in [0, 2^24]',
          ),
        apply: (d) => (step = d[0]),
      });
      for (const { key, flat, nonNegative } of this.stateTensors()) {
        entries.set(`state.${name}.${key}`, {
          shape,
          check: nonNegative ? (d, argument) => nonNegativeValues(argument, d) : undefined,
          apply: (d) => this.ctx.write(this.ctx.viewAt(flat, offset, shape), d),
        });
      }
    }
    entries.set('param_groups.lr', {
      shape: [],
      check: (d, argument) => check(`${argument}[0]`, d[0], d[0] >= 0, 'a learning rate ≥ 0'),
      apply: (d) => (this.lr = d[0]),
    });
    for (const [key, mine] of this.groupValues()) {
      entries.set(`param_groups.${key}`, {
        shape: mine.length === 1 ? [] : [mine.length],
        check: (d, argument) => {
          const given = Array.from(d);
          if (given.some((v, i) => Math.fround(v) !== Math.fround(mine[i]))) {
            throw new ValueError(
              argument,
              `${mine.length === 1 ? mine[0] : `[${mine.join(', ')}]`} as this optimizer's ${key} (fixed at construction: build it with the saved options)`,
              given.length === 1 ? String(given[0]) : `[${given.join(', ')}]`,
            );
          }
        },
        apply: () => {},
      });
    }
    const load = prepareEntries(entries, dict, options, prefix, (d, loaded) => {
      const steps = loaded.filter((k) => stepKeys.includes(k));
      for (const k of steps) {
        if (d[k].data[0] !== d[steps[0]].data[0])
          throw new ValueError(
            entryArgument(prefix, k),
            `the step of ${entryArgument(prefix, steps[0])} (${d[steps[0]].data[0]}): one counter for all parameters`,
            String(d[k].data[0]),
          );
      }
    });
    return {
      result: load.result,
      apply: () => {
        load.apply();
        if (step !== undefined) this.ctx.write(this.stepCount, [step]);
      },
    };
  }

  release(): void {
    if (!this.lifetime.end()) return;
    this.stepCount.release();
    this.unitScale.release();
    this.lrTensor.release();
    this.releaseState();
  }

  protected abstract releaseState(): void;
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends FlatOptimizer {
  readonly hyper: SgdHyper;
  private readonly momentumBuf: Tensor;

  constructor(params: ParamSet, options: SgdOptions) {
    checkOptimizerArgs('SGD', params, options, SGD_OPTIONS);
    const lr = options?.lr;
    const h = {
      momentum: options?.momentum ?? 0,
      dampening: options?.dampening ?? 0,
      weightDecay: options?.weightDecay ?? 0,
      nesterov: options?.nesterov ?? false,
    };
    checkLr(lr);
    expectBoolean('nesterov', options.nesterov);
    check('momentum', h.momentum, h.momentum >= 0, 'a number ≥ 0');
    check('dampening', h.dampening, h.dampening >= 0 && h.dampening <= 1, 'a number in [0, 1]');
    check('weightDecay', h.weightDecay, h.weightDecay >= 0, 'a number ≥ 0');
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0))
      throw new ValueError(
        'nesterov',
        'momentum > 0 and dampening 0 (as torch.optim.SGD)',
        `momentum ${h.momentum}, dampening ${h.dampening}`,
      );
    super(params, lr);
    this.hyper = h;
    this.momentumBuf = this.ctx.zeros(params.values.shape);
  }

  protected update(gscale: Tensor): void {
    this.ctx.sgdStep(
      this.params.values,
      this.params.grads,
      this.momentumBuf,
      gscale,
      this.stepCount,
      this.lrTensor,
      this.hyper,
    );
  }

  protected stateTensors(): Array<{ key: string; flat: Tensor }> {
    return this.hyper.momentum > 0 ? [{ key: 'momentum_buffer', flat: this.momentumBuf }] : [];
  }

  protected groupValues(): Array<[string, number[]]> {
    const h = this.hyper;
    return [
      ['momentum', [h.momentum]],
      ['dampening', [h.dampening]],
      ['weight_decay', [h.weightDecay]],
      ['nesterov', [Number(h.nesterov)]],
    ];
  }

  protected releaseState(): void {
    this.momentumBuf.release();
  }
}

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

export class Adam extends FlatOptimizer {
  readonly hyper: AdamHyper;
  private readonly m: Tensor;
  private readonly v: Tensor;

  constructor(params: ParamSet, options: AdamOptions = {}, decoupled = false) {
    checkOptimizerArgs(decoupled ? 'AdamW' : 'Adam', params, options, ADAM_OPTIONS);
    if (!Array.isArray(options.betas ?? []))
      throw new ValueError('betas', 'a pair [beta1, beta2]', describeValue(options.betas));
    const [beta1, beta2] = options.betas ?? [0.9, 0.999];
    const lr = options.lr ?? 1e-3;
    const h = {
      beta1,
      beta2,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? (decoupled ? 1e-2 : 0),
      decoupled,
    };
    checkLr(lr);
    check('betas[0]', beta1, beta1 >= 0 && beta1 < 1, 'a number in [0, 1)');
    check('betas[1]', beta2, beta2 >= 0 && beta2 < 1, 'a number in [0, 1)');
    check('eps', h.eps, h.eps > 0, 'a positive number');
    check('weightDecay', h.weightDecay, h.weightDecay >= 0, 'a number ≥ 0');
    super(params, lr);
    this.hyper = h;
    this.m = this.ctx.zeros(params.values.shape);
    this.v = this.ctx.zeros(params.values.shape);
  }

  protected update(gscale: Tensor): void {
    this.ctx.adamStep(
      this.params.values,
      this.params.grads,
      this.m,
      this.v,
      gscale,
      this.stepCount,
      this.lrTensor,
      this.hyper,
    );
  }

  protected stateTensors(): Array<{ key: string; flat: Tensor; nonNegative?: boolean }> {
    return [
      { key: 'exp_avg', flat: this.m },
      { key: 'exp_avg_sq', flat: this.v, nonNegative: true },
    ];
  }

  protected groupValues(): Array<[string, number[]]> {
    const h = this.hyper;
    return [
      ['betas', [h.beta1, h.beta2]],
      ['eps', [h.eps]],
      ['weight_decay', [h.weightDecay]],
      ['decoupled_weight_decay', [Number(h.decoupled)]],
    ];
  }

  protected releaseState(): void {
    this.m.release();
    this.v.release();
  }
}

/** Adam with decoupled weight decay (torch.optim.AdamW; weightDecay defaults to 0.01). */
export class AdamW extends Adam {
  constructor(params: ParamSet, options: AdamOptions = {}) {
    super(params, options, true);
  }
}

/** torch.optim.RMSprop's options and defaults. */
export interface RmspropOptions {
  /** Default 1e-2. */
  lr?: number;
  /** Smoothing constant of the running average of squared gradients, in [0, 1]; default 0.99. */
  alpha?: number;
  /** Added outside the square root, ≥ 0; default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient, ≥ 0; default 0. */
  weightDecay?: number;
  /** ≥ 0; default 0 (no momentum buffer). */
  momentum?: number;
  /** Normalise by the running variance (√(E[g²] − E[g]²)) instead of √E[g²]; default false. */
  centered?: boolean;
}

/** torch.optim.RMSprop: one update dispatch over all parameters, state kept only where the options use it. */
export class RMSprop extends FlatOptimizer {
  readonly hyper: RmspropHyper;
  private readonly squareAvg: Tensor;
  // [param size] when centered / with momentum, else a [1] placeholder the kernel never touches.
  private readonly gradAvg: Tensor;
  private readonly momentumBuf: Tensor;

  constructor(params: ParamSet, options: RmspropOptions = {}) {
    checkOptimizerArgs('RMSprop', params, options, RMSPROP_OPTIONS);
    const lr = options.lr ?? 1e-2;
    const h = {
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
    };
    checkLr(lr);
    expectBoolean('centered', options.centered);
    check('alpha', h.alpha, h.alpha >= 0 && h.alpha <= 1, 'a number in [0, 1]');
    check('eps', h.eps, h.eps >= 0, 'a number ≥ 0');
    check('weightDecay', h.weightDecay, h.weightDecay >= 0, 'a number ≥ 0');
    check('momentum', h.momentum, h.momentum >= 0, 'a number ≥ 0');
    super(params, lr);
    this.hyper = h;
    const shape = params.values.shape;
    this.squareAvg = this.ctx.zeros(shape);
    this.gradAvg = this.ctx.zeros(h.centered ? shape : [1]);
    this.momentumBuf = this.ctx.zeros(h.momentum > 0 ? shape : [1]);
  }

  protected update(gscale: Tensor): void {
    this.ctx.rmspropStep(
      this.params.values,
      this.params.grads,
      this.squareAvg,
      this.gradAvg,
      this.momentumBuf,
      gscale,
      this.lrTensor,
      this.hyper,
    );
  }

  protected stateTensors(): Array<{ key: string; flat: Tensor; nonNegative?: boolean }> {
    const h = this.hyper;
    return [
      { key: 'square_avg', flat: this.squareAvg, nonNegative: true },
      ...(h.momentum > 0 ? [{ key: 'momentum_buffer', flat: this.momentumBuf }] : []),
      ...(h.centered ? [{ key: 'grad_avg', flat: this.gradAvg }] : []),
    ];
  }

  protected groupValues(): Array<[string, number[]]> {
    const h = this.hyper;
    return [
      ['alpha', [h.alpha]],
      ['eps', [h.eps]],
      ['weight_decay', [h.weightDecay]],
      ['momentum', [h.momentum]],
      ['centered', [Number(h.centered)]],
    ];
  }

  protected releaseState(): void {
    this.squareAvg.release();
    this.gradAvg.release();
    this.momentumBuf.release();
  }
}
