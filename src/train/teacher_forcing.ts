// Teacher-forced training of an encoder–decoder (a TeacherForcedModel such as Seq2Seq) on (source, target)
// pairs: mini-batches, global gradient-norm clipping and the explosion guard (as Trainer.step), schedules,
// validation and early stopping (as fit). One submit and one readback per step.
import type { Backend } from '../ops/index.js';
import { callbackScope, duringCallback, exclusive, guest, type CallbackScope, type Operation } from '../core/busy.js';
import { checkOptions, expectObject, optionNames } from '../core/checks.js';
import { ValueError, describeValue } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Tensor } from '../core/tensor.js';
import type { ParamSet } from '../nn/params.js';
import type { BeamSearchResult } from '../nn/beam.js';
import type { Seq2SeqBatch, Seq2SeqDecodeOptions } from '../nn/seq2seq.js';
import { expectOptimizer, type Optimizer } from './optim.js';
import type { StepResult } from './step.js';
import {
  EarlyStopper,
  checkTrainingOptions,
  type EpochProgress,
  type FitHistory,
  type StepProgress,
  type TrainingOptions,
} from './fit.js';
import type { ReadStateDict, StateEntry } from '../core/state.js';

/**
 * What teacher-forced training needs of a model: its parameters, a checked teacher-forced forward giving
 * logits [(T_tgt − 1)·B, V] with their labels (−1 where a step predicts nothing), and its backward
 * from dL/dlogits. Seq2Seq implements it.
 */
export interface TeacherForcedModel {
  readonly ctx: Backend;
  readonly params: ParamSet;
  /** Every argument of a batch, before any work (typed errors naming it). */
  checkBatch(batch: Seq2SeqBatch): unknown;
  /** options.samplingProbability: scheduled sampling (see Seq2Seq's ForwardOptions). */
  forward(batch: Seq2SeqBatch, options?: { samplingProbability?: number }): { logits: Tensor; labels: Tensor };
  backward(dLogits: Tensor): void;
  zeroGrad(): void;
  stateDict(): Promise<ReadStateDict>;
  /** @internal The dropout sites' next steps (Trainer.stateDict's `dropout.` part). */
  dropoutStateDict(): ReadStateDict;
  /** @internal Entries loading what dropoutStateDict() gave. */
  dropoutStateEntries(): Map<string, StateEntry>;
  /** @internal Decoding without taking the model (a fit callback's e.decode, which holds the running fit); Seq2Seq has it. */
  decodeHeld?(
    source: ArrayLike<number>,
    sourceLengths: ArrayLike<number>,
    options: Seq2SeqDecodeOptions,
  ): Promise<BeamSearchResult>;
}

/** Whether a value has a TeacherForcedModel's methods (Trainer tells it from a Sequential by this). */
export function isTeacherForcedModel(m: unknown): m is TeacherForcedModel {
  const o = m as Partial<TeacherForcedModel> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.checkBatch === 'function' &&
    typeof o.forward === 'function' &&
    typeof o.backward === 'function' &&
    typeof o.zeroGrad === 'function' &&
    typeof o.params === 'object'
  );
}

/** Pairs as padded rows: N sources [T_src] and targets [T_tgt] (start token first) with their lengths. */
export interface Seq2SeqData {
  source: readonly ArrayLike<number>[];
  sourceLengths: ArrayLike<number>;
  target: readonly ArrayLike<number>[];
  targetLengths: ArrayLike<number>;
}

/**
 * The model, from inside a fitTeacherForced callback (as FitCallbackTools for a Sequential): fit keeps the
 * model while its callbacks run, so a direct evaluate or decode there is refused (ModelBusyError); these run
 * on the model being trained while the callback that got them runs (await them there). The weights are not
 * touched.
 */
export interface TeacherForcedCallbackTools {
  /** evaluateTeacherForced on the model being trained. */
  evaluate(data: Seq2SeqData, options?: { batchSize?: number }): Promise<{ loss: number; accuracy: number }>;
  /** Seq2Seq.decode on the model being trained (a ValueError for a model without decode). */
  decode(
    source: ArrayLike<number>,
    sourceLengths: ArrayLike<number>,
    options: Seq2SeqDecodeOptions,
  ): Promise<BeamSearchResult>;
}

/** A fitTeacherForced step: its result and progress (mean cross-entropy per predicted target token). */
export interface TeacherForcedStepEvent extends StepResult, TeacherForcedCallbackTools, StepProgress {}

/** A fitTeacherForced epoch: its mean loss and, with validation, the teacher-forced loss and token accuracy. */
export interface TeacherForcedEpochEvent extends TeacherForcedCallbackTools, EpochProgress {}

