// sum_axis and sum_squares: GPU vs the CPU twins; sum_squares is bit-identical across runs.
import { describe, expect, it } from 'vitest';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();

describe('sum_axis vs CPU', () => {
  it.each([
    [1, 1],
    [7, 3],
    [129, 257],
    [3, 1000],
    [1000, 5],
  ])('R=%i C=%i, both axes, with and without accumulation', async (R, C) => {
    const rng = seeded(R * 31 + C);
    const xData = rng.uniformArray(R * C);
    for (const axis of [0, 1] as const) {
      const len = axis === 0 ? C : R;
      const prev = rng.uniformArray(len);
      const results: Float64Array[][] = [];
      for (const be of [gpu(), cpu]) {
        const x = be.tensor(xData, [R, C]);
        const fresh = be.sumAxis(x, axis);
        const acc = be.tensor(prev, [len]);
        be.sumAxis(x, axis, { out: acc, beta: 1 });
        results.push(await be.readMany([fresh, acc]));
        for (const t of [x, fresh, acc]) t.release();
      }
      // Sums of ≤ 1000 terms in [-1, 1]: f32 error well under 1e-4.
      expectClose(results[0][0], results[1][0], { atol: 1e-4, rtol: 1e-5, label: `sum axis ${axis}` });
      expectClose(results[0][1], results[1][1], { atol: 1e-4, rtol: 1e-5, label: `accumulated sum axis ${axis}` });
    }
  });
});

describe('sum_squares vs CPU', () => {
  it('over several tensors of awkward sizes (1, prime, more than one workgroup chunk)', async () => {
    const rng = seeded(5);
    const datas = [
      rng.uniformArray(1),
      rng.uniformArray(251),
      rng.uniformArray(70001),
      rng.uniformArray(2048 * 64 * 3 + 17),
    ];
    const totals: number[] = [];
    for (const be of [gpu(), cpu]) {
      const ts = datas.map((d) => be.tensor(d, [d.length]));
      const s = be.sumSquares(ts);
      totals.push((await be.read(s))[0]);
      for (const t of [...ts, s]) t.release();
    }
    expectClose([totals[0]], [totals[1]], { atol: 0, rtol: 1e-5, label: 'Σx²' });
  });

  it('is deterministic: the same bits on every run', async () => {
    const rng = seeded(9);
    const data = rng.uniformArray(100_003, -100, 100);
    const g = gpu();
    const x = g.tensor(data, [data.length]);
    const bits = new Set<number>();
    for (let run = 0; run < 5; run++) {
      const s = g.sumSquares([x]);
      bits.add((await g.read(s))[0]);
      s.release();
    }
    x.release();
    expect(bits.size).toBe(1);
  });

  it('propagates inf and NaN instead of hiding them', async () => {
    const g = gpu();
    const inf = g.tensor([1, Infinity, 2], [3]);
    const nan = g.tensor([1, NaN, 2], [3]);
    const [si, sn] = [g.sumSquares([inf]), g.sumSquares([nan])];
    const [vi, vn] = await g.readMany([si, sn]);
    expect(vi[0]).toBe(Infinity);
    expect(Number.isNaN(vn[0])).toBe(true);
    for (const t of [inf, nan, si, sn]) t.release();
  });
});

describe('sum (scaled) vs CPU', () => {
  it.each([1, 257, 40_000])('n=%i', async (n) => {
    const data = seeded(n).uniformArray(n);
    const totals: number[] = [];
    for (const be of [gpu(), cpu]) {
      const x = be.tensor(data, [n]);
      const s = be.sum(x, 1 / n);
      totals.push((await be.read(s))[0]);
      for (const t of [x, s]) t.release();
    }
    expectClose([totals[0]], [totals[1]], { atol: 1e-6, rtol: 1e-5, label: 'mean' });
  });
});
