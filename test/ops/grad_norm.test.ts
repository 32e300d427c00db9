// grad_norm (with grad_scale applying its coefficient): GPU vs the CPU twins below, at and above max_norm, L2
// and inf norms, inf and NaN gradients; and the same bits on every run (no atomics).
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/index.js';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();
const TOL = { atol: 1e-6, rtol: 1e-5 };

async function normOf(be: Backend, data: Float64Array, maxNorm: number, normType: 2 | 'inf', lossValue: number | null) {
  const g = be.tensor(data, [data.length]);
  const loss = lossValue === null ? null : be.tensor([lossValue], [1]);
  const gscale = be.gradNorm(g, maxNorm, normType, loss);
  be.gradScale(g, gscale);
  const [s, scaled] = await be.readMany([gscale, g]);
  for (const t of [g, loss, gscale]) t?.release();
  return { s, scaled };
}

describe('grad_norm + grad_scale vs CPU', () => {
  const sizes = [1, 257, 70_001];
  it.each(sizes)('n=%i: below, at and above max_norm, L2 and inf', async (n) => {
    const data = seeded(n).uniformArray(n, -1, 1);
    let l2 = 0;
    for (const v of data) l2 += v * v;
    l2 = Math.sqrt(l2);
    for (const normType of [2, 'inf'] as const) {
      const total = normType === 2 ? l2 : Math.max(...Array.from(data, Math.abs));
      for (const maxNorm of [total * 2, total, total / 3, Infinity]) {
        const [a, b] = [
          await normOf(gpu(), data, maxNorm, normType, 0.5),
          await normOf(cpu, data, maxNorm, normType, 0.5),
        ];
        expectClose(a.s, b.s, { ...TOL, label: `gscale ${normType} max ${maxNorm}` });
        expectClose(a.scaled, b.scaled, { ...TOL, label: `clipped grads ${normType} max ${maxNorm}` });
      }
    }
  });

  it('non-finite gradients or loss set the skip flag; the coefficient follows PyTorch (inf → 0, NaN → NaN)', async () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      for (const [data, loss, label] of [
        [Float64Array.of(1, Infinity, 2), 1, 'inf gradient'],
        [Float64Array.of(1, NaN, 2), 1, 'NaN gradient'],
        [Float64Array.of(1, 2, 2), NaN, 'NaN loss'],
        [Float64Array.of(1, 2, 2), Infinity, 'inf loss'],
      ] as const) {
        for (const normType of [2, 'inf'] as const) {
          const { s, scaled } = await normOf(be, data, 1, normType, loss);
          expect(s[2], `${be.kind} ${label} ${normType} skip flag`).toBe(1);
          if (label === 'NaN gradient') {
            expect(Number.isNaN(s[0]) && Number.isNaN(s[1]), `${be.kind} ${normType} NaN norm and coefficient`).toBe(
              true,
            );
            expect(scaled.every(Number.isNaN)).toBe(true); // torch: every gradient * NaN
          } else if (label === 'inf gradient') {
            expect([s[0], s[1]]).toEqual([Infinity, 0]);
            expect(Number.isNaN(scaled[1]) && scaled[0] === 0 && scaled[2] === 0).toBe(true); // torch: g * 0
          } else {
            const total = normType === 2 ? 3 : 2; // the finite norm clips as usual
            expect(s[1]).toBeCloseTo(1 / (total + 1e-6), 6);
          }
        }
      }
    }
  });

  it('is deterministic: the same bits on every run', async () => {
    const data = seeded(2).uniformArray(300_001, -10, 10);
    const seen = new Set<number>();
    for (let i = 0; i < 4; i++) seen.add((await normOf(gpu(), data, 1, 2, null)).s[0]);
    expect(seen.size).toBe(1);
  });
});
