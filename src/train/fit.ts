// Trainer.fit / evaluate / predict on host data: mini-batches gathered into reused device tensors,
// validation each epoch (forward and loss only, in evaluation mode: the weights are not touched), learning-rate schedules
// per epoch or per batch, callbacks awaited in order, stopping from a callback, early stopping.
import {
  Batcher,
  NO_TARGETS,
  describeSamples,
  describeStarts,
  scatterOutputs,
  type HostData,
  type LayoutOptions,
  type Samples,
  type StepWindow,
} from './data.js';
import { checkOptions, expectBoolean, expectCallback, optionNames } from '../core/checks.js';
import { expectObject } from '../core/checks.js';
import { callbackScope, duringCallback, guest, ownStep, type CallbackScope, type Operation } from '../core/busy.js';
import { ValueError, describeValue } from '../core/errors.js';
import {
  SampleLengths,
  refuseLengthsWithoutRecurrent,
  type BatchLengths,
  type SequenceLengths,
} from '../core/lengths.js';
import { generate, type GenerateOptions, type GenerateResult } from '../nn/generate.js';
import type { RecurrentState } from '../nn/layers.js';
import { Rng } from '../core/rng.js';
import type { Optimizer } from './optim.js';
import { ReduceLROnPlateau, type LrScheduler } from './schedules.js';
import { expectPositiveInt } from '../core/shapes.js';
import type { Tensor } from '../core/tensor.js';
import type { LossConfig, LossName } from './loss.js';
import type { StatefulStepResult, StepResult } from './step.js';
import type { Backend } from '../ops/index.js';
import type { LossResult, Reduction } from '../ops/loss/spec.js';
import type { LengthsOptions, Sequential, StatefulOptions } from '../nn/sequential.js';

/**
 * What fit, evaluate and predict use of a Trainer, which calls them with itself: named here so that this
 * file does not import the class that imports it.
 */
export interface FitTrainer {
  readonly ctx: Backend;
  readonly model: Sequential;
  readonly optimizer: Optimizer;
  readonly loss: LossName;
  readonly lossConfig: LossConfig;
  readonly reduction: Reduction;
  step(x: Tensor, target: Tensor, options: StatefulOptions & { read?: true }): Promise<StatefulStepResult>;
  step(x: Tensor, target: Tensor, options?: { read?: true } & LengthsOptions): Promise<StepResult>;
  lossOf(y: Tensor, target: Tensor, lengths?: BatchLengths): LossResult;
}

/**
 * The model, from inside a fit callback: fit keeps the model while its callbacks run, so a direct
 * trainer.evaluate / predict or model.generate there is refused (ModelBusyError) as from any other task;
 * these run on the model fit is training, while the callback that got them runs (await them there).
 * Evaluation mode for their duration; the weights are not touched and fit goes on as without them.
 */
export interface FitCallbackTools {
  /** trainer.evaluate on the model being trained. */
  evaluate(x: HostData, targets: HostData, options?: EvaluateOptions): Promise<EvaluateResult>;
  /** trainer.predict on the model being trained. */
  predict(x: HostData, options?: EvaluateOptions): Promise<Float64Array>;
  /** model.generate on the model being trained. */
  generate(options: GenerateOptions): Promise<GenerateResult>;
}

/** What every fit step event carries (Trainer.fit's and fitTeacherForced's). */
export interface StepProgress {
  /** 0-based epoch index, as Keras callbacks and a PyTorch `for epoch in range(n)` loop (ProgressLine prints epoch + 1). */
  epoch: number;
  /** Steps done before this one, over all epochs. */
  step: number;
  /** This step's batch (with tbptt: its chunk of a batch) within the epoch, and the epoch's number of steps. */
  batch: number;
  batches: number;
  /** The learning rate this step used. */
  lr: number;
  ms: number;
  /** Ends training after this step (the rest of the epoch, its validation and later epochs are skipped). */
  stop(): void;
}

export interface StepEvent extends StepResult, FitCallbackTools, StepProgress {}

