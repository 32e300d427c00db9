// Robustness: nothing leaks over many training steps, a lost device fails clearly and a documented
// recovery works, the same seed gives bit-identical weights, and random shapes and values either train
// like the CPU reference or raise a typed error — never a raw WebGPU error or NaN weights.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Adam,
  CpuBackend,
  DeviceLostError,
  GpuValidationError,
  LSTM,
  Linear,
  RNN,
  SGD,
  Sequential,
  ShapeError,
  Trainer,
  ValueError,
  createContext,
  type Backend,
} from '../src/index.js';
import { compareArrays, seeded, useGpu } from './helpers.js';

const { gpu } = useGpu();

function lstmModel(be: Backend, seed = 1) {
  return new Sequential(
    be,
    [new LSTM({ inputSize: 3, hiddenSize: 8, numLayers: 2, bidirectional: true }), new Linear(16, 2)],
    { seed },
  );
}

async function trainSteps(be: Backend, steps: number, seed = 1) {
  const model = lstmModel(be, seed);
  const opt = new Adam(model.params, { lr: 0.01 });
  const trainer = new Trainer(model, opt, { loss: 'mse', clip: { maxNorm: 1 } });
  const rng = seeded(seed);
  const x = be.zeros([6, 4, 3]);
  const y = be.zeros([6, 4, 2]);
  for (let i = 0; i < steps; i++) {
    be.write(x, rng.uniformArray(6 * 4 * 3));
    be.write(y, rng.uniformArray(6 * 4 * 2));
    await trainer.step(x, y);
  }
  const sd = await model.stateDict();
  for (const t of [x, y]) t.release();
  trainer.release();
  opt.release();
  model.release();
  return sd;
}

describe('no leaks', () => {
  it('live tensors and pool size stay flat over 300 LSTM training steps (npm run soak runs 10,000)', async () => {
    const g = gpu();
    const model = lstmModel(g);
    const opt = new Adam(model.params, { lr: 0.01 });
    const trainer = new Trainer(model, opt, { loss: 'mse', clip: { maxNorm: 1 } });
    const rng = seeded(2);
    const [x, y] = [g.zeros([6, 4, 3]), g.zeros([6, 4, 2])];
    const step = async () => {
      g.write(x, rng.uniformArray(72));
      g.write(y, rng.uniformArray(48));
      await trainer.step(x, y);
    };
    for (let i = 0; i < 20; i++) await step();
    const warm = { live: g.liveTensors(), pool: g.poolStats(), pipelines: g.counters().pipelinesCreated };
    for (let i = 0; i < 300; i++) await step();
    const after = { live: g.liveTensors(), pool: g.poolStats(), pipelines: g.counters().pipelinesCreated };
    console.log(
      `leak check: live tensors ${warm.live} → ${after.live}, GPU buffers created ${warm.pool.created} → ${after.pool.created} (${after.pool.bytes} bytes)`,
    );
    expect(after.live).toBe(warm.live);
    expect(after.pool.created).toBe(warm.pool.created);
    expect(after.pipelines).toBe(warm.pipelines);
    for (const t of [x, y]) t.release();
    trainer.release();
    opt.release();
    model.release();
  });
});

describe('device loss', () => {
  it('fails with DeviceLostError naming the remedy; a new context with the saved weights carries on', async () => {
    const ctx = await createContext({ backend: 'webgpu' });
    const model = lstmModel(ctx);
    const x = ctx.tensor(seeded(5).uniformArray(72), [6, 4, 3]);
    const before = await ctx.read(model.forward(x));
    const saved = await model.stateDict();
    ctx.device.destroy(); // what a driver reset or a tab losing its GPU looks like
    await expect(ctx.read(model.forward(x))).rejects.toThrow(DeviceLostError);
    expect(() => ctx.zeros([2])).toThrow(
      /create a new context with createContext\(\) and reload the weights \(loadStateDict\)/,
    );
    ctx.destroy();
    // The documented recovery.
    const ctx2 = await createContext({ backend: 'webgpu' });
    const model2 = lstmModel(ctx2, 99);
    model2.loadStateDict(saved);
    const x2 = ctx2.tensor(seeded(5).uniformArray(72), [6, 4, 3]);
    expect(Array.from(await ctx2.read(model2.forward(x2)))).toEqual(Array.from(before));
    x2.release();
    model2.release();
    ctx2.destroy();
  });
});

