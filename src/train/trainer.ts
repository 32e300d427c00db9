// Training: one step = zeroGrad, forward, loss, backward, optimizer update, all recorded into ONE
// command encoder and sent with ONE submit; the loss comes back in ONE readback at the end (or none).
import type { Backend } from '../ops/index.js';
import type { LossResult, Reduction, StepMask } from '../ops/loss/spec.js';
import { exclusive, holdForReadback, refuseWhileBusy } from '../core/busy.js';
import type { HostData } from './data.js';
import { checkOptions, expectBoolean, expectObject, expectTensor, optionNames } from '../core/checks.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../core/errors.js';
import {
  evaluate,
  fit,
  predict,
  type EvaluateOptions,
  type EvaluateResult,
  type FitHistory,
  type FitOptions,
} from './fit.js';
import { checkLoss, type LossConfig, type LossName } from './loss.js';
import type { StatefulStepResult, StepResult } from './step.js';
import { Lifetime } from '../core/lifetime.js';
import type { RecurrentState } from '../nn/layers.js';
import { Sequential, type LengthsOptions, type StatefulOptions } from '../nn/sequential.js';
import { expectOptimizer, type Optimizer } from './optim.js';
import { expectResumableSchedule, type ResumableSchedule } from './schedules.js';
import { sameShape } from '../core/shapes.js';
import {
  keyList,
  prepareEntries,
  scalarEntries,
  scalarStateDict,
  type PreparedLoad,
  type ScalarField,
  type LoadResult,
  type ReadStateDict,
  type StateDict,
} from '../core/state.js';
import type { Tensor } from '../core/tensor.js';
import type { BatchLengths } from '../core/lengths.js';

export interface TrainerOptions {
  /** A loss name, or a name with options ({ name: 'smoothL1', beta: 0.5 }). */
  loss: LossName | LossConfig;
  /** 'mean' (default, as PyTorch) or 'sum'. */
  reduction?: Reduction;
  /** Global gradient-norm clipping (clip_grad_norm_ semantics), folded into the optimizer's update. */
  clip?: { maxNorm: number; normType?: 2 | 'inf' };
  /** Report every parameter's gradient norm (before clipping) with each step. */
  paramNorms?: boolean;
}

const STEP_OPTIONS = optionNames<{ read?: boolean } & StatefulOptions>({
  read: true,
  states: true,
  resetRows: true,
  lengths: true,
});
const CLIP_OPTIONS = optionNames<NonNullable<TrainerOptions['clip']>>({ maxNorm: true, normType: true });
const TRAINER_OPTIONS = optionNames<TrainerOptions>({ loss: true, reduction: true, clip: true, paramNorms: true });

export class Trainer {
  readonly ctx: Backend;
  readonly loss: LossName;
  /** The loss and its options (a copy of what was given; a bare name: `{ name }`). */
  readonly lossConfig: LossConfig;
  readonly reduction: Reduction;
  readonly clip?: { maxNorm: number; normType: 2 | 'inf' };
  readonly paramNorms: boolean;
  /** Steps whose update the explosion guard skipped. */
  skippedSteps = 0;
  private lossTensor?: Tensor;
  private lossGrad?: Tensor;
  private gscale?: Tensor;
  private norms?: Tensor;
  private readonly posWeight?: Tensor; // [O] bceWithLogits's posWeight on the device
  private readonly lifetime = new Lifetime('Trainer');

