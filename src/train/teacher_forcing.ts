// Teacher-forced training of an encoder–decoder (a TeacherForcedModel such as Seq2Seq) on (source, target)
// pairs: mini-batches, global gradient-norm clipping and the explosion guard (as Trainer.step), schedules,
// validation and early stopping (as fit). One submit and one readback per step.
import type { Backend } from '../ops/index.js';
import { checkOptions, expectBoolean, expectObject, optionNames } from '../core/checks.js';
import { ValueError, describeValue } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Tensor } from '../core/tensor.js';
import type { ParamSet } from '../nn/params.js';
import type { Seq2SeqBatch } from '../nn/seq2seq.js';
import { expectOptimizer, type Optimizer } from './optim.js';
import type { LrScheduler } from './schedules.js';
import type { StepResult } from './step.js';
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

export interface TeacherForcedFitOptions {
  epochs: number;
  batchSize: number;
  /** Reshuffle every epoch (default true) with `seed` (default 0). */
  shuffle?: boolean;
  seed?: number;
  /** Global gradient-norm clipping (clip_grad_norm_ semantics). */
  clip?: { maxNorm: number; normType?: 2 | 'inf' };
  validationData?: Seq2SeqData;
  schedule?: LrScheduler;
  /** With earlyStopping: stop after `patience` epochs without a better validation loss (the training loss without validation). */
  earlyStopping?: { patience: number; minDelta?: number; restoreBestWeights?: boolean };
  /**
   * Scheduled sampling: the probability, per epoch (a number, or a function of the epoch from 0), of
   * feeding a row the model's own previous greedy token instead of the target's. Default 0.
   */
  samplingProbability?: number | ((epoch: number) => number);
  onEpoch?: (e: { epoch: number; meanLoss: number; valLoss?: number; valAccuracy?: number; lr: number }) => void;
}

export interface TeacherForcedHistory {
  epochLosses: number[];
  valLosses: number[];
  /** Token accuracy on the validation targets (steps that predict a token). */
  valAccuracies: number[];
  stoppedBy: 'earlyStopping' | null;
  bestEpoch: number | null;
}

const FIT_OPTIONS = optionNames<TeacherForcedFitOptions>({
  epochs: true,
  batchSize: true,
  shuffle: true,
  seed: true,
  clip: true,
  validationData: true,
  schedule: true,
  earlyStopping: true,
  samplingProbability: true,
  onEpoch: true,
});
const IGNORE = -1;