describe('determinism', () => {
  it('same seed, same adapter: bit-identical weights after 15 LSTM steps, in two separate contexts', async () => {
    const runs = [];
    for (let r = 0; r < 2; r++) {
      const ctx = await createContext({ backend: 'webgpu' });
      runs.push(await trainSteps(ctx, 15));
      ctx.destroy();
    }
    for (const name of Object.keys(runs[0]))
      expect(Array.from(runs[1][name].data)).toEqual(Array.from(runs[0][name].data));
  });
});

describe('property: random shapes and values', () => {
  it('one training step trains like the CPU reference, or a bad target is refused with a typed error', async () => {
    const cpu = new CpuBackend();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          cell: fc.constantFrom('rnn', 'lstm'),
          T: fc.integer({ min: 1, max: 5 }),
          B: fc.integer({ min: 1, max: 5 }),
          I: fc.integer({ min: 1, max: 4 }),
          H: fc.integer({ min: 1, max: 6 }),
          O: fc.integer({ min: 1, max: 3 }),
          layers: fc.integer({ min: 1, max: 2 }),
          bidirectional: fc.boolean(),
          scale: fc.constantFrom(0.1, 1, 10),
          seed: fc.integer({ min: 0, max: 1000 }),
          badTarget: fc.boolean(),
        }),
        async (p) => {
          const results = [];
          for (const be of [gpu(), cpu] as Backend[]) {
            const rnnOptions = { inputSize: p.I, hiddenSize: p.H, numLayers: p.layers, bidirectional: p.bidirectional };
            const recurrent = p.cell === 'rnn' ? new RNN(rnnOptions) : new LSTM(rnnOptions);
            const D = p.bidirectional ? 2 : 1;
            const model = new Sequential(be, [recurrent, new Linear(D * p.H, p.O)], { seed: p.seed });
            const opt = new SGD(model.params, { lr: 0.05 });
            const trainer = new Trainer(model, opt, { loss: 'mse', clip: { maxNorm: 5 } });
            const rng = seeded(p.seed);
            const x = be.tensor(rng.uniformArray(p.T * p.B * p.I, -p.scale, p.scale), [p.T, p.B, p.I]);
            const yShape = p.badTarget ? [p.T, p.B + 1, p.O] : [p.T, p.B, p.O];
            const y = be.tensor(rng.uniformArray(yShape.reduce((a, b) => a * b, 1)), yShape);
            try {
              const r = await trainer.step(x, y);
              results.push({ loss: r!.loss, sd: await model.stateDict() });
            } catch (e) {
              if (e instanceof GpuValidationError || !(e instanceof ShapeError || e instanceof ValueError)) throw e;
              results.push({ error: e });
            } finally {
              for (const t of [x, y]) t.release();
              trainer.release();
              opt.release();
              model.release();
            }
          }
          if (p.badTarget)
            return results.every((r) => 'error' in r && /target: expected/.test((r.error as Error).message));
          const [g, c] = results as Array<{ loss: number; sd: Record<string, { data: Float64Array }> }>;
          if (compareArrays([g.loss], [c.loss], { atol: 1e-4, rtol: 1e-3 })) return false;
          for (const name of Object.keys(c.sd)) {
            if (!g.sd[name].data.every(Number.isFinite)) return false;
            if (compareArrays(g.sd[name].data, c.sd[name].data, { atol: 1e-4, rtol: 1e-3 })) return false;
          }
          return true;
        },
      ),
      { numRuns: 30, seed: 42 },
    );
  });
});
