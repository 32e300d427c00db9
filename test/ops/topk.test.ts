// Top-k per row (src/ops/topk: topk.wgsl, CPU twin cpu.ts): GPU and CPU agree exactly on awkward sizes,
// with ties (to the lowest index), ±Infinity, NaN and −0 entries, k = 1 and k = N; bad k refused.
import { describe, expect, it } from 'vitest';
import { ValueError, type Backend } from '../../src/index.js';
import { topkRow } from '../../src/ops/topk/cpu.js';
import { seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();

async function run(be: Backend, x: ArrayLike<number>, shape: number[], k: number) {
  const t = be.tensor(x, shape);
  const { values, indices } = be.topk(t, k);
  const [v, i] = await be.readMany([values, indices]);
  expect(values.shape).toEqual([...shape.slice(0, -1), k]);
  for (const u of [t, values, indices]) u.release();
  return { values: Array.from(v), indices: Array.from(i) };
}

/** Values with many ties: integers in a small range, some −Infinity. */
function tied(seed: number, n: number, range: number): number[] {
  const r = seeded(seed);
  return Array.from({ length: n }, () => {
    const u = Math.floor(r.uniform(0, range + 1));
    return u === range ? -Infinity : u - range / 2;
  });
}

describe('topk, GPU vs CPU', () => {
  // N 1, 2, primes, around the workgroup, thousands; k 1, a few, N.
  it.each([
    [3, 1, 1],
    [4, 2, 1],
    [5, 7, 3],
    [2, 255, 5],
    [3, 256, 256],
    [2, 257, 40],
    [1, 200, 5],
    [2, 1000, 1000],
    [2, 4099, 7],
    [70001, 3, 2], // more rows than one grid dimension holds
  ])('R=%i N=%i k=%i: the same values and indices, ties to the lowest index', async (R, N, k) => {
    for (const x of [Array.from(seeded(N).uniformArray(R * N, -4, 4), Math.fround), tied(N + 1, R * N, 5)]) {
      const g = await run(gpu(), x, [R, N], k);
      const h = await run(cpu, x, [R, N], k);
      expect(g).toEqual(h);
      for (let r = 0; r < R; r++) {
        const row = x.slice(r * N, (r + 1) * N);
        const order = Array.from({ length: N }, (_, i) => i).sort((i, j) => row[j] - row[i] || i - j);
        const expected = order.filter((i) => row[i] > -Infinity).concat(order.filter((i) => row[i] === -Infinity));
        expect(h.indices.slice(r * k, (r + 1) * k)).toEqual(expected.slice(0, k));
      }
    }
  });

  it('NaN ranks above +Infinity, −0 ties with +0, −Infinity last; rank-3 input', async () => {
    const x = [1, NaN, -Infinity, 0, -0, Infinity, NaN, 0, -Infinity, 2];
    const g = await run(gpu(), x.concat(x), [2, 1, 10], 10);
    const h = await run(cpu, x.concat(x), [2, 1, 10], 10);
    expect(g.indices).toEqual(h.indices);
    expect(h.indices.slice(0, 10)).toEqual([1, 6, 5, 9, 0, 3, 4, 7, 2, 8]);
    expect(topkRow(x, 3)).toEqual([1, 6, 5]);
    expect(g.values.slice(2).map(String)).toEqual(h.values.slice(2).map(String));
  });

  it('refuses k = 0, k > N and a non-integer k, naming k', () => {
    for (const be of [cpu, gpu()]) {
      const x = be.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      for (const k of [0, 4, 1.5]) expect(() => be.topk(x, k)).toThrow(ValueError);
      expect(() => be.topk(x, 4)).toThrow(/k.*\[1, 3\]/);
      x.release();
    }
  });
});
