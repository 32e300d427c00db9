// logSoftmax: GPU vs the CPU twin on awkward sizes (one row, one column, rows wider than a workgroup,
// logits far from 0), rows whose exponentials sum to 1, and bad input refused before any GPU work.
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/index.js';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();

describe('logSoftmax vs CPU', () => {
  it.each([
    [1, 1, 1],
    [1, 7, 1],
    [5, 1, 1],
    [3, 257, 4],
    [300, 13, 30],
    [2, 5, 80], // logits near ±80: stable only through the max
  ])('[%i, %i] scale %i', async (R, C, scale) => {
    const data = Float64Array.from(Float32Array.from(seeded(R * C).uniformArray(R * C, -scale, scale)));
    const res: Float64Array[] = [];
    for (const be of [gpu(), cpu]) {
      const x = be.tensor(data, [R, C]);
      const y = be.logSoftmax(x);
      expect(y.shape).toEqual([R, C]);
      res.push(await be.read(y));
      x.release();
      y.release();
    }
    expectClose(res[0], res[1], { atol: 2e-6, rtol: 1e-5, label: 'log-probabilities' });
    for (let r = 0; r < R; r++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(res[1][r * C + c]);
      expect(Math.abs(s - 1)).toBeLessThan(1e-12);
    }
  });

  it('equals log(softmax) computed directly (CPU, f64)', async () => {
    const x = cpu.tensor([1, 2, 3, -1, 0, 1], [2, 3]);
    const out = cpu.logSoftmax(x);
    const y = await cpu.read(out);
    x.release();
    out.release();
    const row = (a: number[]) => a.map((v) => v - Math.log(a.reduce((s, u) => s + Math.exp(u), 0)));
    expectClose(y, [...row([1, 2, 3]), ...row([-1, 0, 1])], { atol: 1e-15, rtol: 1e-15 });
  });

  it('refuses a tensor that is not a matrix, before any GPU work', () => {
    const be = gpu();
    const x = be.tensor([1, 2, 3], [3]);
    be.resetCounters();
    expect(() => be.logSoftmax(x)).toThrow(ShapeError);
    expect(() => be.logSoftmax(x)).toThrow(/x: expected a matrix \[R, C\]/);
    expect(be.counters().dispatches).toBe(0);
    x.release();
  });
});
