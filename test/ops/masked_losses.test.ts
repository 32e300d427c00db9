// l1, huber, smoothL1 and bceWithLogits on per-step outputs with lengths (a StepMask): 'mean' is the sum
// over the valid (step, row, unit) elements over their count, as mse with lengths; the padding gets no
// loss and a zero gradient whatever it holds (NaN and huge values included), on the CPU twin exactly and
// on the GPU bit for bit; GPU vs CPU on awkward sizes, both layouts; the cost (two dispatches more) and
// typed errors before any work. Finite differences: test/ops/loss_gradcheck.test.ts.
import { describe, expect, it } from 'vitest';
import { expectClose, seeded, useGpu } from '../helpers.js';
import {
  ShapeError,
  ValueError,
  type Backend,
  type LossResult,
  type Reduction,
  type StepMask,
  type Tensor,
} from '../../src/index.js';

const { gpu, cpu } = useGpu();
const VALUE_TOL = { atol: 1e-6, rtol: 1e-5 };
// bceWithLogits' 1 − y − lw·σ(−x) cancels in f32: a few ulps of its terms, as test/ops/bce_with_logits.test.ts.
const GRAD_TOL = { atol: 5e-7, rtol: 1e-5 };

type Loss = (be: Backend, y: Tensor, t: Tensor, r: Reduction, steps?: StepMask) => LossResult;
/** The losses under test; bceWithLogits with a posWeight over the C units (made by the caller's backend). */
const LOSSES: Array<[string, Loss]> = [
  ['l1', (be, y, t, r, s) => be.l1(y, t, r, s)],
  ['huber delta 0.4', (be, y, t, r, s) => be.huber(y, t, r, { delta: 0.4 }, s)],
  ['smoothL1 beta 0 (L1)', (be, y, t, r, s) => be.smoothL1(y, t, r, { beta: 0 }, s)],
  ['smoothL1 beta 2.5', (be, y, t, r, s) => be.smoothL1(y, t, r, { beta: 2.5 }, s)],
  ['bceWithLogits', (be, y, t, r, s) => be.bceWithLogits(y, t, r, undefined, s)],
  [
    'bceWithLogits posWeight',
    (be, y, t, r, s) => {
      const C = y.shape.at(-1)!;
      const pw = be.tensor(
        Float64Array.from({ length: C }, (_, i) => 0.5 + (i % 4)),
        [C],
      );
      try {
        return be.bceWithLogits(y, t, r, { posWeight: pw }, s);
      } finally {
        pw.release();
      }
    },
  ],
];

interface Batch {
  shape: number[];
  y: Float64Array;
  t: Float64Array;
  lengths: number[];
  /** The flat indices of the padding's elements. */
  padding: number[];
}

/** A batch [T, B, C] ([B, T, C] batch-first) with lengths 1 and T among the rows when B allows. */
function batch(T: number, B: number, C: number, batchFirst: boolean, seed: number): Batch {
  const rng = seeded(seed);
  const lengths = Array.from({ length: B }, (_, b) =>
    b === 0 ? T : b === 1 ? 1 : 1 + Math.floor(rng.uniform(0, 1) * T),
  );
  const padding: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = batchFirst ? b * T + t : t * B + b;
      if (t >= lengths[b]) for (let c = 0; c < C; c++) padding.push(row * C + c);
    }
  }
  return {
    shape: batchFirst ? [B, T, C] : [T, B, C],
    y: rng.uniformArray(T * B * C, -3, 3),
    t: rng.uniformArray(T * B * C, 0, 1),
    lengths,
    padding,
  };
}

async function run(
  be: Backend,
  loss: Loss,
  b: Batch,
  y: Float64Array,
  t: Float64Array,
  reduction: Reduction,
  batchFirst: boolean,
  masked = true,
): Promise<{ loss: number; grad: Float64Array }> {
  const [yt, tt, lt] = [be.tensor(y, b.shape), be.tensor(t, b.shape), be.tensor(b.lengths, [b.lengths.length])];
  const steps = masked ? { lengths: lt, count: b.lengths.reduce((s, l) => s + l, 0), batchFirst } : undefined;
  const r = loss(be, yt, tt, reduction, steps);
  const [l, g] = await be.readMany([r.loss, r.grad]);
  for (const u of [yt, tt, lt, r.loss, r.grad]) u.release();
  return { loss: l[0], grad: g };
}