  constructor(
    readonly model: Sequential,
    readonly optimizer: Optimizer,
    options: TrainerOptions,
  ) {
    if (!(model instanceof Sequential))
      throw new ValueError(
        'model',
        'a Sequential model (new Sequential(ctx, layers) or mlp(ctx, sizes))',
        describeValue(model),
      );
    expectOptimizer('optimizer', optimizer);
    checkOptions('options', options, TRAINER_OPTIONS);
    expectBoolean('paramNorms', options?.paramNorms);
    const config = checkLoss(options?.loss, model);
    if (optimizer.params !== model.params)
      throw new ValueError('optimizer', "an optimizer over this model's params", 'another ParamSet');
    this.ctx = model.ctx;
    this.loss = config.name;
    this.lossConfig = config;
    this.reduction = options.reduction ?? 'mean';
    if (this.reduction !== 'mean' && this.reduction !== 'sum')
      // else every step would throw
      throw new ValueError('reduction', "'mean' or 'sum'", describeValue(options.reduction));
    this.paramNorms = options.paramNorms ?? false;
    if (options.clip !== undefined) {
      // Checked here, not at the first step: a bad clip must fail where it is written.
      checkOptions('clip', options.clip, CLIP_OPTIONS);
      if (!(options.clip.maxNorm > 0))
        throw new ValueError('clip.maxNorm', 'a positive number', describeValue(options.clip.maxNorm));
      const normType = options.clip.normType ?? 2;
      if (normType !== 2 && normType !== 'inf')
        throw new ValueError('clip.normType', "2 or 'inf'", describeValue(normType));
      this.clip = { maxNorm: options.clip.maxNorm, normType };
    }
    if (config.name === 'bceWithLogits' && config.posWeight)
      this.posWeight = this.ctx.tensor(config.posWeight, [config.posWeight.length]);
  }

  // The stateful overloads come first, so that options with `states` resolve to them.
  /**
   * A stateful step (truncated BPTT's chunk): the recurrent layers start from `states` (one per
   * recurrent layer in layer order, null for zeros; rows in resetRows from zeros) and the result carries
   * their final states, still on the device and valid until the model's next forward — the next
   * chunk's `states`. The initial states are constants: backprop stops at the chunk's first step.
   */
  step(x: Tensor, target: Tensor, options: StatefulOptions & { read?: true }): Promise<StatefulStepResult>;
  /** The stateful step without a readback: resolves to the final states alone. */
  step(x: Tensor, target: Tensor, options: StatefulOptions & { read: false }): Promise<{ states: RecurrentState[] }>;
  /**
   * One training step on a batch already on the device: x [B, in], target [B, out] (mse) or class
   * indices [B] (crossEntropy); sequences [T, B, ·]. Every step measures the global gradient norm
   * (clipping with the clip option) and skips the update when the loss or the norm is not finite
   * (explosion guard). Runs in the model's mode, as a PyTorch loop: dropout after model.train() (the
   * default), none after model.eval(). Resolves to what happened (one readback), or undefined with { read: false }.
   */
  step(x: Tensor, target: Tensor, options?: { read?: true } & LengthsOptions): Promise<StepResult>;
  /** The same step recorded and submitted without a readback (nothing to wait for): resolves to undefined. */
  step(x: Tensor, target: Tensor, options: { read: false } & LengthsOptions): Promise<undefined>;
  step(x: Tensor, target: Tensor, options?: { read?: boolean } & LengthsOptions): Promise<StepResult | undefined>;
  /**
   * (every form) `lengths`: a batch of variable-length sequences (see LengthsOptions); a per-step loss
   * then counts only the valid steps ('mean' over the valid elements, or rows for crossEntropy).
   */
  async step(
    x: Tensor,
    target: Tensor,
    options: { read?: boolean } & Partial<StatefulOptions> = {},
  ): Promise<StepResult | { states: RecurrentState[] } | undefined> {
    this.lifetime.check();
    refuseWhileBusy(this.model, 'step');
    expectTensor('x', x);
    expectTensor('target', target);
    checkOptions('options', options, STEP_OPTIONS);
    expectBoolean('read', options.read);
    const stateful = options.states !== undefined ? { states: options.states, resetRows: options.resetRows } : null;
    this.checkBatch(x, target, stateful); // before any GPU work: a refused step changes nothing
    const lengths = this.model.uploadLengths(x.shape, options.lengths); // before recording: one submit
    this.model.zeroGrad();
    let y: Tensor;
    let states: RecurrentState[] | undefined;
    // In the model's own mode, as a PyTorch loop: dropout after model.train() (backward reuses its mask), none after eval().
    const withLengths = lengths ? { lengths } : {};
    if (stateful) ({ output: y, states } = this.model.forward(x, { ...stateful, ...withLengths }));
    else y = this.model.forward(x, withLengths);
    this.lossTensor?.release();
    this.lossGrad?.release();
    const { loss, grad: g } = this.lossOf(y, target, lengths);
    const grad = g.shape.length === y.shape.length ? g : g.view(y.shape);
    this.lossTensor = loss;
    this.lossGrad = g;
    this.model.backward(grad);
    this.gscale?.release();
    this.gscale = this.ctx.gradNorm(
      this.model.params.grads,
      this.clip?.maxNorm ?? Infinity,
      this.clip?.normType ?? 2,
      loss,
    );
    this.norms?.release();
    this.norms = this.paramNorms ? this.model.params.gradNorms() : undefined;
    this.optimizer.step(this.gscale);
    if (options.read === false) {
      this.ctx.flush();
      return states && { states };
    }
    const flows = this.model.layers.flatMap((l) => l.diagnostics?.() ?? []);
    // The model stays taken until the readback is in: another operation started meanwhile is refused.
    const release = holdForReadback(this.model, 'step');
    let read: Float64Array[];
    try {
      read = await this.ctx.readMany([this.gscale, ...(this.norms ? [this.norms] : []), ...flows]);
    } finally {
      release();
    }
    const [gscale, ...rest] = read;
    const normValues = this.norms ? rest.shift()! : null;
    const flowValues = rest;
    const [gradNorm, coef, skip, lossValue] = gscale;
    if (skip !== 0) this.skippedSteps++;
    const gradFlow = flowValues.map((f) => Array.from(f, Math.sqrt));
    const paramNorms = normValues
      ? Object.fromEntries(this.model.params.names().map((n, i) => [n, normValues[i]]))
      : undefined;
    const result: StepResult = {
      loss: lossValue,
      gradNorm,
      clipped: skip === 0 && coef < 1,
      skipped: skip !== 0,
      gradFlow,
      paramNorms,
    };
    return states ? { ...result, states } : result;
  }

