// cross_entropy: GPU vs the CPU twin (loss and gradient), both reductions, awkward sizes; ignoreIndex (the
// GPU-side count and loss_mean) and label smoothing, their cost and errors.
import { describe, expect, it } from 'vitest';
import { expectClose, seeded, useGpu } from '../helpers.js';
import { ShapeError, ValueError, type Backend, type CrossEntropyOptions } from '../../src/index.js';

const { gpu, cpu } = useGpu();
// softmax(z) - 1 cancels in f32: absolute error up to a few ulps of 1 (~2e-7) on O(1) gradients.
const GRAD_TOL = { atol: 5e-7, rtol: 1e-5 };

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

  it('makes an out-of-range target visible as NaN (loss and its row of the gradient) on both backends', async () => {
    for (const be of [gpu(), cpu]) {
      const lt = be.tensor([1, 2, 3, 4], [2, 2]);
      const tt = be.tensor([0, 2], [2]);
      const { loss, grad } = be.crossEntropy(lt, tt, 'mean');
      const [l, g] = await be.readMany([loss, grad]);
      expect(Number.isNaN(l[0])).toBe(true);
      expect(Array.from(g).map(Number.isNaN)).toEqual([false, false, true, true]);
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

describe('cross_entropy options vs CPU', () => {
  const OPTIONS: CrossEntropyOptions[] = [
    { labelSmoothing: 0.1 },
    { labelSmoothing: 1 },
    { ignoreIndex: -100 },
    { ignoreIndex: 0 },
    { ignoreIndex: -100, labelSmoothing: 0.3 },
  ];
  it.each([
    [1, 1],
    [1, 5],
    [67, 3],
    [300, 10],
  ])('B=%i C=%i', async (B, C) => {
    const rng = seeded(B * 3 + C);
    const logits = rng.uniformArray(B * C, -5, 5);
    logits[0] = 1e4;
    const targets = Float64Array.from({ length: B }, (_, b) => (b % 3 === 1 ? -100 : rng.int(C)));
    if (B === 1) targets[0] = 0; // one row, kept (the all-ignored case has its own test)
    for (const options of OPTIONS) {
      for (const reduction of ['mean', 'sum'] as const) {
        const res: Float64Array[][] = [];
        for (const be of [gpu(), cpu] as Backend[]) {
          const [lt, tt] = [be.tensor(logits, [B, C]), be.tensor(targets, [B])];
          const { loss, grad } = be.crossEntropy(lt, tt, reduction, options);
          res.push(await be.readMany([loss, grad]));
          for (const x of [lt, tt, loss, grad]) x.release();
        }
        const label = `${JSON.stringify(options)} ${reduction}`;
        // Without ignoreIndex the -100 targets are out of range: NaN on both backends (compared as such).
        expectClose(res[0][0], res[1][0], { atol: 1e-4, rtol: 1e-5, label: `${label} loss` });
        expectClose(res[0][1], res[1][1], { ...GRAD_TOL, label: `${label} grad` });
      }
    }
  });

  it('every row ignored: NaN loss with "mean" (0 with "sum") and a zero gradient, as torch', async () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const lt = be.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
      const tt = be.tensor([-100, -100, -100], [3]);
      for (const [reduction, expected] of [
        ['mean', NaN],
        ['sum', 0],
      ] as const) {
        const { loss, grad } = be.crossEntropy(lt, tt, reduction, { ignoreIndex: -100, labelSmoothing: 0.2 });
        const [l, g] = await be.readMany([loss, grad]);
        expect(l[0], `${be.kind} ${reduction}`).toBe(expected);
        expect(Array.from(g)).toEqual([0, 0, 0, 0, 0, 0]);
        for (const x of [loss, grad]) x.release();
      }
      for (const x of [lt, tt]) x.release();
    }
  });

  it("costs 3 dispatches, and 6 when 'mean' divides by a count only the GPU knows (ignoreIndex)", () => {
    const g = gpu();
    const [lt, tt] = [g.tensor(seeded(1).uniformArray(40), [10, 4]), g.tensor([0, 1, 2, 3, 0, 1, 2, 3, 0, 1], [10])];
    const cases: [CrossEntropyOptions, 'mean' | 'sum', number][] = [
      [{}, 'mean', 3],
      [{ labelSmoothing: 0.1 }, 'mean', 3],
      [{ ignoreIndex: -100 }, 'sum', 3],
      // + the count's two-stage sum and loss_mean
      [{ ignoreIndex: -100, labelSmoothing: 0.1 }, 'mean', 6],
    ];
    for (const [options, reduction, dispatches] of cases) {
      g.flush();
      g.resetCounters();
      const { loss, grad } = g.crossEntropy(lt, tt, reduction, options);
      expect(g.counters(), JSON.stringify(options)).toMatchObject({ dispatches, submits: 0, readbacks: 0 });
      for (const x of [loss, grad]) x.release();
    }
    for (const x of [lt, tt]) x.release();
  });

  it('refuses a labelSmoothing outside [0, 1], a non-integer ignoreIndex and unknown options, before any GPU work', () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const lt = be.tensor([1, 2, 3, 4], [2, 2]);
      const tt = be.tensor([0, 1], [2]);
      be.resetCounters();
      expect(() => be.crossEntropy(lt, tt, 'mean', { labelSmoothing: 1.5 })).toThrow(
        /labelSmoothing: expected a number in \[0, 1\], got 1.5/,
      );
      expect(() => be.crossEntropy(lt, tt, 'mean', { labelSmoothing: -0.1 })).toThrow(ValueError);
      expect(() => be.crossEntropy(lt, tt, 'mean', { ignoreIndex: 0.5 })).toThrow(/ignoreIndex: expected an integer/);
      expect(() => be.crossEntropy(lt, tt, 'mean', { ignoreIndex: 2 ** 30 })).toThrow(/ignoreIndex/);
      expect(() => be.crossEntropy(lt, tt, 'mean', { ignore_index: -100 } as never)).toThrow(
        /unknown option "ignore_index" \(did you mean ignoreIndex\?\)/,
      );
      expect(be.counters().dispatches).toBe(0);
      for (const x of [lt, tt]) x.release();
    }
  });
});