/** What every fit epoch event carries (Trainer.fit's and fitTeacherForced's). */
export interface EpochProgress {
  /** 0-based epoch index, as Keras callbacks (ProgressLine and `npm start` print epoch + 1: "epoch 1/10"). */
  epoch: number;
  /**
   * Mean training loss of the epoch, batch size aside: with 'mean' reduction the mean over its elements (valid
   * steps with lengths, targets kept with ignoreIndex); with 'sum' the summed losses divided by the samples.
   */
  meanLoss: number;
  /** With validation: its mean loss, and its accuracy for crossEntropy. */
  valLoss?: number;
  valAccuracy?: number;
  /** The learning rate at the epoch's end (before a per-epoch schedule steps). */
  lr: number;
  ms: number;
  /** Ends training after this epoch. */
  stop(): void;
}

export interface EpochEvent extends FitCallbackTools, EpochProgress {}

export interface EarlyStopping {
  /** Stop after this many epochs in a row without improvement of the monitored value (as Keras). */
  patience: number;
  /** An improvement must exceed this (default 0). */
  minDelta?: number;
  /** At the end, put back the weights of the best epoch, exactly (a GPU copy; default false). */
  restoreBestWeights?: boolean;
}

export interface FitOptions extends LayoutOptions {
  epochs: number;
  batchSize: number;
  /** Reshuffle the training samples every epoch (default true), with `seed` (default 0). */
  shuffle?: boolean;
  seed?: number;
  /** Held-out samples evaluated after every epoch (with their own lengths when training has lengths). */
  validationData?: { x: HostData; targets: HostData; lengths?: SequenceLengths };
  /** Or: this fraction of the samples (the last ones, before shuffling, as Keras) held out for validation; 0: none. */
  validationSplit?: number;
  /** Batch size of validation (default batchSize). */
  validationBatchSize?: number;
  /** Stepped after every epoch (default) or every batch (`scheduleEvery: 'batch'`). */
  schedule?: LrScheduler;
  scheduleEvery?: 'epoch' | 'batch';
  /**
   * The value ReduceLROnPlateau and early stopping watch per epoch: 'valLoss' (default with validation)
   * or 'loss' (the training loss; default without). ReduceLROnPlateau is per epoch only (it needs the epoch's value).
   */
  monitor?: 'loss' | 'valLoss';
  earlyStopping?: EarlyStopping;
  /** Awaited in order: a callback may be async (e.g. yield to a browser or write a log). */
  onStep?: (e: StepEvent) => void | Promise<void>;
  onEpoch?: (e: EpochEvent) => void | Promise<void>;
  /** Gets the history (with the model's evaluate, predict and generate, as FitCallbackTools). */
  onTrainEnd?: (h: FitHistory & FitCallbackTools) => void | Promise<void>;
  /** Refuse NaN or infinite inputs and targets before training (default true). */
  checkFinite?: boolean;
  /** Truncated backpropagation through time over long sequences (see Tbptt). */
  tbptt?: Tbptt;
  /**
   * Variable-length sequences: one length per sample (1 ≤ len ≤ T, any order) or `{ mask }` [N, T]
   * (see SequenceLengths); each batch trains with its samples' lengths (see LengthsOptions). The padding
   * must still hold valid values (finite; class indices for crossEntropy); it counts for nothing.
   * validationSplit splits them with the samples; validationData takes its own.
   */
  lengths?: SequenceLengths;
}

/**
 * Truncated BPTT: each batch of sequences is trained `chunk` steps at a time, one step() per chunk (the
 * last may be shorter). The recurrent states go from chunk to chunk detached — forward k steps,
 * backpropagate within them, no gradient crosses a chunk boundary — and start from zeros at the start of
 * each batch. Targets per step; unidirectional recurrent layers. Validation runs whole sequences (a
 * forward pass carries the states exactly as the chunks do).
 */
export interface Tbptt {
  chunk: number;
  /**
   * [N, T] ([T, N] with timeMajor) of 0 or 1: 1 where a sample's row begins a new sequence (packed
   * streams); that row's states restart from zeros. Only at a chunk's first step.
   */
  starts?: HostData;
}