  /**
   * The loss of outputs y against a target batch and dLoss/dy (rows [T·B, C] for crossEntropy over
   * sequences: view it as y's shape). With `lengths` (BatchLengths as Trainer.step makes them) and per-step
   * outputs y [T, B, ·] ([B, T, ·] batch-first), the steps past each row's length count for nothing.
   */
  lossOf(y: Tensor, target: Tensor, lengths?: BatchLengths): LossResult {
    expectTensor('y', y);
    expectTensor('target', target);
    const c = this.lossConfig;
    let steps: StepMask | undefined;
    if (lengths && y.shape.length === 3) {
      steps = {
        lengths: lengths.device,
        count: lengths.host.reduce((a, b) => a + b, 0),
        batchFirst: this.model.batchFirst,
      };
    }
    switch (c.name) {
      case 'mse':
        return this.ctx.mse(y, target, this.reduction, steps);
      case 'l1':
        return this.ctx.l1(y, target, this.reduction, steps);
      case 'huber':
        return this.ctx.huber(y, target, this.reduction, { delta: c.delta }, steps);
      case 'smoothL1':
        return this.ctx.smoothL1(y, target, this.reduction, { beta: c.beta }, steps);
      case 'bceWithLogits':
        return this.ctx.bceWithLogits(y, target, this.reduction, { posWeight: this.posWeight }, steps);
      case 'crossEntropy': {
        // Cross-entropy over sequences: logits [T, B, C] and targets [T, B] are T·B rows.
        const logits = y.shape.length > 2 ? y.view([y.size / y.shape.at(-1)!, y.shape.at(-1)!]) : y;
        const classes = logits !== y ? target.view([target.size]) : target;
        return this.ctx.crossEntropy(
          logits,
          classes,
          this.reduction,
          { ignoreIndex: c.ignoreIndex, labelSmoothing: c.labelSmoothing },
          steps,
        );
      }
    }
  }

