// The dates example's training and evaluation (npm run dates calls runDates; the test calls it scaled down):
// a Seq2Seq with attention (or without: score null), teacher-forced on freshly written examples each epoch
// (the same training dates, new formats and casings), the epoch with the best validation exact match kept,
// then greedy decoding of the held-out dates (Seq2Seq.decode: on the device, one readback per batch) beside
// the naive Bayes baseline.
import {
  Adam,
  CosineAnnealingLR,
  Seq2Seq,
  type Backend,
  type ReadStateDict,
  type Seq2SeqBatch,
  type Seq2SeqOptions,
} from '../src/index.js';
import { teacherForcedStep } from '../src/train/teacher_forcing.js';
import { Rng } from '../src/core/rng.js';
import {
  END,
  SOURCE_VOCAB,
  START,
  TARGET_VOCAB,
  baselinePredict,
  chooseBaselineAlpha,
  decodeIds,
  exactMatch,
  makeBatch,
  makeExamples,
  splitDates,
  trainBaseline,
  type CalendarDate,
  type DateExample,
} from './dates_task.js';

export interface DatesConfig {
  /** Encoder GRU hidden size per direction (bidirectional); the decoder GRU has twice it, so 'dot' scores fit. */
  hidden: number;
  /** Source and target embedding width. */
  embedding: number;
  /** The attention's score; null: the same model without attention (the classic encoder–decoder). */
  score: 'dot' | 'general' | null;
  inputFeeding: boolean;
  epochs: number;
  batchSize: number;
  lr: number;
  /** When set, the rate follows a cosine per step from lr down to minLr at the last epoch's last step. */
  minLr?: number;
  /** Epochs without a better validation exact match before stopping. */
  patience: number;
  seed: number;
  /** At most this many dates of each split (all when absent): the test's scaled-down run. */
  limit?: number;
}

export interface DatesCallbacks {
  onStep?: (e: { epoch: number; step: number; batch: number; batches: number; loss: number }) => void;
  onEpoch?: (e: { epoch: number; meanLoss: number; valAccuracy: number; lr: number }) => void;
}

export interface DatesResult {
  model: Seq2Seq;
  /** The kept epoch's weights. */
  weights: ReadStateDict;
  bestEpoch: number;
  epochs: number;
  steps: number;
  seconds: number;
  valAccuracy: number;
  heldOut: { correct: number; total: number; accuracy: number };
  baseline: { alpha: number; correct: number; total: number; accuracy: number };
  /** A few held-out sources with the model's outputs. */
  samples: Array<{ source: string; target: string; predicted: string }>;
  sizes: { trainDates: number; validation: number; heldOut: number; parameters: number };
}

/** The decoder's longest output: "YYYY-MM-DD" and END. */
const MAX_STEPS = 11;

export type DatesModelConfig = Pick<DatesConfig, 'hidden' | 'embedding' | 'score' | 'inputFeeding' | 'seed'>;

/** The model's options as data (the dates page sends them to its worker as a { type: 'Seq2Seq', … } spec). */
export function datesModelOptions(c: DatesModelConfig): Seq2SeqOptions {
  return {
    sourceVocab: SOURCE_VOCAB.tokens.length,
    sourceEmbedding: c.embedding,
    targetVocab: TARGET_VOCAB.tokens.length,
    targetEmbedding: c.embedding,
    encoder: { cell: 'gru', hiddenSize: c.hidden, bidirectional: true },
    decoder: { cell: 'gru', hiddenSize: 2 * c.hidden },
    attention: c.score ? { score: c.score } : null,
    inputFeeding: c.inputFeeding,
    seed: c.seed,
  };
}

export function datesModel(ctx: Backend, c: DatesModelConfig): Seq2Seq {
  return new Seq2Seq(ctx, datesModelOptions(c));
}

/** A dates batch as Seq2Seq reads it: its target lengths count the start token (END is predicted too). */
function seq2seqBatch(examples: readonly DateExample[]): Seq2SeqBatch {
  const b = makeBatch(examples);
  return {
    source: b.source.data,
    sourceLengths: b.sourceLengths,
    target: b.target.data,
    targetLengths: b.targetLengths.map((n) => n + 1),
  };
}