export interface FitHistory {
  /** Per epoch run: mean training loss, validation loss and accuracy (when validating; accuracy for crossEntropy), learning rate. */
  epochLosses: number[];
  valLosses: number[];
  valAccuracies: number[];
  lrs: number[];
  /** Why training ended before `epochs`: a callback's stop(), early stopping, or null. */
  stoppedBy: 'callback' | 'earlyStopping' | null;
  /**
   * With early stopping: the 0-based index of the epoch with the best monitored value, so
   * `epochLosses[bestEpoch]` is its loss (its weights restored with restoreBestWeights); print it as bestEpoch + 1.
   */
  bestEpoch: number | null;
}

/** Options of evaluate and predict. */
export interface EvaluateOptions extends LayoutOptions {
  /** Rows or sequences per forward pass (default all at once). */
  batchSize?: number;
  /** Variable-length sequences, one length per sample (as FitOptions.lengths). */
  lengths?: SequenceLengths;
}

export interface EvaluateResult {
  /** The loss over all samples, batch size aside: as EpochEvent.meanLoss ('sum' reduction: the total divided by the samples). */
  loss: number;
  /** For crossEntropy: the fraction of rows (or steps) whose largest logit is the target class. */
  accuracy?: number;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

// Unknown names are refused (a Keras `batch_size` or `validation_split` must not train with defaults).
const FIT_OPTIONS = optionNames<FitOptions>({
  epochs: true,
  batchSize: true,
  shuffle: true,
  seed: true,
  validationData: true,
  validationSplit: true,
  validationBatchSize: true,
  schedule: true,
  scheduleEvery: true,
  monitor: true,
  earlyStopping: true,
  onStep: true,
  onEpoch: true,
  onTrainEnd: true,
  checkFinite: true,
  tbptt: true,
  timeMajor: true,
  lengths: true,
});
const VALIDATION_DATA = optionNames<NonNullable<FitOptions['validationData']>>({
  x: true,
  targets: true,
  lengths: true,
});
const EARLY_STOPPING = optionNames<EarlyStopping>({ patience: true, minDelta: true, restoreBestWeights: true });
const TBPTT = optionNames<Tbptt>({ chunk: true, starts: true });
const EVALUATE_OPTIONS = optionNames<EvaluateOptions>({ batchSize: true, timeMajor: true, lengths: true });

function checkFitOptions(o: FitOptions, optimizer: Optimizer): void {
  checkOptions('options', o, FIT_OPTIONS);
  checkOptions('validationData', o?.validationData, VALIDATION_DATA);
  checkOptions('tbptt', o?.tbptt, TBPTT);
  checkTrainingOptions(o, optimizer);
  if (o.tbptt !== undefined) expectPositiveInt('tbptt.chunk', o.tbptt?.chunk);
  for (const name of ['checkFinite', 'timeMajor'] as const) expectBoolean(name, o[name]);
}

/** The options Trainer.fit shares with fitTeacherForced, and their meaning: one check for both. */
export type TrainingOptions = Pick<
  FitOptions,
  | 'epochs'
  | 'batchSize'
  | 'shuffle'
  | 'seed'
  | 'validationSplit'
  | 'validationBatchSize'
  | 'schedule'
  | 'scheduleEvery'
  | 'monitor'
  | 'earlyStopping'
> & { validationData?: unknown; onStep?: unknown; onEpoch?: unknown; onTrainEnd?: unknown };

/** Checks the options of TrainingOptions (their names are checked by the caller, with its own). */
export function checkTrainingOptions(o: TrainingOptions, optimizer: Optimizer): void {
  checkOptions('earlyStopping', o?.earlyStopping, EARLY_STOPPING);
  expectPositiveInt('epochs', o?.epochs);
  expectPositiveInt('batchSize', o.batchSize);
  if (o.validationBatchSize !== undefined) expectPositiveInt('validationBatchSize', o.validationBatchSize);
  // 0 holds out nothing, as Keras's validation_split=0.
  if (
    o.validationSplit !== undefined &&
    !(typeof o.validationSplit === 'number' && o.validationSplit >= 0 && o.validationSplit < 1)
  )
    throw new ValueError(
      'validationSplit',
      'a fraction in [0, 1) (0: no validation)',
      describeValue(o.validationSplit),
    );
  if (o.validationSplit && o.validationData)
    throw new ValueError('validationSplit', 'not together with validationData', String(o.validationSplit));
  if (o.scheduleEvery !== undefined && o.scheduleEvery !== 'epoch' && o.scheduleEvery !== 'batch')
    throw new ValueError('scheduleEvery', "'epoch' or 'batch'", JSON.stringify(o.scheduleEvery));
  if (o.schedule !== undefined) expectSchedule(o.schedule, optimizer, o.scheduleEvery ?? 'epoch');
  if (o.monitor !== undefined && o.monitor !== 'loss' && o.monitor !== 'valLoss')
    throw new ValueError('monitor', "'loss' or 'valLoss'", JSON.stringify(o.monitor));
  if (o.monitor === 'valLoss' && !o.validationData && !o.validationSplit)
    throw new ValueError('monitor', "'loss' without validationData or validationSplit", "'valLoss'");
  expectBoolean('shuffle', o.shuffle);
  expectBoolean('earlyStopping.restoreBestWeights', o.earlyStopping?.restoreBestWeights);
  // Checked before the first step: a bad callback must not fail after training has begun.
  for (const name of ['onStep', 'onEpoch', 'onTrainEnd'] as const) expectCallback(name, o[name]);
  if (o.earlyStopping) {
    const { patience, minDelta = 0 } = o.earlyStopping;
    if (!Number.isInteger(patience) || patience < 0)
      throw new ValueError('earlyStopping.patience', 'an integer ≥ 0', String(patience));
    if (!(minDelta >= 0)) throw new ValueError('earlyStopping.minDelta', 'a number ≥ 0', String(minDelta));
  }
}

function expectSchedule(schedule: unknown, optimizer: Optimizer, every: 'epoch' | 'batch'): void {
  const s = schedule as Partial<LrScheduler> | null;
  if (typeof s !== 'object' || s === null || typeof s.step !== 'function')
    throw new ValueError(
      'schedule',
      'a learning-rate schedule (StepLR, ReduceLROnPlateau, …)',
      describeValue(schedule),
    );
  if (s.optimizer !== optimizer)
    throw new ValueError('schedule', "a schedule over this trainer's optimizer", 'one over another optimizer');
  if (every === 'batch' && s instanceof ReduceLROnPlateau) {
    throw new ValueError(
      'scheduleEvery',
      "'epoch' for ReduceLROnPlateau (it watches the epoch's validation or training loss)",
      "'batch'",
    );
  }
}

export async function fit(
  trainer: FitTrainer,
  x: HostData,
  targets: HostData,
  options: FitOptions,
  self: Operation,
): Promise<FitHistory> {
  checkFitOptions(options, trainer.optimizer);
  const { ctx, model } = trainer;
  const { samples, lengths, trainIdx, validation, startsSequence, monitor } = fitData(trainer, x, targets, options);
  const rng = new Rng(options.seed ?? 0);
  const order = [...trainIdx];
  const plan = epochPlan(order.length, options.batchSize, samples.T, options.tbptt?.chunk);
  const trainBatcher = new Batcher(ctx, samples, trainer.loss, lengths);
  const valBatcher =
    validation && validation.samples !== samples
      ? new Batcher(ctx, validation.samples, trainer.loss, validation.lengths)
      : trainBatcher;
  const early = options.earlyStopping;
  const stopper = early ? new EarlyStopper(ctx, model.params.values, early) : null;
  const history: FitHistory = {
    epochLosses: [],
    valLosses: [],
    valAccuracies: [],
    lrs: [],
    stoppedBy: null,
    bestEpoch: null,
  };
  let step = 0;
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
  };
  // fit trains in training mode (dropout on) and gives the model back in the mode it came in.
  const wasTraining = model.training;
  model.train();
  try {
    for (let epoch = 0; epoch < options.epochs && !history.stoppedBy; epoch++) {
      const t0 = now();
      if (options.shuffle ?? true) shuffle(order, rng);
      const terms = { sum: 0, weight: 0 };
      let states: RecurrentState[] | null = null; // carried from chunk to chunk of a batch (tbptt)
      for (const [b, { start, B, window }] of plan.entries()) {
        const { x: xb, target, hostTarget, lengths: lens } = trainBatcher.load(order, start, B, window);
        const weight = lossWeight(
          trainer,
          B * (samples.T > 0 ? window.steps / samples.T : 1),
          hostTarget,
          lens && samples.perStep ? { lengths: lens.host, batchFirst: model.batchFirst } : null,
        );
        const lr = trainer.optimizer.lr;
        const s0 = now();
        let result: StepResult;
        if (startsSequence) {
          const resetRows = range(0, B).filter((r) => startsSequence(order[start + r], window.t0));
          ({ states, ...result } = await ownStep(model, () =>
            trainer.step(xb, target!, { states: window.t0 === 0 ? null : states, resetRows }),
          ));
        } else {
          result = await ownStep(model, () => trainer.step(xb, target!, lens ? { lengths: lens } : {}));
        }
        addTerm(terms, result.loss, weight);
        const event = { ...result, epoch, step: step++, batch: b, batches: plan.length, lr, ms: now() - s0, stop };
        await callBack(trainer, self, options.onStep, event);
        if (options.schedule && options.scheduleEvery === 'batch') options.schedule.step(result.loss);
        if (stopRequested) break;
      }
      if (stopRequested) {
        history.stoppedBy = 'callback';
        break;
      }
      const meanLoss = meanOf(trainer, terms, order.length, lengths !== null && samples.perStep);
      const val = validation
        ? await evaluateIndices(trainer, valBatcher, validation.idx, options.validationBatchSize ?? options.batchSize)
        : null;
      history.epochLosses.push(meanLoss);
      if (val) history.valLosses.push(val.loss);
      if (val?.accuracy !== undefined) history.valAccuracies.push(val.accuracy);
      history.lrs.push(trainer.optimizer.lr);
      const watched = monitor === 'valLoss' ? val!.loss : meanLoss;
      if (stopper?.observe(epoch, watched)) history.stoppedBy = 'earlyStopping';
      history.bestEpoch = stopper?.bestEpoch ?? null;
      const event = {
        epoch,
        meanLoss,
        valLoss: val?.loss,
        valAccuracy: val?.accuracy,
        lr: trainer.optimizer.lr,
        ms: now() - t0,
        stop,
      };
      await callBack(trainer, self, options.onEpoch, event);
      if (stopRequested) history.stoppedBy ??= 'callback';
      if (options.schedule && options.scheduleEvery !== 'batch') options.schedule.step(watched);
    }
    stopper?.restore(history.epochLosses.length - 1);
  } finally {
    model.train(wasTraining);
    trainBatcher.release();
    valBatcher.release();
    stopper?.release();
  }
  await callBack(trainer, self, options.onTrainEnd, history);
  return history;
}

