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
  type FitCallbackTools,
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
import { Tensor } from '../core/tensor.js';
import type { Seq2SeqBatch } from '../nn/seq2seq.js';
import {
  evaluateTeacherForced,
  fitTeacherForced,
  isTeacherForcedModel,
  teacherForcedStep,
  type Seq2SeqData,
  type TeacherForcedFitOptions,
  type TeacherForcedHistory,
  type TeacherForcedModel,
} from './teacher_forcing.js';
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

/** What a Trainer trains: a Sequential, or a TeacherForcedModel (Seq2Seq) trained on (source, target) pairs. */
export type TrainableModel = Sequential | TeacherForcedModel;

export class Trainer<M extends TrainableModel = Sequential> {
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

  constructor(model: Sequential, optimizer: Optimizer, options: TrainerOptions);
  /** A teacher-forced model (Seq2Seq): loss 'crossEntropy'; step, fit and evaluate take (source, target) pairs. */
  constructor(model: M, optimizer: Optimizer, options: TrainerOptions);
  constructor(
    readonly model: M,
    readonly optimizer: Optimizer,
    options: TrainerOptions,
  ) {
    if (!(model instanceof Sequential) && !isTeacherForcedModel(model))
      throw new ValueError(
        'model',
        'a Sequential model (new Sequential(ctx, layers) or mlp(ctx, sizes)) or a TeacherForcedModel (Seq2Seq)',
        describeValue(model),
      );
    expectOptimizer('optimizer', optimizer);
    checkOptions('options', options, TRAINER_OPTIONS);
    expectBoolean('paramNorms', options?.paramNorms);
    const config = checkLoss(options?.loss, model instanceof Sequential ? model : null);
    if (!(model instanceof Sequential) && (config.name !== 'crossEntropy' || Object.keys(config).length > 1))
      throw new ValueError(
        'loss',
        "'crossEntropy' for a teacher-forced model (target padding is ignored by its lengths)",
        JSON.stringify(options.loss),
      );
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

  /** The model as a Sequential, for the calls that take tensors or HostData (a teacher-forced model takes pairs). */
  private get net(): Sequential {
    if (this.model instanceof Sequential) return this.model;
    throw new ValueError(
      'model',
      'a Sequential model for this call (it takes tensors or HostData)',
      'a teacher-forced model: pass a Seq2SeqBatch to step, Seq2SeqData to fit and evaluate',
    );
  }

  /** This trainer as one of a Sequential (fit, evaluate and predict on HostData); refused for a teacher-forced model. */
  private sequentialTrainer(): Trainer {
    return (this.net && this) as unknown as Trainer; // this.net refuses a teacher-forced model
  }

  /**
   * A teacher-forced model's step on a batch of pairs (see teacherForcedStep): the trainer's clip, the
   * explosion guard, one submit and one readback. The batch is checked before any work.
   */
  step(batch: Seq2SeqBatch): Promise<StepResult>;
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
    x: Tensor | Seq2SeqBatch,
    target?: Tensor,
    options: { read?: boolean } & Partial<StatefulOptions> = {},
  ): Promise<StepResult | { states: RecurrentState[] } | undefined> {
    this.lifetime.check();
    refuseWhileBusy(this.model, 'step');
    if (!(this.model instanceof Sequential)) {
      if (x instanceof Tensor || target !== undefined)
        throw new ValueError('x', 'a Seq2SeqBatch alone (a teacher-forced model trains on pairs)', 'tensors');
      const model = this.model as TeacherForcedModel;
      const release = holdForReadback(this.model, 'step');
      try {
        return await teacherForcedStep(model, this.optimizer, x, this.clip);
      } finally {
        release();
      }
    }
    expectTensor('x', x);
    expectTensor('target', target);
    checkOptions('options', options, STEP_OPTIONS);
    expectBoolean('read', options.read);
    const stateful = options.states !== undefined ? { states: options.states, resetRows: options.resetRows } : null;
    this.checkBatch(x, target, stateful); // before any GPU work: a refused step changes nothing
    const lengths = this.net.uploadLengths(x.shape, options.lengths); // before recording: one submit
    this.net.zeroGrad();
    let y: Tensor;
    let states: RecurrentState[] | undefined;
    // In the model's own mode, as a PyTorch loop: dropout after model.train() (backward reuses its mask), none after eval().
    const withLengths = lengths ? { lengths } : {};
    if (stateful) ({ output: y, states } = this.net.forward(x, { ...stateful, ...withLengths }));
    else y = this.net.forward(x, withLengths);
    this.lossTensor?.release();
    this.lossGrad?.release();
    const { loss, grad: g } = this.lossOf(y, target, lengths);
    const grad = g.shape.length === y.shape.length ? g : g.view(y.shape);
    this.lossTensor = loss;
    this.lossGrad = g;
    this.net.backward(grad);
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
    const flows = this.net.layers.flatMap((l) => l.diagnostics?.() ?? []);
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
        batchFirst: this.net.batchFirst,
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
    const out = this.net.outputShape(x.shape);
    if (stateful) this.net.checkStates(x.shape, stateful.states, stateful.resetRows);
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
  fit(x: HostData, targets: HostData, options: FitOptions): Promise<FitHistory>;
  /**
   * A teacher-forced model's training on pairs (see fitTeacherForced), with the trainer's clip unless
   * options.clip is given.
   */
  fit(data: Seq2SeqData, options: TeacherForcedFitOptions): Promise<TeacherForcedHistory>;
  async fit(
    x: HostData | Seq2SeqData,
    targets: HostData | TeacherForcedFitOptions,
    options?: FitOptions,
  ): Promise<FitHistory | TeacherForcedHistory> {
    this.lifetime.check();
    if (!(this.model instanceof Sequential)) {
      const o = targets as TeacherForcedFitOptions;
      expectObject('options', o, '{ epochs, batchSize, … }');
      return fitTeacherForced(this.model as TeacherForcedModel, this.optimizer, x as Seq2SeqData, {
        clip: this.clip,
        ...o,
      });
    }
    expectObject('options', options, '{ epochs, batchSize, … }');
    const self = this.sequentialTrainer();
    return exclusive(
      this.model,
      'fit',
      (op) => fit(self, x as HostData, targets as HostData, options as FitOptions, op),
      ['evaluate', 'predict', 'generate'] satisfies Array<keyof FitCallbackTools>,
    );
  }

  /** Mean loss (and accuracy for crossEntropy) on host data, forward only, in evaluation mode (no dropout): the weights are not touched. */
  evaluate(x: HostData, targets: HostData, options?: EvaluateOptions): Promise<EvaluateResult>;
  /** A teacher-forced model's mean loss and token accuracy on pairs (see evaluateTeacherForced). */
  evaluate(data: Seq2SeqData, options?: { batchSize?: number }): Promise<{ loss: number; accuracy: number }>;
  async evaluate(
    x: HostData | Seq2SeqData,
    targets?: HostData | { batchSize?: number },
    options?: EvaluateOptions,
  ): Promise<EvaluateResult | { loss: number; accuracy: number }> {
    this.lifetime.check();
    if (!(this.model instanceof Sequential)) {
      return evaluateTeacherForced(
        this.model as TeacherForcedModel,
        x as Seq2SeqData,
        targets as { batchSize?: number },
      );
    }
    if (options !== undefined) expectObject('options', options);
    const self = this.sequentialTrainer();
    return exclusive(this.model, 'evaluate', () => evaluate(self, x as HostData, targets as HostData, options));
  }

  /**
   * Model outputs for host inputs as one flat row-major Float64Array (it carries no shape): N·O values
   * laid out [N, O] for a row model or a sequence model ending in LastStep, N·T·O laid out [N, T, O]
   * for per-step outputs ([T, N, O] with timeMajor), where O = model.outputSize(). Evaluation mode (no dropout).
   */
  async predict(x: HostData, options?: EvaluateOptions): Promise<Float64Array> {
    this.lifetime.check();
    if (options !== undefined) expectObject('options', options);
    const self = this.sequentialTrainer();
    return exclusive(this.model, 'predict', () => predict(self, x, options));
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