/** Greedy decoding of sources, `batchSize` at a time (Seq2Seq.decode with beam width 1), up to END. */
export async function greedyDecode(model: Seq2Seq, sources: readonly string[], batchSize = 256): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < sources.length; i += batchSize) {
    const b = makeBatch(sources.slice(i, i + batchSize).map((source) => ({ source, target: '' })));
    const { hypotheses } = await model.decode(b.source.data, b.sourceLengths, {
      maxLength: MAX_STEPS,
      startToken: START,
      endToken: END,
    });
    out.push(...hypotheses.map((h) => decodeIds(TARGET_VOCAB, h[0].tokens)));
  }
  return out;
}

const take = (dates: CalendarDate[], limit?: number) => (limit === undefined ? dates : dates.slice(0, limit));

/** Trains one model (see the top of this file) and scores it and the baseline on the held-out dates. */
export async function runDates(
  ctx: Backend,
  config: DatesConfig,
  callbacks: DatesCallbacks = {},
): Promise<DatesResult> {
  const split = splitDates({ seed: config.seed });
  const trainDates = take(split.train, config.limit);
  const validation = makeExamples(take(split.validation, config.limit), { seed: 1_000_000 + config.seed });
  const heldOut = makeExamples(take(split.heldOut, config.limit), { seed: 2_000_000 + config.seed });

  // The baseline learns from the first epoch's examples, α chosen on the validation examples.
  const firstEpoch = makeExamples(trainDates, { seed: config.seed });
  const alpha = chooseBaselineAlpha(firstEpoch, validation);
  const nb = { ...trainBaseline(firstEpoch), alpha };
  const baseline = {
    alpha,
    ...exactMatch(
      heldOut.map((e) => baselinePredict(nb, e.source)),
      heldOut.map((e) => e.target),
    ),
  };

  const model = datesModel(ctx, config);
  const opt = new Adam(model.params, { lr: config.lr });
  const batchesPerEpoch = Math.ceil(trainDates.length / config.batchSize);
  const schedule =
    config.minLr === undefined
      ? null
      : new CosineAnnealingLR(opt, { tMax: config.epochs * batchesPerEpoch, etaMin: config.minLr });
  const rng = new Rng(config.seed);
  let best = { accuracy: -1, epoch: -1, weights: null as ReadStateDict | null };
  let step = 0;
  let epochs = 0;
  const t0 = performance.now();
  try {
    for (let epoch = 0; epoch < config.epochs && epoch - best.epoch <= config.patience; epoch++) {
      const examples = epoch === 0 ? firstEpoch : makeExamples(trainDates, { seed: config.seed + 7919 * epoch });
      const order = examples.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      const batches = Math.ceil(order.length / config.batchSize);
      let sum = 0;
      for (let k = 0; k < batches; k++) {
        const rows = order.slice(k * config.batchSize, (k + 1) * config.batchSize).map((i) => examples[i]);
        const { loss } = await teacherForcedStep(model, opt, seq2seqBatch(rows), { maxNorm: 1 });
        sum += loss;
        schedule?.step();
        callbacks.onStep?.({ epoch, step: step++, batch: k, batches, loss });
      }
      const predicted = await greedyDecode(
        model,
        validation.map((e) => e.source),
      );
      const { accuracy } = exactMatch(
        predicted,
        validation.map((e) => e.target),
      );
      if (accuracy > best.accuracy) best = { accuracy, epoch, weights: await model.stateDict() };
      epochs = epoch + 1;
      callbacks.onEpoch?.({ epoch, meanLoss: sum / batches, valAccuracy: accuracy, lr: opt.lr });
    }
  } finally {
    opt.release();
  }
  const seconds = (performance.now() - t0) / 1000;
  model.loadStateDict(best.weights!);
  const predicted = await greedyDecode(
    model,
    heldOut.map((e) => e.source),
  );
  return {
    model,
    weights: best.weights!,
    bestEpoch: best.epoch,
    epochs,
    steps: step,
    seconds,
    valAccuracy: best.accuracy,
    heldOut: exactMatch(
      predicted,
      heldOut.map((e) => e.target),
    ),
    baseline,
    samples: heldOut.slice(0, 5).map((e, i) => ({ ...e, predicted: predicted[i] })),
    sizes: {
      trainDates: trainDates.length,
      validation: validation.length,
      heldOut: heldOut.length,
      parameters: model.params.count(),
    },
  };
}
