// The spam example end to end on the GPU, scaled down (a subset of the real corpus, short messages, a tiny GRU,
// two epochs): the same runSpam that `npm run spam` calls. It checks structure and sanity, not quality —
// the numbers worth reporting come from the full run (README).
import { describe, expect, it } from 'vitest';
import { runSpam } from '../examples/spam_model.js';
import { loadSpamAssassin } from '../examples/spam_task.js';
import { useGpu } from './helpers.js';

const { gpu } = useGpu();

describe('spam example (scaled down)', () => {
  const corpus = loadSpamAssassin();

  it('loads the SpamAssassin corpus: 6046 messages, 1896 of them spam', () => {
    expect(corpus).toHaveLength(6046);
    expect(corpus.filter((m) => m.spam)).toHaveLength(1896);
    expect(new Set(corpus.map((m) => m.group))).toEqual(
      new Set(['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2']),
    );
  });

  it('runs the baselines and two GRU seeds on 1 message in 30 and returns well-formed scores', async () => {
    const subset = corpus.filter((_, i) => i % 30 === 0);
    const config = {
      task: { maxLen: 24, minCount: 2, maxVocab: 400, heldOut: 0.25, validation: 0.2, seed: 0 },
      embed: 8,
      hidden: 8,
      dropout: 0.2,
      epochs: 2,
      batchSize: 16,
      lr: 0.01,
      patience: 1,
      seeds: [1, 2],
      logistic: { epochs: 3, lr: 0.05 },
    };
    const seeds: number[] = [];
    let steps = 0;
    const r = await runSpam(gpu(), subset, config, {
      onSeed: (seed) => (seeds.push(seed), { onStep: () => void steps++ }),
    });

    const { train, val, test } = r.task;
    expect(r.task.messages).toBe(subset.length);
    expect(train.ids.length + val.ids.length + test.ids.length).toBe(r.task.unique);
    const sources = [train, val, test].flatMap((s) => s.source!);
    expect(new Set(sources).size).toBe(sources.length);
    expect(r.task.vocab.size).toBeLessThanOrEqual(402);
    for (const s of [train, val, test])
      for (const ids of s.ids)
        expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < r.task.vocab.size)).toBe(true);

    expect(seeds).toEqual([1, 2]);
    expect(r.runs.map((run) => run.seed)).toEqual([1, 2]);
    const batchesPerEpoch = Math.ceil(train.ids.length / config.batchSize);
    const epochsRun = r.runs.reduce((n, run) => n + run.epochLosses.length, 0);
    expect(steps).toBe(epochsRun * batchesPerEpoch);
    for (const run of r.runs) {
      expect(run.epochLosses.length).toBeGreaterThanOrEqual(1);
      expect(run.epochLosses.length).toBeLessThanOrEqual(2);
      for (const loss of [...run.epochLosses, ...run.valLosses]) expect(Number.isFinite(loss) && loss > 0).toBe(true);
    }
    for (const s of [r.naiveBayes, r.logistic, r.gru, ...r.runs.map((run) => run.scores)]) {
      for (const v of [s.accuracy, s.precision, s.recall]) expect(v >= 0 && v <= 1).toBe(true);
    }
    expect(r.gru.accuracy).toBeCloseTo((r.runs[0].scores.accuracy + r.runs[1].scores.accuracy) / 2, 12);
    expect(r.logistic.epochs).toBeGreaterThanOrEqual(1);
  });
});
