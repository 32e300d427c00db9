// A model's first step compiles its kernels with createComputePipelineAsync: browsers run that off the GPU
// process's main thread, where a synchronous compile stalls the frames of every page (half a second for a
// recurrent model on SwiftShader). The dispatches wait in order and are encoded once their pipelines are
// ready; a synchronous flush (an upload) before then compiles what is still missing at once.
import { describe, expect, it } from 'vitest';
import { Adam, GRU, LastStep, Linear, Sequential, Trainer, createContext, type WebGpuBackend } from '../src/index.js';
import { seeded } from './helpers.js';

/** Counts the device's synchronous and asynchronous pipeline compiles. */
function countCompiles(ctx: WebGpuBackend): { sync: number; async: number } {
  const device = ctx.device;
  const counts = { sync: 0, async: 0 };
  const sync = device.createComputePipeline.bind(device);
  const async = device.createComputePipelineAsync.bind(device);
  device.createComputePipeline = (d) => (counts.sync++, sync(d));
  device.createComputePipelineAsync = (d) => (counts.async++, async(d));
  return counts;
}

async function run(ctx: WebGpuBackend) {
  const rng = seeded(4);
  const model = new Sequential(ctx, [new GRU({ inputSize: 3, hiddenSize: 5 }), new LastStep(), new Linear(5, 2)], {
    seed: 1,
  });
  const trainer = new Trainer(model, new Adam(model.params, { lr: 0.01 }), { loss: 'mse' });
  const x = ctx.tensor(rng.uniformArray(4 * 6 * 3), [4, 6, 3]);
  const y = ctx.tensor(rng.uniformArray(6 * 2), [6, 2]);
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) {
    losses.push((await trainer.step(x, y)).loss);
  }
  return { losses, weights: await model.stateDict() };
}

describe('pipelines compile asynchronously on first use', () => {
  it('a first training step compiles every pipeline with createComputePipelineAsync, none synchronously', async () => {
    const ctx = await createContext();
    const counts = countCompiles(ctx);
    const result = await run(ctx);
    expect(counts.sync).toBe(0);
    expect(counts.async).toBeGreaterThan(5);
    expect(counts.async).toBe(ctx.counters().pipelinesCreated);
    // Against a context that compiles synchronously (profiling encodes every dispatch at once).
    const profiled = await createContext();
    profiled.startProfiling();
    const reference = await run(profiled);
    await profiled.stopProfiling();
    expect(result).toEqual(reference);
    ctx.destroy();
    profiled.destroy();
  });

  it('an upload while a pipeline compiles: the waiting dispatch is compiled at once and runs before the upload', async () => {
    const ctx = await createContext();
    const counts = countCompiles(ctx);
    const a = ctx.tensor([1, 2, 3, 4], [2, 2]);
    const w = ctx.tensor([1, 0, 1, 1], [2, 2]);
    const y = ctx.matmul(a, w, { transB: true }); // waits for its pipeline
    ctx.write(a, [9, 9, 9, 9]); // a synchronous flush: the matmul is encoded and submitted before the upload
    const z = ctx.activation(y, 'relu');
    expect(await ctx.read(z)).toEqual(Float64Array.from([1, 3, 3, 7]));
    expect(await ctx.read(a)).toEqual(Float64Array.from([9, 9, 9, 9]));
    expect(counts.sync).toBe(1); // the matmul's; relu's came asynchronously before the readback
    expect(counts.async).toBe(2);
    ctx.destroy();
  });
});