/**
 * Trainer.fit's options (see FitOptions) where they apply to pairs — epochs, batchSize, shuffle, seed,
 * validationData (pairs) or validationSplit, validationBatchSize, schedule and scheduleEvery, monitor,
 * earlyStopping, onStep, onEpoch, onTrainEnd — plus clip and scheduled sampling.
 */
export interface TeacherForcedFitOptions extends Omit<
  TrainingOptions,
  'validationData' | 'onStep' | 'onEpoch' | 'onTrainEnd'
> {
  /** Global gradient-norm clipping (clip_grad_norm_ semantics). */
  clip?: { maxNorm: number; normType?: 2 | 'inf' };
  /** Held-out pairs evaluated (teacher-forced loss and token accuracy) after every epoch. */
  validationData?: Seq2SeqData;
  /**
   * Scheduled sampling: the probability, per epoch (a number, or a function of the epoch from 0), of
   * feeding a row the model's own previous greedy token instead of the target's. Default 0.
   */
  samplingProbability?: number | ((epoch: number) => number);
  /** Awaited in order, as Trainer.fit's. */
  onStep?: (e: TeacherForcedStepEvent) => void | Promise<void>;
  onEpoch?: (e: TeacherForcedEpochEvent) => void | Promise<void>;
  onTrainEnd?: (h: TeacherForcedHistory & TeacherForcedCallbackTools) => void | Promise<void>;
}

/** What fitTeacherForced returns: Trainer.fit's history (valAccuracies: token accuracy on the validation targets). */
export type TeacherForcedHistory = FitHistory;

const FIT_OPTIONS = optionNames<TeacherForcedFitOptions>({
  epochs: true,
  batchSize: true,
  shuffle: true,
  seed: true,
  clip: true,
  validationData: true,
  validationSplit: true,
  validationBatchSize: true,
  schedule: true,
  scheduleEvery: true,
  monitor: true,
  earlyStopping: true,
  samplingProbability: true,
  onStep: true,
  onEpoch: true,
  onTrainEnd: true,
});
const IGNORE = -1;

const isIdRow = (r: unknown) => Array.isArray(r) || (ArrayBuffer.isView(r) && !(r instanceof DataView));

/** Checks pairs (equal counts, rows of one length each side) and returns N, T_src and T_tgt. */
function checkData(argument: string, d: Seq2SeqData): { N: number; S: number; T: number } {
  expectObject(argument, d, '{ source, sourceLengths, target, targetLengths }');
  checkOptions(argument, d, ['source', 'sourceLengths', 'target', 'targetLengths']);
  if (!Array.isArray(d.source) || d.source.length === 0)
    throw new ValueError(`${argument}.source`, 'a non-empty array of id rows', describeValue(d.source));
  // Rows, one array per pair: a flat (time-major) array of ids is a Seq2SeqBatch, not pairs.
  for (const k of ['source', 'target'] as const) {
    const row = Array.isArray(d[k]) ? d[k].findIndex((r) => !isIdRow(r)) : -1;
    if (row >= 0)
      throw new ValueError(
        `${argument}.${k}[${row}]`,
        'a row of ids (pairs are one array of ids per pair; a flat time-major array is a Seq2SeqBatch, for step())',
        describeValue(d[k][row]),
      );
  }
  const N = d.source.length;
  if (!Array.isArray(d.target) || d.target.length !== N)
    throw new ValueError(`${argument}.target`, `${N} id rows (as source)`, describeValue(d.target));
  for (const k of ['sourceLengths', 'targetLengths'] as const)
    if (!d[k] || d[k].length !== N) throw new ValueError(`${argument}.${k}`, `${N} lengths`, describeValue(d[k]));
  const S = d.source[0].length;
  const T = d.target[0].length;
  d.source.forEach((r, i) => {
    if (r.length !== S) throw new ValueError(`${argument}.source[${i}]`, `${S} ids (rows padded alike)`, `${r.length}`);
  });
  d.target.forEach((r, i) => {
    if (r.length !== T) throw new ValueError(`${argument}.target[${i}]`, `${T} ids (rows padded alike)`, `${r.length}`);
  });
  return { N, S, T };
}