/**
 * Early stopping's bookkeeping (Keras semantics): the best monitored value, the epochs since it, and with
 * restoreBestWeights a device copy of its weights, put back at the end.
 */
export class EarlyStopper {
  bestEpoch: number | null = null;
  private best = Infinity;
  private sinceBest = 0;
  private readonly bestWeights: Tensor | null;

  constructor(
    private readonly ctx: Backend,
    private readonly values: Tensor,
    private readonly options: EarlyStopping,
  ) {
    this.bestWeights = options.restoreBestWeights ? ctx.empty(values.shape) : null;
  }

  /** Records an epoch's monitored value; true when training should stop. */
  observe(epoch: number, watched: number): boolean {
    if (watched < this.best - (this.options.minDelta ?? 0)) {
      [this.best, this.sinceBest, this.bestEpoch] = [watched, 0, epoch];
      if (this.bestWeights) this.ctx.copy(this.values, this.bestWeights, 0);
      return false;
    }
    return ++this.sinceBest >= this.options.patience;
  }

  /** Puts the best epoch's weights back (with restoreBestWeights) unless the last epoch run was the best. */
  restore(lastEpoch: number): void {
    if (this.bestWeights && this.bestEpoch !== null && this.bestEpoch !== lastEpoch)
      this.ctx.copy(this.bestWeights, this.values, 0);
  }

