// Learning-rate schedules with torch.optim.lr_scheduler semantics, step for step: constructing one
// applies the rate of epoch 0, each step() moves one epoch (or one batch — the caller decides how
// often to step), and the rates are computed by PyTorch's own recursions (some multiply the current
// rate), so the same calls give the same rates to the last bits. Setting the optimizer's rate is one
// small upload: no new uniforms, bind groups or pipelines.
import { ValueError, describeValue } from '../core/errors.js';
import { checkOptions, optionNames } from '../core/checks.js';
import { expectOptimizer, type Optimizer } from './optim.js';
import {
  loadEntries,
  prepareEntries,
  scalarEntries,
  scalarStateDict,
  type PreparedLoad,
  type ScalarField,
  type LoadResult,
  type ReadStateDict,
  type StateDict,
} from '../core/state.js';

/** Something fit() can step once per epoch or batch. */
export interface LrScheduler {
  readonly optimizer: Optimizer;
  /** Advances one epoch (or batch). ReduceLROnPlateau needs the monitored metric; the others ignore it. */
  step(metric?: number): void;
}

// The optimizer's rate when the first schedule over it was built (PyTorch's group['initial_lr'], set once).
const initialLrs = new WeakMap<Optimizer, number>();

function initialLr(optimizer: Optimizer): number {
  if (!initialLrs.has(optimizer)) initialLrs.set(optimizer, optimizer.lr);
  return initialLrs.get(optimizer)!;
}

function expectNumber(argument: string, value: unknown, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value))
    throw new ValueError(argument, expected, describeValue(value));
  return value;
}

const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
const countFrom = (min: number) => (v: number) => Number.isInteger(v) && v >= min;

/**
 * A schedule's counters as named scalars (PyTorch's names), for saving beside the optimizer's state.
 * Its options come from its constructor; the current rate lives in the optimizer's state dict.
 */
export abstract class ResumableSchedule {
  /** @internal The counters by name; SequentialLR nests its parts' under `_schedulers.<i>.`. */
  abstract stateFields(): Map<string, ScalarField>;

  /** The counters, in PyTorch's names (last_epoch, base_lrs, best, num_bad_epochs, cooldown_counter). */
  stateDict(): ReadStateDict {
    return scalarStateDict(this.stateFields());
  }

  /**
   * Restores what stateDict() gave, every entry checked before any is set (strict by default). Load the
   * optimizer's state dict too: it holds the current learning rate the schedule continues from.
   */
  loadStateDict(dict: StateDict, options: { strict?: boolean } = {}): LoadResult {
    return loadEntries(scalarEntries(this.stateFields()), dict, options);
  }

  /** @internal loadStateDict's checks, errors naming keys under `prefix`; apply() sets. */
  prepareLoad(dict: StateDict, options: { strict?: boolean } | undefined, prefix: string): PreparedLoad {
    return prepareEntries(scalarEntries(this.stateFields()), dict, options, prefix);
  }
}

/** Throws a ValueError unless `value` is one of this library's schedules (they save and load their counters). */
export function expectResumableSchedule(
  argument: string,
  value: unknown,
  optimizer: Optimizer,
): asserts value is ResumableSchedule {
  if (!(value instanceof ResumableSchedule))
    throw new ValueError(
      argument,
      'a schedule of this library (StepLR, CosineAnnealingLR, LinearLR, SequentialLR, ReduceLROnPlateau)',
      describeValue(value),
    );
  if ((value as unknown as LrScheduler).optimizer !== optimizer)
    throw new ValueError(argument, "a schedule over this trainer's optimizer", 'one over another optimizer');
}

/** PyTorch's _LRScheduler: an epoch counter and a rate computed from the optimizer's current rate. */
abstract class EpochScheduler extends ResumableSchedule implements LrScheduler {
  /** Steps taken since construction (PyTorch's last_epoch; 0 right after construction). */
  lastEpoch = -1;
  private base: number;

  constructor(readonly optimizer: Optimizer) {
    super();
    expectOptimizer('optimizer', optimizer);
    this.base = initialLr(optimizer);
  }

  /** The optimizer's rate when the first schedule over it was built. */
  get baseLr(): number {
    return this.base;
  }

  /** @internal */
  stateFields(): Map<string, ScalarField> {
    return new Map<string, ScalarField>([
      // -1: a SequentialLR part that has not started yet.
      [
        'last_epoch',
        {
          get: () => this.lastEpoch,
          set: (v) => (this.lastEpoch = v),
          ok: countFrom(-1),
          expected: 'a whole number ≥ -1',
        },
      ],
      [
        'base_lrs',
        {
          shape: [1],
          get: () => this.base,
          set: (v) => {
            this.base = v;
            initialLrs.set(this.optimizer, v);
          },
          ok: (v) => v >= 0,
          expected: 'a learning rate ≥ 0',
        },
      ],
    ]);
  }

