// bce_with_logits (BCEWithLogitsLoss): GPU vs the CPU twin on awkward sizes, with and without posWeight,
// 0/1 and soft targets, logits far past exp's f32 range; the cost; typed errors.
import { describe, expect, it } from 'vitest';
import { expectClose, seeded, useGpu } from '../helpers.js';
import { ShapeError, ValueError, type Backend } from '../../src/index.js';

const { gpu, cpu } = useGpu();
// The loss sums up to 900 terms of size up to ~200 (logits ±200): f32 sums to ~1e-6 relative.
const VALUE_TOL = { atol: 1e-5, rtol: 1e-5 };
// σ(−x) − (1 − y) cancels in f32 near the targets: a few ulps of 1.
const GRAD_TOL = { atol: 5e-7, rtol: 1e-5 };

describe.each([
  [1, 1],
  [7, 5],
  [300, 3],
])('bce_with_logits vs CPU, B=%i C=%i', (B, C) => {
  it.each([
    ['0/1 targets', false, false],
    ['soft targets', true, false],
    ['posWeight', false, true],
    ['soft targets and posWeight', true, true],
  ])('%s', async (_, soft, withPw) => {
    const rng = seeded(B * 7 + C);
    const x = rng.uniformArray(B * C, -6, 6);
    x[0] = 200; // exp(200) overflows f32: the stable form never computes it
    if (x.length > 1) x[1] = -200;
    const t = Float64Array.from({ length: B * C }, () => (soft ? rng.uniform(0, 1) : rng.int(2)));
    const pw = rng.uniformArray(C, 0.2, 5);
    for (const reduction of ['mean', 'sum'] as const) {
      const res: Float64Array[][] = [];
      for (const be of [gpu(), cpu] as Backend[]) {
        const [xt, tt] = [be.tensor(x, [B, C]), be.tensor(t, [B, C])];
        const pwt = withPw ? be.tensor(pw, [C]) : undefined;
        const r = be.bceWithLogits(xt, tt, reduction, { posWeight: pwt });
        res.push(await be.readMany([r.loss, r.grad]));
        for (const u of [xt, tt, pwt, r.loss, r.grad]) u?.release();
      }
      expect(Number.isFinite(res[0][0][0])).toBe(true);
      expectClose(res[0][0], res[1][0], { ...VALUE_TOL, label: `${reduction} loss` });
      expectClose(res[0][1], res[1][1], { ...GRAD_TOL, label: `${reduction} grad` });
    }
  });
});

describe('bce_with_logits structure and errors', () => {
  it('keeps tiny losses: a confident right answer costs e^−|x|, not 0 (log1p on the GPU)', async () => {
    const g = gpu();
    const [x, t] = [g.tensor([20, -20], [2]), g.tensor([1, 0], [2])];
    const r = g.bceWithLogits(x, t, 'sum');
    expectClose(await g.read(r.loss), [2 * Math.log1p(Math.exp(-20))], { atol: 0, rtol: 1e-5, label: 'loss' });
    for (const u of [x, t, r.loss, r.grad]) u.release();
  });

  it('posWeight runs along the last axis of a rank-3 output ([T, B, C])', async () => {
    const rng = seeded(3);
    const [T, B, C] = [3, 2, 5];
    const x = rng.uniformArray(T * B * C, -3, 3);
    const t = Float64Array.from({ length: T * B * C }, () => rng.int(2));
    const pw = [2, 0.25, 1, 4, 0.5];
    const res: Float64Array[][] = [];
    for (const be of [gpu(), cpu] as Backend[]) {
      const [xt, tt, pwt] = [be.tensor(x, [T, B, C]), be.tensor(t, [T, B, C]), be.tensor(pw, [C])];
      const r = be.bceWithLogits(xt, tt, 'mean', { posWeight: pwt });
      res.push(await be.readMany([r.loss, r.grad]));
      for (const u of [xt, tt, pwt, r.loss, r.grad]) u.release();
    }
    expectClose(res[0][0], res[1][0], { ...VALUE_TOL, label: 'loss' });
    expectClose(res[0][1], res[1][1], { ...GRAD_TOL, label: 'grad' });
  });

  it('costs one kernel and the two-stage sum: 3 dispatches, with or without posWeight', () => {
    const g = gpu();
    const [x, t, pw] = [g.tensor(seeded(1).uniformArray(40), [10, 4]), g.zeros([10, 4]), g.tensor([1, 2, 3, 4], [4])];
    for (const posWeight of [undefined, pw]) {
      g.flush();
      g.resetCounters();
      const r = g.bceWithLogits(x, t, 'mean', { posWeight });
      expect(g.counters()).toMatchObject({ dispatches: 3, submits: 0, readbacks: 0 });
      r.loss.release();
      r.grad.release();
    }
    for (const u of [x, t, pw]) u.release();
  });

  it('refuses a posWeight or targets of the wrong shape, and unknown options, before any GPU work', () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const x = be.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]);
      const t = be.tensor([1, 0, 1, 0, 1, 0], [3, 2]);
      const pw = be.tensor([1, 2], [2]);
      be.resetCounters();
      expect(() => be.bceWithLogits(x, x, 'mean', { posWeight: pw })).toThrow(ShapeError);
      expect(() => be.bceWithLogits(x, x, 'mean', { posWeight: pw })).toThrow(
        /posWeight: expected shape \[3\], got shape \[2\]/,
      );
      expect(() => be.bceWithLogits(x, t, 'mean')).toThrow(
        /targets: expected the shape of logits \[2, 3\], got \[3, 2\]/,
      );
      expect(() => be.bceWithLogits(x, x, 'mean', { posWeight: [1, 2, 3] as never })).toThrow(ValueError);
      expect(() => be.bceWithLogits(x, x, 'mean', { pos_weight: pw } as never)).toThrow(/unknown option "pos_weight"/);
      expect(be.counters().dispatches).toBe(0);
      for (const u of [x, t, pw]) u.release();
    }
  });
});
