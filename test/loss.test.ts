// mse and cross_entropy: GPU vs the CPU twins (loss and gradient), both reductions, awkward sizes.
import { describe, expect, it } from 'vitest';
import { expectClose, seeded, useGpu } from './helpers.js';
import { ShapeError, ValueError } from '../src/index.js';

const { gpu, cpu } = useGpu();
const VALUE_TOL = { atol: 1e-6, rtol: 1e-5 };
// softmax(z) - 1 cancels in f32: absolute error up to a few ulps of 1 (~2e-7) on O(1) gradients.
const GRAD_TOL = { atol: 5e-7, rtol: 1e-5 };

describe('mse vs CPU', () => {
  it.each([
    [1, 1],
    [13, 7],
    [300, 3],
  ])('B=%i O=%i', async (B, O) => {
    const rng = seeded(B + O);
    const y = rng.uniformArray(B * O, -3, 3);
    const t = rng.uniformArray(B * O, -3, 3);
    for (const reduction of ['mean', 'sum'] as const) {
      const res: Float64Array[][] = [];
      for (const be of [gpu(), cpu]) {
        const [yt, tt] = [be.tensor(y, [B, O]), be.tensor(t, [B, O])];
        const { loss, grad } = be.mse(yt, tt, reduction);
        res.push(await be.readMany([loss, grad]));
        for (const x of [yt, tt, loss, grad]) x.release();
      }
      expectClose(res[0][0], res[1][0], { ...VALUE_TOL, label: `mse ${reduction} loss` });
      expectClose(res[0][1], res[1][1], { ...GRAD_TOL, label: `mse ${reduction} grad` });
    }
  });
});

describe('cross_entropy vs CPU', () => {
  it.each([
    [1, 1],
    [1, 5],
    [67, 3],
    [130, 10],
  ])('B=%i C=%i, including huge logits', async (B, C) => {
    const rng = seeded(B * 7 + C);
    const logits = rng.uniformArray(B * C, -5, 5);
    logits[0] = 1e4; // exp overflow in a naive softmax
    if (logits.length > 1) logits[1] = -1e4;
    const targets = Float64Array.from({ length: B }, () => rng.int(C));
    for (const reduction of ['mean', 'sum'] as const) {
      const res: Float64Array[][] = [];
      for (const be of [gpu(), cpu]) {
        const [lt, tt] = [be.tensor(logits, [B, C]), be.tensor(targets, [B])];
        const { loss, grad } = be.crossEntropy(lt, tt, reduction);
        res.push(await be.readMany([loss, grad]));
        for (const x of [lt, tt, loss, grad]) x.release();
      }
      expect(Number.isFinite(res[0][0][0])).toBe(true);
      expectClose(res[0][0], res[1][0], { atol: 1e-4, rtol: 1e-5, label: `ce ${reduction} loss` });
      expectClose(res[0][1], res[1][1], { ...GRAD_TOL, label: `ce ${reduction} grad` });
    }
  });

  it('makes an out-of-range target visible as NaN on both backends', async () => {
    for (const be of [gpu(), cpu]) {
      const lt = be.tensor([1, 2, 3, 4], [2, 2]);
      const tt = be.tensor([0, 2], [2]);
      const { loss, grad } = be.crossEntropy(lt, tt, 'mean');
      expect(Number.isNaN((await be.read(loss))[0])).toBe(true);
      for (const x of [lt, tt, loss, grad]) x.release();
    }
  });

  it('rejects mismatched shapes and reductions by name', () => {
    const be = cpu;
    const lt = be.tensor([1, 2, 3, 4], [2, 2]);
    const tt = be.tensor([0, 1, 1], [3]);
    expect(() => be.crossEntropy(lt, tt, 'mean')).toThrow(ShapeError);
    expect(() => be.crossEntropy(lt, tt, 'mean')).toThrow(/targets: expected shape \[2\], got shape \[3\]/);
    expect(() => be.mse(lt, lt, 'avg' as 'mean')).toThrow(ValueError);
    for (const x of [lt, tt]) x.release();
  });
});