  release(): void {
    this.bestWeights?.release();
  }
}

/** Awaits a fit callback (when given) with its event and FitCallbackTools valid during this call. */
async function callBack<E extends object>(
  trainer: FitTrainer,
  self: Operation,
  callback: ((e: E & FitCallbackTools) => void | Promise<void>) | undefined,
  event: E,
): Promise<void> {
  if (!callback) return;
  const scope = callbackScope(self);
  await duringCallback(scope, () => callback({ ...event, ...callbackTools(trainer, scope) }));
}

/** evaluate, predict and generate as guests of one call of a fit callback. */
function callbackTools(trainer: FitTrainer, scope: CallbackScope): FitCallbackTools {
  const { model } = trainer;
  return {
    evaluate: (x, targets, options) =>
      guest(model, scope, 'evaluate', async () => {
        if (options !== undefined) expectObject('options', options);
        return evaluate(trainer, x, targets, options);
      }),
    predict: (x, options) =>
      guest(model, scope, 'predict', async () => {
        if (options !== undefined) expectObject('options', options);
        return predict(trainer, x, options);
      }),
    generate: (options) => guest(model, scope, 'generate', async () => generate(model, options)),
  };
}

/** The training data, its lengths, the validation set and the monitored loss of a fit, all checked before anything is uploaded. */
function fitData(trainer: FitTrainer, x: HostData, targets: HostData, options: FitOptions) {
  const check = { timeMajor: options.timeMajor, checkFinite: options.checkFinite, ignoreIndex: ignoreIndexOf(trainer) };
  const samples = describeSamples(trainer.model, trainer.loss, x, targets, check);
  const lengths = sampleLengths(trainer.model, 'lengths', samples, options.lengths);
  let trainIdx = range(0, samples.N);
  let validation: { samples: Samples; idx: number[]; lengths: SampleLengths | null } | null = null;
  if (options.validationData) {
    const v = options.validationData;
    const valSamples = describeSamples(trainer.model, trainer.loss, v.x, v.targets, check, {
      x: 'validationData.x',
      targets: 'validationData.targets',
    });
    if ((v.lengths === undefined) !== (lengths === null)) {
      throw new ValueError(
        'validationData.lengths',
        lengths ? 'lengths for the validation samples (training has lengths)' : 'none (training has no lengths)',
        v.lengths === undefined ? 'none' : 'lengths',
      );
    }
    validation = {
      samples: valSamples,
      idx: range(0, valSamples.N),
      lengths: sampleLengths(trainer.model, 'validationData.lengths', valSamples, v.lengths),
    };
  } else if (options.validationSplit) {
    const split = Math.floor(samples.N * (1 - options.validationSplit));
    if (split < 1 || split >= samples.N)
      throw new ValueError(
        'validationSplit',
        `a fraction leaving at least one training and one validation sample of ${samples.N}`,
        String(options.validationSplit),
      );
    trainIdx = range(0, split);
    validation = { samples, idx: range(split, samples.N), lengths };
  }
  if (lengths && options.tbptt)
    throw new ValueError(
      'lengths',
      'no lengths with tbptt (chunks of variable-length sequences are not supported)',
      'lengths',
    );
  const startsSequence = options.tbptt ? checkTbptt(trainer, samples, options.tbptt) : null;
  const monitor = options.monitor ?? (validation ? 'valLoss' : 'loss');

  return { samples, lengths, trainIdx, validation, startsSequence, monitor };
}