describe.each([
  [1, 1, 1],
  [3, 1, 2],
  [5, 3, 7],
  [7, 5, 53], // 1855 elements: more than one workgroup
])('masked losses, T=%i B=%i C=%i', (T, B, C) => {
  it.each(LOSSES)(
    '%s: the mean over the valid elements, padding changes nothing, GPU matches the CPU',
    async (_, loss) => {
      for (const batchFirst of [false, true]) {
        const b = batch(T, B, C, batchFirst, T * 100 + B * 10 + C);
        // The same batch with other padding: NaN, huge values and other targets.
        const [y2, t2] = [b.y.slice(), b.t.slice()];
        b.padding.forEach((i, k) => {
          y2[i] = k % 3 === 0 ? NaN : k % 3 === 1 ? 1e30 : -7;
          t2[i] = k % 2 === 0 ? NaN : 5;
        });
        for (const reduction of ['mean', 'sum'] as const) {
          const label = `${reduction} batch-first ${batchFirst}`;
          const c = await run(cpu, loss, b, b.y, b.t, reduction, batchFirst);
          // The definition: the unmasked loss on the valid rows alone ('sum'), divided by their count for 'mean'.
          const valid = Array.from({ length: b.y.length }, (_, i) => i).filter((i) => !b.padding.includes(i));
          const n = valid.length;
          const whole = await run(
            cpu,
            loss,
            { ...b, shape: [1, n / C, C] },
            Float64Array.from(valid, (i) => b.y[i]),
            Float64Array.from(valid, (i) => b.t[i]),
            'sum',
            false,
            false,
          );
          expectClose([c.loss], [whole.loss / (reduction === 'mean' ? n : 1)], {
            atol: 1e-12,
            rtol: 1e-12,
            label: `${label} loss vs definition`,
          });
          expectClose(
            Float64Array.from(valid, (i) => c.grad[i]),
            whole.grad.map((v) => v / (reduction === 'mean' ? n : 1)),
            { atol: 1e-12, rtol: 1e-12, label: `${label} grad vs definition` },
          );
          expect(
            b.padding.map((i) => c.grad[i]).every((v) => v === 0),
            `${label}: zero gradient on the padding`,
          ).toBe(true);

          const c2 = await run(cpu, loss, b, y2, t2, reduction, batchFirst);
          expect(c2.loss, `${label} CPU, other padding`).toBe(c.loss);
          expect(Array.from(c2.grad), `${label} CPU, other padding`).toEqual(Array.from(c.grad));

          const g = await run(gpu(), loss, b, b.y, b.t, reduction, batchFirst);
          expectClose([g.loss], [c.loss], { ...VALUE_TOL, label: `${label} GPU loss` });
          expectClose(g.grad, c.grad, { ...GRAD_TOL, label: `${label} GPU grad` });
          const g2 = await run(gpu(), loss, b, y2, t2, reduction, batchFirst);
          expect(g2.loss, `${label} GPU, other padding`).toBe(g.loss);
          expect(Array.from(g2.grad), `${label} GPU, other padding`).toEqual(Array.from(g.grad));
        }
      }
    },
  );
});

describe('masked losses: cost and errors', () => {
  it.each(LOSSES.filter(([name]) => name !== 'bceWithLogits posWeight'))(
    '%s with lengths costs two dispatches more (the padding zeroed in the gradient and the losses)',
    (_, loss) => {
      const g = gpu();
      const [y, t, lengths] = [
        g.tensor(new Float64Array(24), [4, 3, 2]),
        g.tensor(new Float64Array(24), [4, 3, 2]),
        g.tensor([4, 1, 2], [3]),
      ];
      g.flush();
      const count = (steps?: StepMask) => {
        g.resetCounters();
        const r = loss(g, y, t, 'mean', steps);
        const c = g.counters();
        for (const u of [r.loss, r.grad]) u.release();
        return c;
      };
      const plain = count();
      const masked = count({ lengths, count: 7, batchFirst: false });
      expect(masked.dispatches).toBe(plain.dispatches + 2);
      expect(masked).toMatchObject({ submits: 0, readbacks: 0, uploads: 0 });
      for (const u of [y, t, lengths]) u.release();
    },
  );

  it('bad steps are refused by name before any GPU work, on both backends', () => {
    for (const be of [cpu, gpu()] as Backend[]) {
      const [y, t, y2] = [
        be.tensor(new Float64Array(24), [4, 3, 2]),
        be.tensor(new Float64Array(24), [4, 3, 2]),
        be.tensor(new Float64Array(24), [12, 2]),
      ];
      const [lengths, five] = [be.tensor([4, 1, 2], [3]), be.tensor([1, 1, 1, 1, 1], [5])];
      be.resetCounters();
      for (const [, loss] of LOSSES) {
        expect(() => loss(be, y, t, 'mean', { lengths: five, count: 5, batchFirst: false })).toThrow(ShapeError);
        expect(() => loss(be, y, t, 'mean', { lengths, count: 2, batchFirst: false })).toThrow(
          /steps\.count: expected Σ lengths, an integer in \[3, 12\], got 2/,
        );
        expect(() => loss(be, y2, y2, 'mean', { lengths, count: 7, batchFirst: false })).toThrow(ShapeError);
        expect(() => loss(be, y, t, 'mean', { lengths, count: 7, batchFirst: 1 as unknown as boolean })).toThrow(
          ValueError,
        );
      }
      expect(be.counters().dispatches).toBe(0);
      for (const u of [y, t, y2, lengths, five]) u.release();
    }
  });
});