/** Rows idx of the pairs as a time-major batch. */
function batchOf(d: Seq2SeqData, idx: readonly number[], S: number, T: number): Seq2SeqBatch {
  const B = idx.length;
  const source = new Float64Array(S * B);
  const target = new Float64Array(T * B);
  idx.forEach((n, b) => {
    for (let s = 0; s < S; s++) source[s * B + b] = d.source[n][s];
    for (let t = 0; t < T; t++) target[t * B + b] = d.target[n][t];
  });
  return {
    source,
    sourceLengths: idx.map((n) => d.sourceLengths[n]),
    target,
    targetLengths: idx.map((n) => d.targetLengths[n]),
  };
}

/** Rows [from, to) of pairs as batches of `size`. */
function batchesOf(d: Seq2SeqData, idx: readonly number[], size: number, S: number, T: number): Seq2SeqBatch[] {
  const out: Seq2SeqBatch[] = [];
  for (let i = 0; i < idx.length; i += size) out.push(batchOf(d, idx.slice(i, i + size), S, T));
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

/**
 * Mean loss and token accuracy of a model on pairs, teacher-forced, forward only: the weights are not
 * touched. Every batch is checked before any is run; refused (ModelBusyError) while the model trains.
 */
export async function evaluateTeacherForced(
  model: TeacherForcedModel,
  data: Seq2SeqData,
  options: { batchSize?: number } = {},
): Promise<{ loss: number; accuracy: number }> {
  return exclusive(model, 'evaluate', () => evaluateHeld(model, data, options));
}

async function evaluateHeld(
  model: TeacherForcedModel,
  data: Seq2SeqData,
  options: { batchSize?: number } = {},
  argument = 'data',
): Promise<{ loss: number; accuracy: number }> {
  const { N, S, T } = checkData(argument, data);
  expectObject('options', options, '{ batchSize? }');
  checkOptions('options', options, ['batchSize']);
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1))
    throw new ValueError('batchSize', 'a positive integer', describeValue(options.batchSize));
  const idx = range(0, N);
  checkPairs(model, argument, data, idx, S, T);
  return evaluateRows(model, data, idx, options.batchSize ?? N, S, T);
}

/**
 * The model's checks of ids and lengths on pairs `idx` of `data` (all at once, before any work), its errors
 * naming the pair and step as given: `data.source[31][4]`, `data.targetLengths[20]`.
 */
function checkPairs(
  model: TeacherForcedModel,
  argument: string,
  data: Seq2SeqData,
  idx: readonly number[],
  S: number,
  T: number,
): void {
  try {
    model.checkBatch(batchOf(data, idx, S, T));
  } catch (e) {
    const at =
      e instanceof ValueError ? /^(source|target|sourceLengths|targetLengths)\[(\d+)\]$/.exec(e.argument) : null;
    if (!at) throw e;
    const i = Number(at[2]);
    const B = idx.length;
    const where = at[1].endsWith('Lengths')
      ? `${argument}.${at[1]}[${idx[i]}]`
      : `${argument}.${at[1]}[${idx[i % B]}][${Math.floor(i / B)}]`; // the batch is time-major: element t·B + b
    const error = e as ValueError;
    throw new (error.constructor as typeof ValueError)(where, error.expected, error.actual);
  }
}

async function evaluateRows(
  model: TeacherForcedModel,
  data: Seq2SeqData,
  idx: readonly number[],
  size: number,
  S: number,
  T: number,
): Promise<{ loss: number; accuracy: number }> {
  const batches = batchesOf(data, idx, size, S, T);
  let [lossSum, count, correct] = [0, 0, 0];
  for (const b of batches) {
    const { logits, labels } = model.forward(b);
    const { loss, grad } = model.ctx.crossEntropy(logits, labels, 'sum', { ignoreIndex: IGNORE });
    const [l, z, y] = await model.ctx.readMany([loss, logits, labels]);
    loss.release();
    grad.release();
    const V = logits.shape[1];
    for (let r = 0; r < y.length; r++) {
      if (y[r] === IGNORE) continue;
      let best = 0;
      for (let v = 1; v < V; v++) if (z[r * V + v] > z[r * V + best]) best = v;
      if (best === y[r]) correct++;
      count++;
    }
    lossSum += l[0];
  }
  return { loss: lossSum / count, accuracy: correct / count };
}

/** evaluate and decode as guests of one call of a fit callback. */
function callbackTools(model: TeacherForcedModel, scope: CallbackScope): TeacherForcedCallbackTools {
  return {
    evaluate: (data, options) => guest(model, scope, 'evaluate', () => evaluateHeld(model, data, options)),
    decode: (source, sourceLengths, options) =>
      guest(model, scope, 'decode', async () => {
        if (!model.decodeHeld) throw new ValueError('e.decode', 'a model with decode (Seq2Seq)', 'a model without');
        return model.decodeHeld(source, sourceLengths, options);
      }),
  };
}