/** One training step of an epoch: rows order[start .. start+B), the steps in window (all but with tbptt). */
interface PlannedStep {
  start: number;
  B: number;
  window: StepWindow;
}

/** An epoch's steps: batches of batchSize rows, each whole or (chunk) chunk by chunk in time order. */
function epochPlan(rows: number, batchSize: number, T: number, chunk: number | undefined): PlannedStep[] {
  const plan: PlannedStep[] = [];
  const k = chunk ?? Math.max(T, 1);
  for (let start = 0; start < rows; start += batchSize) {
    const B = Math.min(batchSize, rows - start);
    for (let t0 = 0; t0 < Math.max(T, 1); t0 += k)
      plan.push({ start, B, window: { t0, steps: Math.min(k, Math.max(T, 1) - t0) } });
  }
  return plan;
}

/** Refuses truncated BPTT where it has no meaning; returns the sequence starts (none without tbptt.starts). */
function checkTbptt(trainer: FitTrainer, samples: Samples, tbptt: Tbptt): (n: number, t: number) => boolean {
  if (samples.T === 0)
    throw new ValueError(
      'tbptt',
      'a model with a recurrent layer (sequences to cut into chunks)',
      'a model without one',
    );
  if (!samples.perStep)
    throw new ValueError(
      'tbptt',
      'a model with outputs per step (no LastStep): every chunk needs its targets',
      'outputs per sequence',
    );
  const feature = samples.ids ? [] : [samples.inF];
  let input = samples.modelTimeMajor ? [samples.T, 1, ...feature] : [1, samples.T, ...feature];
  for (const layer of trainer.model.layers) {
    if (layer.stateSpec?.(input).bidirectional) {
      throw new ValueError(
        'tbptt',
        'unidirectional recurrent layers (a backward-in-time direction cannot carry its state to the next chunk)',
        `a bidirectional ${layer.constructor.name}`,
      );
    }
    input = layer.outputShape(input);
  }
  return tbptt.starts === undefined ? () => false : describeStarts(samples, tbptt.starts, tbptt.chunk);
}