  step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.nextLr();
  }

  /** Jumps to `epoch` with the closed form (what SequentialLR does at a milestone). */
  stepTo(epoch: number): void {
    this.lastEpoch = epoch;
    this.optimizer.lr = this.closedFormLr();
  }

  /** The rate at lastEpoch, from the optimizer's current rate (PyTorch's get_lr). */
  protected abstract nextLr(): number;
  /** The rate at lastEpoch from the base rate alone (PyTorch's _get_closed_form_lr). */
  protected abstract closedFormLr(): number;
}

/** torch StepLR: lr = base · gamma^⌊epoch / stepSize⌋. */
export class StepLR extends EpochScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    checkOptions('StepLR options', options, ['stepSize', 'gamma']);
    const stepSize = expectNumber('stepSize', options?.stepSize, positiveInt, 'a positive integer');
    const gamma = expectNumber('gamma', options.gamma ?? 0.1, (v) => v > 0, 'a positive number');
    super(optimizer);
    [this.stepSize, this.gamma] = [stepSize, gamma];
    this.step();
  }

  protected nextLr(): number {
    const lr = this.optimizer.lr;
    return this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0 ? lr : lr * this.gamma;
  }

  protected closedFormLr(): number {
    return this.baseLr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize);
  }
}

/** torch CosineAnnealingLR: from the base rate down to etaMin over tMax steps along half a cosine (and back up past tMax). */
export class CosineAnnealingLR extends EpochScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    checkOptions('CosineAnnealingLR options', options, ['tMax', 'etaMin']);
    const tMax = expectNumber('tMax', options?.tMax, positiveInt, 'a positive integer');
    const etaMin = expectNumber('etaMin', options.etaMin ?? 0, (v) => v >= 0, 'a number ≥ 0');
    super(optimizer);
    [this.tMax, this.etaMin] = [tMax, etaMin];
    this.step();
  }

  protected nextLr(): number {
    const [e, T, lr, min] = [this.lastEpoch, this.tMax, this.optimizer.lr, this.etaMin];
    if (e === 0) return lr;
    if ((e - 1 - T) % (2 * T) === 0) return lr + ((this.baseLr - min) * (1 - Math.cos(Math.PI / T))) / 2;
    return ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - min) + min;
  }

  protected closedFormLr(): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2;
  }
}

/** torch LinearLR (warm-up): the rate's factor goes linearly from startFactor to endFactor over totalIters steps. */
export class LinearLR extends EpochScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    checkOptions('LinearLR options', options, ['startFactor', 'endFactor', 'totalIters']);
    const startFactor = expectNumber(
      'startFactor',
      options.startFactor ?? 1 / 3,
      (v) => v > 0 && v <= 1,
      'a number in (0, 1]',
    );
    const endFactor = expectNumber('endFactor', options.endFactor ?? 1, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    const totalIters = expectNumber('totalIters', options.totalIters ?? 5, positiveInt, 'a positive integer');
    super(optimizer);
    [this.startFactor, this.endFactor, this.totalIters] = [startFactor, endFactor, totalIters];
    this.step();
  }

  protected nextLr(): number {
    const [e, lr, s, f, n] = [this.lastEpoch, this.optimizer.lr, this.startFactor, this.endFactor, this.totalIters];
    if (e === 0) return lr * s;
    if (e > n) return lr;
    return lr * (1 + (f - s) / (n * s + (e - 1) * (f - s)));
  }

  protected closedFormLr(): number {
    const [s, f, n] = [this.startFactor, this.endFactor, this.totalIters];
    return this.baseLr * (s + ((f - s) * Math.min(n, this.lastEpoch)) / n);
  }
}

/**
 * torch SequentialLR: schedulers[i] runs from milestones[i-1] on (restarted there at its epoch 0),
 * e.g. a LinearLR warm-up then CosineAnnealingLR. Build the parts over the same optimizer first.
 */
export class SequentialLR extends ResumableSchedule implements LrScheduler {
  lastEpoch = 0;

  constructor(
    readonly optimizer: Optimizer,
    readonly schedulers: readonly (StepLR | CosineAnnealingLR | LinearLR)[],
    readonly milestones: readonly number[],
  ) {
    super();
    expectOptimizer('optimizer', optimizer);
    if (!Array.isArray(schedulers) || schedulers.length === 0)
      throw new ValueError('schedulers', 'at least one scheduler', describeValue(schedulers));
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer)
        throw new ValueError(`schedulers[${i}]`, 'a scheduler over this optimizer', 'one over another optimizer');
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new ValueError(
        'milestones',
        `${schedulers.length - 1} milestone(s), one per scheduler after the first`,
        JSON.stringify(milestones),
      );
    }
    milestones.forEach((m, i) =>
      expectNumber(
        `milestones[${i}]`,
        m,
        (v) => positiveInt(v) && (i === 0 || v > milestones[i - 1]),
        'increasing positive integers',
      ),
    );
    // As PyTorch: back to the initial rate, undo the parts' construction steps, restart the first.
    optimizer.lr = initialLr(optimizer);
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0].step();
  }

  step(): void {
    this.lastEpoch++;
    const i = this.milestones.filter((m) => m <= this.lastEpoch).length;
    if (i > 0 && this.milestones[i - 1] === this.lastEpoch) this.schedulers[i].stepTo(0);
    else this.schedulers[i].step();
  }

  /** @internal */
  stateFields(): Map<string, ScalarField> {
    const fields = new Map<string, ScalarField>([
      [
        'last_epoch',
        {
          get: () => this.lastEpoch,
          set: (v) => (this.lastEpoch = v),
          ok: countFrom(0),
          expected: 'a whole number ≥ 0',
        },
      ],
    ]);
    this.schedulers.forEach((s, i) => {
      for (const [key, f] of s.stateFields()) fields.set(`_schedulers.${i}.${key}`, f);
    });
    return fields;
  }
}

