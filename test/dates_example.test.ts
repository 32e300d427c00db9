// The dates example scaled down on the CPU backend (a few hundred examples, a tiny model, 1–2 epochs, with and
// without attention): the same runDates that `npm run dates` calls. It checks structure and sanity, not quality — the accuracy worth
// reporting comes from the full run (README). `--help` is checked with the other programs in cli.test.ts.
import { describe, expect, it } from 'vitest';
import { createContext } from '../src/index.js';
import { greedyDecode, runDates } from '../examples/dates_model.js';

describe('dates example (scaled down, CPU)', () => {
  it('trains 2 epochs on 300 dates, keeps the best epoch and scores greedy decoding beside the baseline', async () => {
    const ctx = await createContext({ backend: 'cpu' });
    const config = {
      hidden: 4,
      embedding: 4,
      score: 'general' as const,
      inputFeeding: true,
      epochs: 2,
      batchSize: 64,
      lr: 0.01,
      patience: 1,
      seed: 1,
      limit: 300,
    };
    let steps = 0;
    const epochs: number[] = [];
    const r = await runDates(ctx, config, {
      onStep: () => void steps++,
      onEpoch: (e) => {
        epochs.push(e.epoch);
        expect(Number.isFinite(e.meanLoss) && e.meanLoss > 0).toBe(true);
        expect(e.valAccuracy >= 0 && e.valAccuracy <= 1).toBe(true);
      },
    });
    expect(r.sizes).toMatchObject({ trainDates: 300, validation: 300, heldOut: 300 });
    expect(epochs).toEqual([0, 1]);
    expect(steps).toBe(2 * Math.ceil(300 / config.batchSize));
    expect(r.steps).toBe(steps);
    expect([0, 1]).toContain(r.bestEpoch);
    expect(r.heldOut.total).toBe(300);
    for (const a of [r.heldOut, r.baseline]) expect(a.accuracy).toBeCloseTo(a.correct / a.total, 12);
    expect(r.baseline.accuracy >= 0 && r.baseline.accuracy <= 1).toBe(true);
    expect(Object.keys(r.weights)).toContain('attention.wa');
    // Greedy outputs are strings of the target's characters, at most "YYYY-MM-DD" long.
    const out = await greedyDecode(r.model, ['3 May 1998', '1998-05-03', 'MAY 3, 98'], 2);
    expect(out).toHaveLength(3);
    for (const s of out) expect(s).toMatch(/^[-0-9]{0,11}$/);
    expect(r.samples).toHaveLength(5);
    r.model.release();
    ctx.destroy();
  });

  it('without attention (score null): the same loop, no attention parameters, W_c [H_dec, H_dec]', async () => {
    const ctx = await createContext({ backend: 'cpu' });
    const config = {
      hidden: 5,
      embedding: 4,
      score: null,
      inputFeeding: false,
      epochs: 1,
      batchSize: 100,
      lr: 0.01,
      minLr: 0.001,
      patience: 1,
      seed: 2,
      limit: 200,
    };
    const lrs: number[] = [];
    const r = await runDates(ctx, config, { onEpoch: (e) => lrs.push(e.lr) });
    // The cosine ends at minLr on the last step.
    expect(lrs).toHaveLength(1);
    expect(lrs[0]).toBeCloseTo(config.minLr, 12);
    expect(Object.keys(r.weights).filter((k) => k.startsWith('attention.'))).toEqual([]);
    expect(r.weights['attentional.weight'].shape).toEqual([10, 10]);
    expect(r.sizes.parameters).toBe(r.model.params.count());
    expect(r.heldOut.total).toBe(200);
    r.model.release();
    ctx.destroy();
  });
});