/** Per-sample lengths checked against the samples (sequences of T steps), or null without: where lengths enter fit, evaluate and predict. */
function sampleLengths(
  model: Sequential,
  argument: string,
  samples: Samples,
  lengths: SequenceLengths | undefined,
): SampleLengths | null {
  refuseLengthsWithoutRecurrent(argument, lengths, model);
  if (lengths === undefined) return null;
  return new SampleLengths(argument, lengths, samples.N, samples.T);
}

/** crossEntropy's ignoreIndex (undefined for every other loss). */
function ignoreIndexOf(trainer: FitTrainer): number | undefined {
  return trainer.lossConfig.name === 'crossEntropy' ? trainer.lossConfig.ignoreIndex : undefined;
}

/** A batch's row lengths when its loss is per step (only valid steps count), with the targets' layout. */
interface ValidSteps {
  lengths: ArrayLike<number>;
  batchFirst: boolean;
}

/** Whether row i of a batch's per-step rows ([T·B] time-major, [B·T] batch-first) is within its sequence's length. */
function withinLength(i: number, B: number, T: number, valid: ValidSteps): boolean {
  const [t, b] = valid.batchFirst ? [i % T, Math.floor(i / T)] : [Math.floor(i / B), i % B];
  return t < valid.lengths[b];
}

/**
 * Loss weight of a batch in an epoch's mean: what its 'mean' loss was divided by, up to a constant — its
 * size in samples (a chunk: its share of them), its valid steps with lengths, and with ignoreIndex its
 * targets not ignored (on valid steps); 1 for 'sum'.
 */
function lossWeight(
  trainer: FitTrainer,
  B: number,
  targets: ArrayLike<number> | null,
  valid: ValidSteps | null = null,
): number {
  if (trainer.reduction === 'sum') return 1;
  const ignore = ignoreIndexOf(trainer);
  if (ignore === undefined || !targets) return valid ? Array.from(valid.lengths).reduce((a, b) => a + b, 0) : B;
  const T = targets.length / B; // class targets: one per (step, row)
  let kept = 0;
  for (let i = 0; i < targets.length; i++)
    if (targets[i] !== ignore && (!valid || withinLength(i, B, T, valid))) kept++;
  return kept;
}

/** Adds a batch's loss; a batch whose targets were all ignored (weight 0, NaN loss as torch) adds nothing. */
function addTerm(terms: { sum: number; weight: number }, loss: number, weight: number): void {
  if (weight === 0) return;
  terms.sum += loss * weight;
  terms.weight += weight;
}

/** The mean of an epoch's (or an evaluation's) batch losses: per valid step or target kept when the weights count them ('mean'), else per sample. */
function meanOf(
  trainer: FitTrainer,
  terms: { sum: number; weight: number },
  samples: number,
  countsSteps: boolean,
): number {
  return trainer.reduction === 'mean' && (countsSteps || ignoreIndexOf(trainer) !== undefined)
    ? terms.sum / terms.weight
    : terms.sum / samples;
}