/** Awaits a fit callback (when given) with its event and the tools valid during this call. */
async function callBack<E extends object>(
  model: TeacherForcedModel,
  self: Operation,
  callback: ((e: E & TeacherForcedCallbackTools) => void | Promise<void>) | undefined,
  event: E,
): Promise<void> {
  if (!callback) return;
  const scope = callbackScope(self);
  await duringCallback(scope, () => callback({ ...event, ...callbackTools(model, scope) }));
}

const now = () => performance.now();

/**
 * Teacher-forced training: each step zeroes the gradients, runs the model's forward on a batch of pairs,
 * the mean cross-entropy over the target steps that predict a token (padding ignored), the backward, the
 * global gradient norm (clipped with `clip`; the update skipped when the loss or norm is not finite) and
 * the optimizer. Validation, schedules, early stopping and callbacks as Trainer.fit. All data and options
 * are checked before anything runs; the model is taken for the call (ModelBusyError for another operation).
 */
export async function fitTeacherForced(
  model: TeacherForcedModel,
  optimizer: Optimizer,
  data: Seq2SeqData,
  options: TeacherForcedFitOptions,
): Promise<TeacherForcedHistory> {
  expectOptimizer('optimizer', optimizer);
  if (optimizer.params !== model.params)
    throw new ValueError('optimizer', "an optimizer over this model's params", 'another ParamSet');
  expectObject('options', options, '{ epochs, batchSize, … }');
  checkOptions('options', options, FIT_OPTIONS);
  checkTrainingOptions(options, optimizer);
  const clip = options.clip;
  if (clip !== undefined) {
    checkOptions('clip', clip, ['maxNorm', 'normType']);
    if (!(clip.maxNorm > 0)) throw new ValueError('clip.maxNorm', 'a positive number', describeValue(clip.maxNorm));
    if (clip.normType !== undefined && clip.normType !== 2 && clip.normType !== 'inf')
      throw new ValueError('clip.normType', "2 or 'inf'", describeValue(clip.normType));
  }
  if (typeof options.samplingProbability !== 'function') samplingAt(options.samplingProbability, 0);
  const { N, S, T } = checkData('data', data);
  let trainIdx = range(0, N);
  let validation: { data: Seq2SeqData; idx: number[]; S: number; T: number } | null = null;
  if (options.validationData) {
    const v = checkData('validationData', options.validationData);
    validation = { data: options.validationData, idx: range(0, v.N), S: v.S, T: v.T };
  } else if (options.validationSplit) {
    // The last pairs, before shuffling, as Keras.
    const split = Math.floor(N * (1 - options.validationSplit));
    if (split < 1 || split >= N)
      throw new ValueError(
        'validationSplit',
        `a fraction leaving at least one training and one validation pair of ${N}`,
        String(options.validationSplit),
      );
    trainIdx = range(0, split);
    validation = { data, idx: range(split, N), S, T };
  }
  // Every pair's ids and lengths are checked before the first step.
  checkPairs(model, 'data', data, trainIdx, S, T);
  if (validation)
    checkPairs(
      model,
      options.validationData ? 'validationData' : 'data',
      validation.data,
      validation.idx,
      validation.S,
      validation.T,
    );
  const valBatchSize = options.validationBatchSize ?? options.batchSize;
  const monitor = options.monitor ?? (validation ? 'valLoss' : 'loss');
  return exclusive(
    model,
    'fit',
    (self) => trainPairs(model, optimizer, data, options, { trainIdx, S, T, validation, valBatchSize, monitor }, self),
    ['evaluate', 'decode'] satisfies Array<keyof TeacherForcedCallbackTools>,
  );
}