/** Checks pairs (equal counts, rows of one length each side) and returns N, T_src and T_tgt. */
function checkData(argument: string, d: Seq2SeqData): { N: number; S: number; T: number } {
  expectObject(argument, d, '{ source, sourceLengths, target, targetLengths }');
  checkOptions(argument, d, ['source', 'sourceLengths', 'target', 'targetLengths']);
  if (!Array.isArray(d.source) || d.source.length === 0)
    throw new ValueError(`${argument}.source`, 'a non-empty array of id rows', describeValue(d.source));
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

/**
 * Mean loss and token accuracy of a model on pairs, teacher-forced, forward only: the weights are not
 * touched. Every batch is checked before any is run.
 */
export async function evaluateTeacherForced(
  model: TeacherForcedModel,
  data: Seq2SeqData,
  options: { batchSize?: number } = {},
): Promise<{ loss: number; accuracy: number }> {
  const { N, S, T } = checkData('data', data);
  checkOptions('options', options, ['batchSize']);
  const size = options.batchSize ?? N;
  const batches: Seq2SeqBatch[] = [];
  for (let i = 0; i < N; i += size)
    batches.push(
      batchOf(
        data,
        Array.from({ length: Math.min(size, N - i) }, (_, k) => i + k),
        S,
        T,
      ),
    );
  for (const b of batches) checkBatchOf(model, b);
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

function checkBatchOf(model: TeacherForcedModel, b: Seq2SeqBatch): void {
  model.checkBatch(b);
}

/**
 * Teacher-forced training: each step zeroes the gradients, runs the model's forward on a batch of pairs,
 * the mean cross-entropy over the target steps that predict a token (padding ignored), the backward, the
 * global gradient norm (clipped with `clip`; the update skipped when the loss or norm is not finite) and
 * the optimizer. All data are checked before anything runs.
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
  for (const k of ['epochs', 'batchSize'] as const)
    if (!Number.isInteger(options[k]) || options[k] < 1)
      throw new ValueError(k, 'a positive integer', describeValue(options[k]));
  expectBoolean('shuffle', options.shuffle);
  const clip = options.clip;
  if (clip !== undefined) {
    checkOptions('clip', clip, ['maxNorm', 'normType']);
    if (!(clip.maxNorm > 0)) throw new ValueError('clip.maxNorm', 'a positive number', describeValue(clip.maxNorm));
    if (clip.normType !== undefined && clip.normType !== 2 && clip.normType !== 'inf')
      throw new ValueError('clip.normType', "2 or 'inf'", describeValue(clip.normType));
  }
  const early = options.earlyStopping;
  if (early !== undefined) {
    checkOptions('earlyStopping', early, ['patience', 'minDelta', 'restoreBestWeights']);
    if (!Number.isInteger(early.patience) || early.patience < 1)
      throw new ValueError('earlyStopping.patience', 'a positive integer', describeValue(early.patience));
  }
  if (typeof options.samplingProbability !== 'function') samplingAt(options.samplingProbability, 0);
  const { N, S, T } = checkData('data', data);
  const val = options.validationData;
  if (val) checkData('validationData', val);
  // Every batch's ids and lengths are checked before the first step.
  for (let i = 0; i < N; i += options.batchSize)
    checkBatchOf(
      model,
      batchOf(
        data,
        Array.from({ length: Math.min(options.batchSize, N - i) }, (_, k) => i + k),
        S,
        T,
      ),
    );
  if (val) {
    const v = checkData('validationData', val);
    checkBatchOf(
      model,
      batchOf(
        val,
        Array.from({ length: v.N }, (_, k) => k),
        v.S,
        v.T,
      ),
    );
  }
  const ctx = model.ctx;
  const rng = new Rng(options.seed ?? 0);
  const order = Array.from({ length: N }, (_, i) => i);
  const history: TeacherForcedHistory = {
    epochLosses: [],
    valLosses: [],
    valAccuracies: [],
    stoppedBy: null,
    bestEpoch: null,
  };
  const bestWeights = early?.restoreBestWeights ? ctx.empty(model.params.values.shape) : null;
  let [best, sinceBest] = [Infinity, 0];
  try {
    for (let epoch = 0; epoch < options.epochs && !history.stoppedBy; epoch++) {
      if (options.shuffle ?? true)
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
      let [sum, weight] = [0, 0];
      const sampling = samplingAt(options.samplingProbability, epoch);
      for (let i = 0; i < N; i += options.batchSize) {
        const idx = order.slice(i, i + options.batchSize);
        const batch = batchOf(data, idx, S, T);
        const step = await teacherForcedStep(model, optimizer, batch, clip, sampling);
        const predicted = labelCount(batch);
        if (!step.skipped) [sum, weight] = [sum + step.loss * predicted, weight + predicted];
      }
      const meanLoss = sum / weight;
      const v = val ? await evaluateTeacherForced(model, val) : null;
      history.epochLosses.push(meanLoss);
      if (v) {
        history.valLosses.push(v.loss);
        history.valAccuracies.push(v.accuracy);
      }
      const watched = v ? v.loss : meanLoss;
      if (early) {
        if (watched < best - (early.minDelta ?? 0)) {
          [best, sinceBest, history.bestEpoch] = [watched, 0, epoch];
          if (bestWeights) ctx.copy(model.params.values, bestWeights, 0);
        } else if (++sinceBest >= early.patience) history.stoppedBy = 'earlyStopping';
      }
      options.onEpoch?.({ epoch, meanLoss, valLoss: v?.loss, valAccuracy: v?.accuracy, lr: optimizer.lr });
      options.schedule?.step(watched);
    }
    if (bestWeights && history.bestEpoch !== null && history.bestEpoch !== history.epochLosses.length - 1)
      ctx.copy(bestWeights, model.params.values, 0);
  } finally {
    bestWeights?.release();
  }
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
