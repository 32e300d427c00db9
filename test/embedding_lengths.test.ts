// Embedding as the first layer of a model trained on variable-length sequences: ids [B, T] (no feature
// axis) take per-row lengths in forward, Trainer.step, fit and predict; what lies past a row's length changes nothing.
import { describe, expect, it } from 'vitest';
import { Adam, Embedding, GRU, LastStep, Linear, SGD, Sequential, Trainer, type Backend } from '../src/index.js';
import { expectClose, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
const [V, E, H, B, T] = [11, 4, 5, 3, 6];
const lengths = [6, 1, 4];
const ids = (fill: number) =>
  Float64Array.from({ length: B * T }, (_, i) => (i % T < lengths[Math.floor(i / T)] ? 1 + ((i * 7) % (V - 1)) : fill));

function model(ctx: Backend) {
  return new Sequential(
    ctx,
    [
      new Embedding(V, E, { paddingIdx: 0 }),
      new GRU({ inputSize: E, hiddenSize: H, batchFirst: true }),
      new LastStep(),
      new Linear(H, 2),
    ],
    { seed: 3 },
  );
}

describe('Embedding with lengths', () => {
  it('predict: each row equals the row alone, cut at its length, whatever the ids past it (CPU and GPU)', async () => {
    for (const ctx of [cpu, gpu()]) {
      const m = model(ctx);
      const trainer = new Trainer(m, new Adam(m.params, { lr: 0.01 }), { loss: 'crossEntropy' });
      const padded = await trainer.predict({ data: ids(0), shape: [B, T] }, { lengths });
      const other = await trainer.predict({ data: ids(9), shape: [B, T] }, { lengths });
      expect(Array.from(other)).toEqual(Array.from(padded));
      for (let b = 0; b < B; b++) {
        const row = Array.from(ids(0).subarray(b * T, b * T + lengths[b]));
        const alone = await trainer.predict({ data: row, shape: [1, lengths[b]] });
        expectClose(padded.subarray(2 * b, 2 * b + 2), alone, { atol: 1e-6, rtol: 1e-5, label: `row ${b}` });
      }
      trainer.release();
      trainer.optimizer.release();
      m.release();
    }
  });

  it('fit with lengths trains the same on the GPU as on the CPU (padding ids differ)', async () => {
    const weights = [];
    for (const [ctx, fill] of [
      [cpu, 0],
      [gpu(), 7],
    ] as const) {
      const m = model(ctx);
      // SGD: Adam's normalised steps would turn f32-vs-f64 noise in near-zero gradients into lr-sized differences.
      const trainer = new Trainer(m, new SGD(m.params, { lr: 0.5 }), { loss: 'crossEntropy' });
      const h = await trainer.fit({ data: ids(fill), shape: [B, T] }, [0, 1, 1], {
        epochs: 3,
        batchSize: 2,
        lengths,
        shuffle: false,
      });
      expect(h.epochLosses.every(Number.isFinite)).toBe(true);
      weights.push(await m.stateDict());
      trainer.release();
      trainer.optimizer.release();
      m.release();
    }
    for (const name of Object.keys(weights[0]))
      expectClose(weights[1][name].data, weights[0][name].data, { atol: 1e-5, rtol: 1e-4, label: name });
  });
});
