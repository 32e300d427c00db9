// Test helpers: one comparison (atol + rtol·|ref|, non-finite handled explicitly, a window around the
// first mismatches), seeded data, and a GPU fixture that fails — never skips — when no adapter exists.
import { afterAll, beforeAll, expect } from 'vitest';
import {
  createContext,
  type WebGpuBackend,
  CpuBackend,
  Rng,
  Linear,
  SGD,
  Sequential,
  Trainer,
  type Counters,
  type Layer,
} from '../src/index.js';

export interface Tolerance {
  atol: number;
  rtol: number;
  label?: string;
}

export function compareArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): string | null {
  const label = tol.label ?? 'values';
  if (actual.length !== expected.length) return `${label}: length ${actual.length}, expected ${expected.length}`;
  const bad: number[] = [];
  let maxErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    let ok: boolean;
    if (Number.isNaN(e)) ok = Number.isNaN(a);
    else if (!Number.isFinite(e)) ok = a === e;
    else if (!Number.isFinite(a)) ok = false;
    else {
      const err = Math.abs(a - e);
      maxErr = Math.max(maxErr, err);
      ok = err <= tol.atol + tol.rtol * Math.abs(e);
    }
    if (!ok) bad.push(i);
  }
  if (bad.length === 0) return null;
  const first = bad[0];
  const lines = [];
  for (let i = Math.max(0, first - 2); i < Math.min(expected.length, first + 6); i++) {
    lines.push(`  [${i}] got ${actual[i]} expected ${expected[i]}${bad.includes(i) ? '  <--' : ''}`);
  }
  return `${label}: ${bad.length}/${expected.length} outside atol ${tol.atol} + rtol ${tol.rtol}·|ref| (max abs err ${maxErr.toExponential(3)})\n${lines.join('\n')}`;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): void {
  const msg = compareArrays(actual, expected, tol);
  if (msg) expect.fail(msg);
}

export function seeded(seed: number): Rng {
  return new Rng(seed);
}

/**
 * A WebGPU context for one test file: created before, destroyed after. Each test file asserts its GPU
 * work produced no validation error (readbacks throw them) and that it left no tensor alive.
 */
export function useGpu(options: Parameters<typeof createContext>[0] = {}): {
  gpu: () => WebGpuBackend;
  cpu: CpuBackend;
} {
  let gpu: WebGpuBackend | undefined;
  const cpu = new CpuBackend();
  beforeAll(async () => {
    gpu = (await createContext({ backend: 'webgpu', ...(options as object) })) as WebGpuBackend;
  });
  afterAll(async () => {
    if (!gpu) return;
    await gpu.sync();
    const live = gpu.liveTensors();
    gpu.destroy();
    expect(live, 'GPU tensors left alive by this test file').toBe(0);
    expect(cpu.liveTensors(), 'CPU tensors left alive by this test file').toBe(0);
  });
  return {
    gpu: () => {
      if (!gpu) throw new Error('no WebGPU context (createContext failed in beforeAll)');
      return gpu;
    },
    cpu,
  };
}

/**
 * The counters of one recurrent training step (after a warm-up step): `recurrent` (outFeatures wide per
 * step) + a Linear head on every step + MSE over all steps + SGD, on input [T, 4, inputSize] (with 4 lengths if given).
 */
export async function recurrentStepCounters(
  g: WebGpuBackend,
  recurrent: Layer,
  T: number,
  lengths?: number[],
): Promise<Counters> {
  const [B, I, O] = [4, recurrent.inFeatures!, 2];
  const model = new Sequential(g, [recurrent, new Linear(recurrent.outFeatures!, O)], { seed: 1 });
  const trainer = new Trainer(model, new SGD(model.params, { lr: 0.01 }), { loss: 'mse' });
  const rng = seeded(T);
  const x = g.tensor(rng.uniformArray(T * B * I), [T, B, I]);
  const y = g.tensor(rng.uniformArray(T * B * O), [T, B, O]);
  await trainer.step(x, y, { lengths });
  g.resetCounters();
  await trainer.step(x, y, { lengths });
  const c = g.counters();
  for (const t of [x, y]) t.release();
  trainer.release();
  trainer.optimizer.release();
  model.release();
  return c;
}
