// smooth_l1 (L1Loss, HuberLoss, SmoothL1Loss): GPU vs the CPU twin, loss and gradient, both reductions,
// awkward sizes (1, odd, more than one workgroup); the cost (one kernel + the two-stage sum); typed errors.
import { describe, expect, it } from 'vitest';
import { expectClose, seeded, useGpu } from '../helpers.js';
import { ShapeError, ValueError, type Backend, type LossResult, type Reduction, type Tensor } from '../../src/index.js';

const { gpu, cpu } = useGpu();
const VALUE_TOL = { atol: 1e-6, rtol: 1e-5 };
const GRAD_TOL = { atol: 1e-7, rtol: 1e-5 };

type Variant = [string, (be: Backend, y: Tensor, t: Tensor, r: Reduction) => LossResult];
const VARIANTS: Variant[] = [
  ['l1', (be, y, t, r) => be.l1(y, t, r)],
  ['huber delta 1 (default)', (be, y, t, r) => be.huber(y, t, r)],
  ['huber delta 0.4', (be, y, t, r) => be.huber(y, t, r, { delta: 0.4 })],
  ['smoothL1 beta 1 (default)', (be, y, t, r) => be.smoothL1(y, t, r)],
  ['smoothL1 beta 2.5', (be, y, t, r) => be.smoothL1(y, t, r, { beta: 2.5 })],
  ['smoothL1 beta 0 (L1)', (be, y, t, r) => be.smoothL1(y, t, r, { beta: 0 })],
];

describe.each([
  [1, 1],
  [13, 7],
  [300, 3],
])('smooth_l1 vs CPU, B=%i O=%i', (B, O) => {
  it.each(VARIANTS)('%s', async (_, loss) => {
    const rng = seeded(B * 31 + O);
    const y = rng.uniformArray(B * O, -3, 3);
    const t = rng.uniformArray(B * O, -3, 3);
    for (const reduction of ['mean', 'sum'] as const) {
      const res: Float64Array[][] = [];
      for (const be of [gpu(), cpu]) {
        const [yt, tt] = [be.tensor(y, [B, O]), be.tensor(t, [B, O])];
        const r = loss(be, yt, tt, reduction);
        res.push(await be.readMany([r.loss, r.grad]));
        for (const x of [yt, tt, r.loss, r.grad]) x.release();
      }
      expectClose(res[0][0], res[1][0], { ...VALUE_TOL, label: `${reduction} loss` });
      expectClose(res[0][1], res[1][1], { ...GRAD_TOL, label: `${reduction} grad` });
    }
  });
});

describe('smooth_l1 structure and errors', () => {
  it('HuberLoss(delta) is delta · SmoothL1Loss(beta = delta), and beta 0 is L1 (GPU)', async () => {
    const g = gpu();
    const rng = seeded(9);
    const [y, t] = [g.tensor(rng.uniformArray(50, -3, 3), [50]), g.tensor(rng.uniformArray(50, -3, 3), [50])];
    const [h, s, l1, s0] = [
      g.huber(y, t, 'sum', { delta: 0.7 }),
      g.smoothL1(y, t, 'sum', { beta: 0.7 }),
      g.l1(y, t, 'sum'),
      g.smoothL1(y, t, 'sum', { beta: 0 }),
    ];
    const [hv, sv, l1v, s0v] = await g.readMany([h.loss, s.loss, l1.loss, s0.loss]);
    expectClose(hv, [0.7 * sv[0]], { atol: 1e-5, rtol: 1e-6, label: 'huber = delta · smoothL1' });
    expect(Array.from(s0v)).toEqual(Array.from(l1v));
    for (const r of [h, s, l1, s0]) [r.loss, r.grad].forEach((x) => x.release());
    for (const x of [y, t]) x.release();
  });

  it('costs one kernel and the two-stage sum: 3 dispatches, no submit until read', () => {
    const g = gpu();
    const [y, t] = [g.tensor(seeded(1).uniformArray(600), [600]), g.tensor(seeded(2).uniformArray(600), [600])];
    g.flush();
    g.resetCounters();
    const r = g.huber(y, t, 'mean', { delta: 0.5 });
    expect(g.counters()).toMatchObject({ dispatches: 3, submits: 0, readbacks: 0 });
    for (const x of [y, t, r.loss, r.grad]) x.release();
  });

  it('refuses bad options and shapes by name before any GPU work', () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const y = be.tensor([1, 2, 3, 4], [2, 2]);
      const t = be.tensor([1, 2, 3], [3]);
      be.resetCounters();
      expect(() => be.huber(y, y, 'mean', { delta: 0 })).toThrow(ValueError);
      expect(() => be.huber(y, y, 'mean', { delta: -1 })).toThrow(/delta: expected a finite number > 0, got -1/);
      expect(() => be.huber(y, y, 'mean', { delta: NaN })).toThrow(/delta/);
      expect(() => be.smoothL1(y, y, 'mean', { beta: -0.5 })).toThrow(/beta: expected a finite number ≥ 0, got -0.5/);
      expect(() => be.smoothL1(y, y, 'mean', { delta: 1 } as never)).toThrow(/unknown option "delta"/);
      expect(() => be.l1(y, t, 'mean')).toThrow(ShapeError);
      expect(() => be.huber(y, t, 'mean')).toThrow(/target: expected the shape of the prediction \[2, 2\]/);
      expect(() => be.l1(y, y, 'none' as 'mean')).toThrow(/reduction/);
      expect(be.counters().dispatches).toBe(0);
      for (const x of [y, t]) x.release();
    }
  });
});
