// Bag-of-words baselines for the spam task: multinomial naive Bayes counted on the host, and logistic regression
// (one Linear layer, cross-entropy over {ham, spam}) on tf-idf features trained with this library. Both read the
// same truncated word ids as the recurrent model, so the comparison is about word order, not about more text.
import { Adam, Linear, Sequential, Trainer, type Backend } from '../src/index.js';
import { OOV, PAD, type Split } from './spam_task.js';

/** Accuracy, and precision and recall of the spam class (1); an empty denominator gives 0. */
export interface Scores {
  accuracy: number;
  precision: number;
  recall: number;
}

export function scores(predicted: ArrayLike<number>, labels: ArrayLike<number>): Scores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    if (predicted[i] === labels[i]) correct++;
    if (predicted[i] === 1 && labels[i] === 1) tp++;
    if (predicted[i] === 1 && labels[i] === 0) fp++;
    if (predicted[i] === 0 && labels[i] === 1) fn++;
  }
  return {
    accuracy: correct / labels.length,
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: tp + fn > 0 ? tp / (tp + fn) : 0,
  };
}

/** The larger of each row's two logits [N, 2] as a class. */
export function argmax2(logits: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: logits.length / 2 }, (_, n) => (logits[2 * n + 1] > logits[2 * n] ? 1 : 0));
}

/** Multinomial naive Bayes over word counts with add-alpha smoothing; PAD and OOV are not words. */
export class NaiveBayes {
  private readonly logPrior: [number, number];
  private readonly logLikelihood: [Float64Array, Float64Array]; // [V] per class: log P(word | class)

  constructor(train: Split, V: number, alpha = 1) {
    const counts = [new Float64Array(V), new Float64Array(V)];
    const docs = [0, 0];
    train.ids.forEach((ids, n) => {
      const c = train.labels[n];
      docs[c]++;
      for (const id of ids) if (id !== PAD && id !== OOV) counts[c][id]++;
    });
    const words = V - 2;
    this.logPrior = [Math.log(docs[0] / train.ids.length), Math.log(docs[1] / train.ids.length)];
    this.logLikelihood = [0, 1].map((c) => {
      const total = counts[c].reduce((s, v) => s + v, 0);
      return counts[c].map((n) => Math.log((n + alpha) / (total + alpha * words)));
    }) as [Float64Array, Float64Array];
  }

  predict(split: Split): Int32Array {
    return Int32Array.from(split.ids, (ids) => {
      const score = [0, 1].map((c) =>
        ids.reduce((s, id) => (id === PAD || id === OOV ? s : s + this.logLikelihood[c][id]), this.logPrior[c]),
      );
      return score[1] > score[0] ? 1 : 0;
    });
  }
}

/** Inverse document frequencies from the training split, smoothed as scikit-learn's: ln((1 + N) / (1 + df)) + 1. */
export function inverseDocumentFrequency(train: Split, V: number): Float64Array {
  const df = new Float64Array(V);
  for (const ids of train.ids) for (const id of new Set(ids)) df[id]++;
  return df.map((d) => Math.log((1 + train.ids.length) / (1 + d)) + 1);
}

/** Rows [N, V] of term count × idf, each scaled to unit length; PAD gets no weight. */
export function tfidf(split: Split, idf: Float64Array): Float32Array {
  const V = idf.length;
  const rows = new Float32Array(split.ids.length * V);
  split.ids.forEach((ids, n) => {
    const row = rows.subarray(n * V, (n + 1) * V);
    for (const id of ids) if (id !== PAD) row[id] += idf[id];
    let norm = 0;
    for (const id of new Set(ids)) norm += row[id] * row[id];
    if (norm > 0) for (const id of new Set(ids)) row[id] /= Math.sqrt(norm);
  });
  return rows;
}

export interface LogisticOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  /** Early stopping on the validation loss; the best epoch's weights are restored. */
  patience: number;
  seed: number;
}

/** Logistic regression on tf-idf rows, fit with validation; returns the held-out predictions and the epochs run. */
export async function logisticRegression(
  ctx: Backend,
  data: { train: Split; val: Split; test: Split },
  V: number,
  o: LogisticOptions,
): Promise<{ predicted: Int32Array; epochs: number }> {
  const idf = inverseDocumentFrequency(data.train, V);
  const model = new Sequential(ctx, [new Linear(V, 2)], { seed: o.seed });
  const opt = new Adam(model.params, { lr: o.lr });
  const trainer = new Trainer(model, opt, { loss: 'crossEntropy' });
  const rows = (s: Split) => ({ data: tfidf(s, idf), shape: [s.ids.length, V] });
  const history = await trainer.fit(rows(data.train), data.train.labels, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
    validationData: { x: rows(data.val), targets: data.val.labels },
    earlyStopping: { patience: o.patience, restoreBestWeights: true },
  });
  const predicted = argmax2(await trainer.predict(rows(data.test), { batchSize: 256 }));
  trainer.release();
  opt.release();
  model.release();
  return { predicted, epochs: history.epochLosses.length };
}