  /** Shapes of a batch (and states) against the model: the target must be the output's shape, or its rows (crossEntropy). */
  private checkBatch(x: Tensor, target: Tensor, stateful: StatefulOptions | null): void {
    const out = this.model.outputShape(x.shape);
    if (stateful) this.model.checkStates(x.shape, stateful.states, stateful.resetRows);
    const expected = this.loss === 'crossEntropy' ? out.slice(0, -1) : out;
    if (!sameShape(target.shape, expected)) {
      throw new ShapeError(
        'target',
        `${describeShape(expected)} for x ${describeShape(x.shape)}${this.loss === 'crossEntropy' ? ' (class indices)' : ''}`,
        describeShape(target.shape),
      );
    }
  }

  /**
   * Mini-batch training on host data: rows x [N, in] (a flat array or { data, shape }), or sequences
   * { data, shape: [N, T, I] } (batch-first; timeMajor: true for [T, N, I]); targets per row, per
   * sequence (a model ending in LastStep) or per step, as values or class indices (crossEntropy).
   * Everything is checked before anything is uploaded. See FitOptions for validation, schedules,
   * callbacks and early stopping.
   */
  async fit(x: HostData, targets: HostData, options: FitOptions): Promise<FitHistory> {
    this.lifetime.check();
    expectObject('options', options, '{ epochs, batchSize, … }');
    return exclusive(this.model, 'fit', (self) => fit(this, x, targets, options, self));
  }

  /** Mean loss (and accuracy for crossEntropy) on host data, forward only, in evaluation mode (no dropout): the weights are not touched. */
  async evaluate(x: HostData, targets: HostData, options?: EvaluateOptions): Promise<EvaluateResult> {
    this.lifetime.check();
    if (options !== undefined) expectObject('options', options);
    return exclusive(this.model, 'evaluate', () => evaluate(this, x, targets, options));
  }

  /**
   * Model outputs for host inputs as one flat row-major Float64Array (it carries no shape): N·O values
   * laid out [N, O] for a row model or a sequence model ending in LastStep, N·T·O laid out [N, T, O]
   * for per-step outputs ([T, N, O] with timeMajor), where O = model.outputSize(). Evaluation mode (no dropout).
   */
  async predict(x: HostData, options?: EvaluateOptions): Promise<Float64Array> {
    this.lifetime.check();
    if (options !== undefined) expectObject('options', options);
    return exclusive(this.model, 'predict', () => predict(this, x, options));
  }

  /**
   * Everything a run needs to resume exactly, as one flat dict of named tensors: the model's parameters
   * under `model.`, the optimizer's state under `optimizer.`, when given, a schedule's counters under
   * `schedule.`, the step each dropout site draws its next mask at under `dropout.` (`dropout.site<k>.step`,
   * none without dropout) and `trainer.skipped_steps`. Write it with saveSafetensors (dtype 'F64' keeps
   * every bit) or stateDictToJson.
   * Two readbacks: the parameters, then the optimizer's state.
   */
  async stateDict(options: { schedule?: ResumableSchedule } = {}): Promise<ReadStateDict> {
    this.lifetime.check();
    checkOptions('options', options, ['schedule']);
    if (options.schedule !== undefined) expectResumableSchedule('schedule', options.schedule, this.optimizer);
    const out: ReadStateDict = Object.create(null);
    const parts: Array<[string, ReadStateDict]> = [
      ['model.', await this.model.stateDict()],
      ['optimizer.', await this.optimizer.stateDict()],
      ...(options.schedule ? [['schedule.', options.schedule.stateDict()] as [string, ReadStateDict]] : []),
      ['dropout.', this.model.dropoutStateDict()],
      ['trainer.', scalarStateDict(this.counterFields())],
    ];
    for (const [prefix, dict] of parts) for (const [key, t] of Object.entries(dict)) out[prefix + key] = t;
    return out;
  }

