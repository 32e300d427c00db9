// Profiling mode (timestamp queries; Dawn on lavapipe offers `timestamp-query`): one training step of a
// bidirectional LSTM with each recurrent kernel variant, profiled per kernel. Structure only: every
// kernel that ran has a time ≥ 0 and its dispatch count, the counts add up to the step's dispatches, and
// the mode ends cleanly (the next step is one pass again and gives the same result).
import { describe, expect, it } from 'vitest';
import { LSTM, Linear, SGD, Sequential, Trainer } from '../src/index.js';
import { RECURRENT_VARIANTS } from '../src/ops/recurrent/webgpu.js';
import { seeded, useGpu } from './helpers.js';

const { gpu } = useGpu();

describe.each(RECURRENT_VARIANTS)('profiling mode (%s kernels)', (variant) => {
  it('GPU time per kernel of one training step: every kernel ≥ 0 ms, dispatches add up', async () => {
    const g = Object.assign(gpu(), { recurrentVariant: variant });
    const [T, B, I, H] = [5, 3, 4, 6];
    const model = new Sequential(
      g,
      [new LSTM({ inputSize: I, hiddenSize: H, bidirectional: true, path: 'step' }), new Linear(2 * H, 2)],
      { seed: 1 },
    );
    const trainer = new Trainer(model, new SGD(model.params, { lr: 0.01 }), { loss: 'mse', clip: { maxNorm: 1 } });
    const rng = seeded(3);
    const x = g.tensor(rng.uniformArray(T * B * I), [T, B, I]);
    const y = g.tensor(rng.uniformArray(T * B * 2), [T, B, 2]);
    await trainer.step(x, y, { read: false }); // compile
    g.resetCounters();
    g.startProfiling();
    await trainer.step(x, y, { read: false });
    const dispatches = g.counters().dispatches;
    const times = await g.stopProfiling();
    console.log(`${variant}: ${times.map((k) => `${k.kernel} ×${k.dispatches} ${k.ms.toFixed(3)} ms`).join(', ')}`);
    for (const k of times) {
      expect(Number.isFinite(k.ms) && k.ms >= 0, `${k.kernel}: ${k.ms} ms`).toBe(true);
      expect(k.dispatches).toBeGreaterThan(0);
    }
    expect(times.reduce((n, k) => n + k.dispatches, 0)).toBe(dispatches);
    const step = { blocked: 'lstm_step', split: 'lstm_split_step', 'split-subgroup': 'lstm_split_subgroup_step' }[
      variant
    ];
    expect(times.find((k) => k.kernel === step)?.dispatches).toBe(T);
    expect(times.find((k) => k.kernel === `${step}_backward`)?.dispatches).toBe(T + 1);
    // Out of profiling mode: one submit and one readback per step again.
    g.resetCounters();
    expect((await trainer.step(x, y))!.loss).toBeGreaterThan(0);
    expect(g.counters()).toMatchObject({ submits: 1, readbacks: 1 });
    await expect(g.stopProfiling()).rejects.toThrow(/stopProfiling: expected a profiling run/);
    for (const t of [x, y]) t.release();
    trainer.release();
    trainer.optimizer.release();
    model.release();
  });
});