export interface PlateauOptions {
  /** 'min' (default): a lower metric is better (a loss); 'max': higher is better (an accuracy). */
  mode?: 'min' | 'max';
  /** New rate = rate · factor (default 0.1; must be < 1). */
  factor?: number;
  /** Steps without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** What counts as an improvement (default 1e-4), relative ('rel', default) or absolute ('abs'). */
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  /** Steps to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The rate never goes below this (default 0). */
  minLr?: number;
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/** torch ReduceLROnPlateau: multiplies the rate by `factor` when the metric (e.g. the validation loss) stops improving. */
export class ReduceLROnPlateau extends ResumableSchedule implements LrScheduler {
  readonly options: Required<PlateauOptions>;
  /** The best metric so far. */
  best: number;
  private badEpochs = 0;
  private cooldownLeft = 0;

  constructor(
    readonly optimizer: Optimizer,
    options: PlateauOptions = {},
  ) {
    super();
    expectOptimizer('optimizer', optimizer);
    checkOptions(
      'ReduceLROnPlateau options',
      options,
      optionNames<PlateauOptions>({
        mode: true,
        factor: true,
        patience: true,
        threshold: true,
        thresholdMode: true,
        cooldown: true,
        minLr: true,
        eps: true,
      }),
    );
    const mode = options.mode ?? 'min';
    const thresholdMode = options.thresholdMode ?? 'rel';
    if (mode !== 'min' && mode !== 'max') throw new ValueError('mode', "'min' or 'max'", JSON.stringify(mode));
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs')
      throw new ValueError('thresholdMode', "'rel' or 'abs'", JSON.stringify(thresholdMode));
    this.options = {
      mode,
      thresholdMode,
      factor: expectNumber('factor', options.factor ?? 0.1, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
      patience: expectNumber(
        'patience',
        options.patience ?? 10,
        (v) => Number.isInteger(v) && v >= 0,
        'an integer ≥ 0',
      ),
      threshold: expectNumber('threshold', options.threshold ?? 1e-4, (v) => v >= 0, 'a number ≥ 0'),
      cooldown: expectNumber('cooldown', options.cooldown ?? 0, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0'),
      minLr: expectNumber('minLr', options.minLr ?? 0, (v) => v >= 0, 'a number ≥ 0'),
      eps: expectNumber('eps', options.eps ?? 1e-8, (v) => v >= 0, 'a number ≥ 0'),
    };
    this.best = mode === 'min' ? Infinity : -Infinity;
  }

  /** One epoch's metric (a NaN metric counts as no improvement, as in PyTorch). */
  step(metric?: number): void {
    if (typeof metric !== 'number')
      throw new ValueError('metric', 'the monitored value (ReduceLROnPlateau.step needs it)', describeValue(metric));
    if (this.isBetter(metric)) {
      this.best = metric;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.badEpochs = 0;
    }
    if (this.badEpochs > this.options.patience) {
      const old = this.optimizer.lr;
      const next = Math.max(old * this.options.factor, this.options.minLr);
      if (old - next > this.options.eps) this.optimizer.lr = next;
      this.cooldownLeft = this.options.cooldown;
      this.badEpochs = 0;
    }
  }

  /** @internal */
  stateFields(): Map<string, ScalarField> {
    return new Map<string, ScalarField>([
      // ±Infinity until a metric improves on the mode's worst.
      [
        'best',
        { get: () => this.best, set: (v) => (this.best = v), ok: () => true, expected: 'a number', infinite: true },
      ],
      [
        'num_bad_epochs',
        {
          get: () => this.badEpochs,
          set: (v) => (this.badEpochs = v),
          ok: countFrom(0),
          expected: 'a whole number ≥ 0',
        },
      ],
      [
        'cooldown_counter',
        {
          get: () => this.cooldownLeft,
          set: (v) => (this.cooldownLeft = v),
          ok: countFrom(0),
          expected: 'a whole number ≥ 0',
        },
      ],
    ]);
  }

  private isBetter(a: number): boolean {
    const { mode, thresholdMode, threshold } = this.options;
    if (mode === 'min') return thresholdMode === 'rel' ? a < this.best * (1 - threshold) : a < this.best - threshold;
    return thresholdMode === 'rel' ? a > this.best * (threshold + 1) : a > this.best + threshold;
  }
}