export async function evaluate(
  trainer: FitTrainer,
  x: HostData,
  targets: HostData,
  options: EvaluateOptions = {},
): Promise<EvaluateResult> {
  checkOptions('options', options, EVALUATE_OPTIONS);
  const samples = describeSamples(trainer.model, trainer.loss, x, targets, {
    timeMajor: options.timeMajor,
    ignoreIndex: ignoreIndexOf(trainer),
  });
  if (options.batchSize !== undefined) expectPositiveInt('batchSize', options.batchSize);
  const lengths = sampleLengths(trainer.model, 'lengths', samples, options.lengths);
  const batcher = new Batcher(trainer.ctx, samples, trainer.loss, lengths);
  try {
    return await evaluateIndices(trainer, batcher, range(0, samples.N), options.batchSize ?? samples.N);
  } finally {
    batcher.release();
  }
}

/** Forward and loss only, batch by batch: one readback per batch (loss, and logits + classes for accuracy; with lengths the valid steps only). */
async function evaluateIndices(
  trainer: FitTrainer,
  batcher: Batcher,
  idx: readonly number[],
  batchSize: number,
): Promise<EvaluateResult> {
  const classes = trainer.loss === 'crossEntropy';
  const ignore = ignoreIndexOf(trainer);
  const terms = { sum: 0, weight: 0 };
  let correct = 0;
  let rows = 0;
  for (let start = 0; start < idx.length; start += batchSize) {
    const B = Math.min(batchSize, idx.length - start);
    const { x, target, hostTarget, lengths: lens } = batcher.load(idx, start, B);
    const y = trainer.model.inMode(false, () => trainer.model.forward(x, lens ? { lengths: lens } : {}));
    const { loss, grad } = trainer.lossOf(y, target!, lens);
    try {
      const [l, logits, truth] = await trainer.ctx.readMany(classes ? [loss, y, target!] : [loss]);
      const valid =
        lens && batcher.samples.perStep ? { lengths: lens.host, batchFirst: trainer.model.batchFirst } : null;
      addTerm(terms, l[0], lossWeight(trainer, B, hostTarget, valid));
      if (classes) {
        const C = y.shape.at(-1)!;
        // Rows [T·B] (time-major) or [B·T] (batch-first) of per-step outputs; with lengths only the valid ones count.
        for (let r = 0; r < truth.length; r++) {
          if (truth[r] === ignore) continue; // ignored targets count for neither loss nor accuracy
          if (valid && !withinLength(r, B, truth.length / B, valid)) continue;
          correct += argmax(logits, r * C, C) === truth[r] ? 1 : 0;
          rows++;
        }
      }
    } finally {
      loss.release();
      grad.release();
    }
  }
  const lossMean = meanOf(trainer, terms, idx.length, batcher.lengths !== null && batcher.samples.perStep);
  return classes ? { loss: lossMean, accuracy: correct / rows } : { loss: lossMean };
}

function argmax(a: Float64Array, offset: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (a[offset + c] > a[offset + best]) best = c;
  return best;
}

/** Outputs for host inputs, in the host layout: [N, O] per row or sequence, [N, T, O] per step (time-major [T, N, O] with timeMajor). */
export async function predict(trainer: FitTrainer, x: HostData, options: EvaluateOptions = {}): Promise<Float64Array> {
  checkOptions('options', options, EVALUATE_OPTIONS);
  const samples = describeSamples(trainer.model, trainer.loss, x, NO_TARGETS, { timeMajor: options.timeMajor });
  const batchSize = options.batchSize ?? samples.N;
  expectPositiveInt('batchSize', batchSize);
  const lengths = sampleLengths(trainer.model, 'lengths', samples, options.lengths);
  const result = new Float64Array(samples.N * (samples.perStep ? samples.T : 1) * samples.outF);
  const batcher = new Batcher(trainer.ctx, samples, trainer.loss, lengths);
  const idx = range(0, samples.N);
  try {
    for (let start = 0; start < samples.N; start += batchSize) {
      const B = Math.min(batchSize, samples.N - start);
      const y = trainer.model.inMode(false, () => {
        const batch = batcher.load(idx, start, B);
        return trainer.model.forward(batch.x, batch.lengths ? { lengths: batch.lengths } : {});
      });
      const hostLayout =
        samples.perStep && samples.timeMajor !== samples.modelTimeMajor ? trainer.ctx.transpose01(y) : y;
      try {
        scatterOutputs(result, await trainer.ctx.read(hostLayout), samples, idx, start, B);
      } finally {
        if (hostLayout !== y) hostLayout.release();
      }
    }
  } finally {
    batcher.release();
  }
  return result;
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