  /**
   * Loads what stateDict() gave into the model, the optimizer, (given) the schedule, the dropout steps
   * and the trainer's counter. All parts
   * are checked before any is written, so a rejected dict changes nothing. strict (default): exactly the
   * keys stateDict() writes; strict: false loads what matches and reports the rest with its prefix.
   */
  loadStateDict(dict: StateDict, options: { schedule?: ResumableSchedule; strict?: boolean } = {}): LoadResult {
    this.lifetime.check();
    checkOptions('options', options, ['schedule', 'strict']);
    expectBoolean('strict', options.strict);
    if (options.schedule !== undefined) expectResumableSchedule('schedule', options.schedule, this.optimizer);
    if (typeof dict !== 'object' || dict === null || Array.isArray(dict))
      throw new ValueError('stateDict', 'an object of named tensors (await trainer.stateDict())', describeValue(dict));
    const targets: Array<
      [string, { prepareLoad(d: StateDict, o: { strict: boolean }, prefix: string): PreparedLoad }]
    > = [
      ['model.', this.model.params],
      ['optimizer.', this.optimizer],
      ...(options.schedule ? [['schedule.', options.schedule] as [string, ResumableSchedule]] : []),
      ['dropout.', { prepareLoad: (d, o, prefix) => prepareEntries(this.model.dropoutStateEntries(), d, o, prefix) }],
      [
        'trainer.',
        { prepareLoad: (d, o, prefix) => prepareEntries(scalarEntries(this.counterFields()), d, o, prefix) },
      ],
    ];
    const parts = targets.map((): StateDict => Object.create(null));
    const unexpected: string[] = [];
    for (const key of Object.keys(dict)) {
      const i = targets.findIndex(([prefix]) => key.startsWith(prefix));
      if (i < 0) unexpected.push(key);
      else parts[i][key.slice(targets[i][0].length)] = dict[key];
    }
    if (options.strict ?? true) this.optimizer.refuseOtherKinds(parts[1], 'optimizer.');
    const loads = targets.map(([prefix, target], i) => ({
      prefix,
      load: target.prepareLoad(parts[i], { strict: false }, prefix),
    }));
    const missingKeys = loads.flatMap(({ prefix, load }) => load.result.missingKeys.map((k) => prefix + k));
    const unexpectedKeys = [
      ...unexpected,
      ...loads.flatMap(({ prefix, load }) => load.result.unexpectedKeys.map((k) => prefix + k)),
    ];
    if ((options.strict ?? true) && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const hint =
        !options.schedule && unexpectedKeys.some((k) => k.startsWith('schedule.'))
          ? ' (pass { schedule } to load a schedule)'
          : '';
      throw new ValueError(
        'stateDict',
        `exactly the keys of trainer.stateDict(${options.schedule ? '{ schedule }' : ''})${hint}`,
        `missing [${keyList(missingKeys)}], unexpected [${keyList(unexpectedKeys)}]`,
      );
    }
    for (const { load } of loads) load.apply();
    return { missingKeys, unexpectedKeys };
  }

  /** The trainer's own counters in its state dict (`trainer.`). */
  private counterFields(): Map<string, ScalarField> {
    return new Map([
      [
        'skipped_steps',
        {
          get: () => this.skippedSteps,
          set: (v) => (this.skippedSteps = v),
          ok: (v) => Number.isInteger(v) && v >= 0,
          expected: 'a whole number ≥ 0',
        },
      ],
    ]);
  }

  /** Frees the trainer's own tensors (not the model's or the optimizer's); using it afterwards throws ReleasedError. */
  release(): void {
    if (!this.lifetime.end()) return;
    this.lossTensor?.release();
    this.lossGrad?.release();
    this.gscale?.release();
    this.norms?.release();
    this.posWeight?.release();
    this.lossTensor = this.lossGrad = this.gscale = this.norms = undefined;
  }
}
