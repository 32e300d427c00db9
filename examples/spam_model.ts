// The spam example's pipeline, shared by `npm run spam` (examples/spam.ts) and its scaled-down CI test
// (test/spam_example.test.ts): the task, both bag-of-words baselines, and an Embedding → GRU → LastStep → Linear
// classifier (dropout between) trained with fit on each message's own length (validation, early stopping on the
// validation loss, best weights restored) for each seed.
import {
  Adam,
  Dropout,
  Embedding,
  GRU,
  LastStep,
  Linear,
  Sequential,
  Trainer,
  type Backend,
  type EpochEvent,
  type StepEvent,
} from '../src/index.js';
import { NaiveBayes, argmax2, logisticRegression, scores, type Scores } from './spam_baselines.js';
import { PAD, sequences, spamTask, type RawMessage, type SpamTask, type SpamTaskOptions } from './spam_task.js';

export interface SpamConfig {
  task: SpamTaskOptions;
  /** Embedding width and GRU hidden size. */
  embed: number;
  hidden: number;
  /** Dropout after the Embedding and before the Linear head (0: none). */
  dropout: number;
  epochs: number;
  batchSize: number;
  lr: number;
  patience: number;
  seeds: number[];
  /** Logistic regression's epochs (early stopping with `patience`) and learning rate. */
  logistic: { epochs: number; lr: number };
}

export interface SpamRun {
  seed: number;
  scores: Scores;
  /** fit's mean training and validation loss per epoch run. */
  epochLosses: number[];
  valLosses: number[];
  bestEpoch: number;
  seconds: number;
}

export interface SpamResult {
  task: SpamTask;
  naiveBayes: Scores & { alpha: number };
  logistic: Scores & { epochs: number; seconds: number };
  runs: SpamRun[];
  /** The mean over seeds. */
  gru: Scores;
}

export interface SpamHooks {
  /** Called before each seed trains, with fit's callbacks to pass on (a progress line). */
  onSeed?(seed: number): { onStep?: (e: StepEvent) => void; onEpoch?: (e: EpochEvent) => void };
  onBaselines?(r: Pick<SpamResult, 'task' | 'naiveBayes' | 'logistic'>): void;
  onRun?(r: SpamRun): void;
}

export function buildClassifier(
  ctx: Backend,
  vocabulary: number,
  c: Pick<SpamConfig, 'embed' | 'hidden' | 'dropout'>,
  seed: number,
): Sequential {
  // Batch-first ids [B, T] (host data's layout, so fit gathers batches without a transpose); PAD embeds to zeros.
  return new Sequential(
    ctx,
    [
      new Embedding(vocabulary, c.embed, { paddingIdx: PAD }),
      ...(c.dropout > 0 ? [new Dropout(c.dropout)] : []),
      new GRU({ inputSize: c.embed, hiddenSize: c.hidden, batchFirst: true }),
      new LastStep(),
      ...(c.dropout > 0 ? [new Dropout(c.dropout)] : []),
      new Linear(c.hidden, 2),
    ],
    { seed },
  );
}

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

/** Naive Bayes's smoothing chosen on the validation split, among a few. */
function naiveBayes(task: SpamTask): Scores & { alpha: number } {
  const V = task.vocab.size;
  const alphas = [0.1, 0.3, 1];
  const val = alphas.map(
    (alpha) => scores(new NaiveBayes(task.train, V, alpha).predict(task.val), task.val.labels).accuracy,
  );
  const alpha = alphas[val.indexOf(Math.max(...val))];
  return { ...scores(new NaiveBayes(task.train, V, alpha).predict(task.test), task.test.labels), alpha };
}

export async function runSpam(
  ctx: Backend,
  messages: readonly RawMessage[],
  c: SpamConfig,
  hooks: SpamHooks = {},
): Promise<SpamResult> {
  const task = spamTask(messages, c.task);
  const V = task.vocab.size;
  const nb = naiveBayes(task);
  const t0 = performance.now();
  const lr = await logisticRegression(ctx, task, V, {
    ...c.logistic,
    batchSize: c.batchSize,
    patience: c.patience,
    seed: c.seeds[0],
  });
  const logistic = {
    ...scores(lr.predicted, task.test.labels),
    epochs: lr.epochs,
    seconds: (performance.now() - t0) / 1000,
  };
  hooks.onBaselines?.({ task, naiveBayes: nb, logistic });

  // Padded after each message; with its length the GRU stops there and LastStep reads that step.
  const [train, val, test] = [task.train, task.val, task.test].map(sequences);
  const runs: SpamRun[] = [];
  for (const seed of c.seeds) {
    const s0 = performance.now();
    const model = buildClassifier(ctx, V, c, seed);
    const opt = new Adam(model.params, { lr: c.lr });
    const trainer = new Trainer(model, opt, { loss: 'crossEntropy', clip: { maxNorm: 1 } });
    const history = await trainer.fit(train.x, train.targets, {
      lengths: train.lengths,
      epochs: c.epochs,
      batchSize: c.batchSize,
      seed,
      validationData: { x: val.x, targets: val.targets, lengths: val.lengths },
      earlyStopping: { patience: c.patience, restoreBestWeights: true },
      ...hooks.onSeed?.(seed),
    });
    const predicted = argmax2(await trainer.predict(test.x, { batchSize: 256, lengths: test.lengths }));
    const { epochLosses, valLosses } = history;
    const run = {
      seed,
      scores: scores(predicted, task.test.labels),
      epochLosses,
      valLosses,
      bestEpoch: history.bestEpoch ?? epochLosses.length - 1,
      seconds: (performance.now() - s0) / 1000,
    };
    runs.push(run);
    hooks.onRun?.(run);
    trainer.release();
    opt.release();
    model.release();
  }
  const gru = {
    accuracy: mean(runs.map((r) => r.scores.accuracy)),
    precision: mean(runs.map((r) => r.scores.precision)),
    recall: mean(runs.map((r) => r.scores.recall)),
  };
  return { task, naiveBayes: nb, logistic, runs, gru };
}