async function trainPairs(
  model: TeacherForcedModel,
  optimizer: Optimizer,
  data: Seq2SeqData,
  options: TeacherForcedFitOptions,
  plan: {
    trainIdx: number[];
    S: number;
    T: number;
    validation: { data: Seq2SeqData; idx: number[]; S: number; T: number } | null;
    valBatchSize: number;
    monitor: 'loss' | 'valLoss';
  },
  self: Operation,
): Promise<TeacherForcedHistory> {
  const { trainIdx, S, T, validation, monitor } = plan;
  const ctx = model.ctx;
  const early = options.earlyStopping;
  const rng = new Rng(options.seed ?? 0);
  const order = [...trainIdx];
  const batches = Math.ceil(order.length / options.batchSize);
  const history: TeacherForcedHistory = {
    epochLosses: [],
    valLosses: [],
    valAccuracies: [],
    lrs: [],
    stoppedBy: null,
    bestEpoch: null,
  };
  const stopper = early ? new EarlyStopper(ctx, model.params.values, early) : null;
  let [step, stopRequested] = [0, false];
  const stop = () => {
    stopRequested = true;
  };
  try {
    for (let epoch = 0; epoch < options.epochs && !history.stoppedBy; epoch++) {
      const t0 = now();
      if (options.shuffle ?? true)
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
      let [sum, weight] = [0, 0];
      const sampling = samplingAt(options.samplingProbability, epoch);
      for (let k = 0; k < batches; k++) {
        const batch = batchOf(data, order.slice(k * options.batchSize, (k + 1) * options.batchSize), S, T);
        const lr = optimizer.lr;
        const s0 = now();
        const result = await teacherForcedStep(model, optimizer, batch, options.clip, sampling);
        const predicted = labelCount(batch);
        if (!result.skipped) [sum, weight] = [sum + result.loss * predicted, weight + predicted];
        const event = { ...result, epoch, step: step++, batch: k, batches, lr, ms: now() - s0, stop };
        await callBack(model, self, options.onStep, event);
        if (options.schedule && options.scheduleEvery === 'batch') options.schedule.step(result.loss);
        if (stopRequested) break;
      }
      if (stopRequested) {
        history.stoppedBy = 'callback';
        break;
      }
      const meanLoss = sum / weight;
      const v = validation
        ? await evaluateRows(model, validation.data, validation.idx, plan.valBatchSize, validation.S, validation.T)
        : null;
      history.epochLosses.push(meanLoss);
      if (v) {
        history.valLosses.push(v.loss);
        history.valAccuracies.push(v.accuracy);
      }
      history.lrs.push(optimizer.lr);
      const watched = monitor === 'valLoss' ? v!.loss : meanLoss;
      if (stopper?.observe(epoch, watched)) history.stoppedBy = 'earlyStopping';
      history.bestEpoch = stopper?.bestEpoch ?? null;
      const event = {
        epoch,
        meanLoss,
        valLoss: v?.loss,
        valAccuracy: v?.accuracy,
        lr: optimizer.lr,
        ms: now() - t0,
        stop,
      };
      await callBack(model, self, options.onEpoch, event);
      if (stopRequested) history.stoppedBy ??= 'callback';
      if (options.schedule && options.scheduleEvery !== 'batch') options.schedule.step(watched);
    }
    stopper?.restore(history.epochLosses.length - 1);
  } finally {
    stopper?.release();
  }
  await callBack(model, self, options.onTrainEnd, history);
  return history;
}

/**
 * One teacher-forced training step on a batch (checked first): zeroGrad, forward, the mean cross-entropy over
 * the target steps that predict a token, backward, the global gradient norm (clipped with `clip`, the
 * update skipped when the loss or the norm is not finite) and the optimizer; one readback.
 */
export async function teacherForcedStep(
  model: TeacherForcedModel,
  optimizer: Optimizer,
  batch: Seq2SeqBatch,
  clip?: { maxNorm: number; normType?: 2 | 'inf' },
  samplingProbability = 0,
): Promise<StepResult> {
  model.checkBatch(batch);
  const ctx = model.ctx;
  model.zeroGrad();
  const { logits, labels } = model.forward(batch, samplingProbability > 0 ? { samplingProbability } : {});
  const { loss, grad } = ctx.crossEntropy(logits, labels, 'mean', { ignoreIndex: IGNORE });
  try {
    model.backward(grad);
    const gscale = ctx.gradNorm(model.params.grads, clip?.maxNorm ?? Infinity, clip?.normType ?? 2, loss);
    optimizer.step(gscale);
    const [[gradNorm, coef, skip, lossValue]] = await ctx.readMany([gscale]);
    gscale.release();
    return { loss: lossValue, gradNorm, clipped: skip === 0 && coef < 1, skipped: skip !== 0, gradFlow: [] };
  } finally {
    loss.release();
    grad.release();
  }
}

/** The scheduled-sampling probability of an epoch, checked. */
function samplingAt(p: TeacherForcedFitOptions['samplingProbability'], epoch: number): number {
  const v = typeof p === 'function' ? p(epoch) : (p ?? 0);
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new ValueError('samplingProbability', `a number in [0, 1] (epoch ${epoch})`, describeValue(v));
  return v;
}

/** Target steps of a batch that predict a token (the mean's divisor). */
function labelCount(b: Seq2SeqBatch): number {
  let n = 0;
  for (let i = 0; i < b.targetLengths.length; i++) n += b.targetLengths[i] - 1;
  return n;
}
