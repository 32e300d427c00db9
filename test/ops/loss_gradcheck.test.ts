// Finite-difference gradient checks of every loss on the CPU reference in f64: central differences of
// the loss against the analytic dLoss/dinput, entry by entry, both reductions, every option.
import { describe, expect, it } from 'vitest';
import { CpuBackend, type LossResult, type Reduction, type StepMask, type Tensor } from '../../src/index.js';
import { seeded } from '../helpers.js';

const cpu = new CpuBackend();
const EPS = 1e-6;
// As test/gradcheck.test.ts: truncation ~eps²·f''' and rounding ~1e-16·|loss|/eps: ≤ 1e-9 + 1e-6·|numeric|.
const ATOL = 1e-9;
const RTOL = 1e-6;

/** Checks dLoss/dx of `loss` at x (shape) by central differences; inputs are kept away from the kinks by the callers. */
function gradcheck(x: Float64Array, shape: number[], loss: (xt: Tensor) => LossResult): number {
  const evaluate = (data: Float64Array) => {
    const xt = cpu.tensor(data, shape);
    const r = loss(xt);
    const out = { value: cpu.data(r.loss, 'loss')[0], grad: cpu.data(r.grad, 'grad').slice() };
    for (const t of [xt, r.loss, r.grad]) t.release();
    return out;
  };
  const { grad } = evaluate(x);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const plus = x.slice();
    plus[i] += EPS;
    const minus = x.slice();
    minus[i] -= EPS;
    const numeric = (evaluate(plus).value - evaluate(minus).value) / (2 * EPS);
    if (!(Math.abs(grad[i] - numeric) <= ATOL + RTOL * Math.abs(numeric)))
      expect.fail(`d[${i}]: analytic ${grad[i]}, numeric ${numeric}`);
    worst = Math.max(worst, Math.abs(grad[i] - numeric));
  }
  return worst;
}

/** Differences y − target with |d| at least 1e-3 away from 0 and from every kink in `kinks`. */
function awayFrom(kinks: number[], n: number, seed: number): { y: Float64Array; t: Float64Array } {
  const rng = seeded(seed);
  const t = rng.uniformArray(n, -2, 2);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let d: number;
    do d = rng.uniform(-3, 3);
    while ([0, ...kinks].some((k) => Math.abs(Math.abs(d) - k) < 1e-3));
    y[i] = t[i] + d;
  }
  return { y, t };
}

const REDUCTIONS: Reduction[] = ['mean', 'sum'];

describe.each(REDUCTIONS)('loss gradients by finite differences (CPU, f64), %s', (reduction) => {
  it('l1', () => {
    const { y, t } = awayFrom([], 21, 1);
    const tt = cpu.tensor(t, [7, 3]);
    gradcheck(y, [7, 3], (x) => cpu.l1(x, tt, reduction));
    tt.release();
  });

  it.each([0.3, 1, 2.5])('huber delta %f', (delta) => {
    const { y, t } = awayFrom([delta], 21, 2);
    const tt = cpu.tensor(t, [7, 3]);
    gradcheck(y, [7, 3], (x) => cpu.huber(x, tt, reduction, { delta }));
    tt.release();
  });

  it.each([0, 0.5, 1])('smoothL1 beta %f', (beta) => {
    const { y, t } = awayFrom([beta], 21, 3);
    const tt = cpu.tensor(t, [7, 3]);
    gradcheck(y, [7, 3], (x) => cpu.smoothL1(x, tt, reduction, { beta }));
    tt.release();
  });

  it.each([false, true])('bceWithLogits, posWeight %s, soft targets and logits up to ±30', (withPosWeight) => {
    const rng = seeded(4);
    const x = rng.uniformArray(20, -4, 4);
    x[0] = 30;
    x[1] = -30;
    const t = cpu.tensor(rng.uniformArray(20, 0, 1), [5, 4]);
    const pw = withPosWeight ? cpu.tensor([0.5, 1, 3, 10], [4]) : undefined;
    gradcheck(x, [5, 4], (xt) => cpu.bceWithLogits(xt, t, reduction, { posWeight: pw }));
    for (const u of [t, pw]) u?.release();
  });

  it.each([
    {},
    { labelSmoothing: 0.2 },
    { ignoreIndex: -100 },
    { ignoreIndex: 1, labelSmoothing: 0.1 },
    { labelSmoothing: 1 },
  ])('crossEntropy %j', (options) => {
    const rng = seeded(5);
    const [B, C] = [6, 4];
    const x = rng.uniformArray(B * C, -3, 3);
    const classes = [0, 1, 3, 2, 1, 3];
    if (options.ignoreIndex === -100) classes[2] = classes[4] = -100;
    const t = cpu.tensor(classes, [B]);
    gradcheck(x, [B, C], (xt) => cpu.crossEntropy(xt, t, reduction, options));
    t.release();
  });
});

// Per-step losses with lengths: [T, B, C] = [4, 3, 2], lengths [4, 1, 2] (batch-first [3, 4, 2] too). The
// check runs over every entry, padding included, where the loss must not move (analytic gradient 0).
describe.each(REDUCTIONS)('masked loss gradients by finite differences (CPU, f64, lengths), %s', (reduction) => {
  const lengths = [4, 1, 2];
  const cases: Array<[string, number[], (x: Tensor, t: Tensor, steps: StepMask) => LossResult]> = [
    ['l1', [], (x, t, steps) => cpu.l1(x, t, reduction, steps)],
    ['huber delta 0.7', [0.7], (x, t, steps) => cpu.huber(x, t, reduction, { delta: 0.7 }, steps)],
    ['smoothL1 beta 0.4', [0.4], (x, t, steps) => cpu.smoothL1(x, t, reduction, { beta: 0.4 }, steps)],
    ['bceWithLogits posWeight', [], (x, t, steps) => cpu.bceWithLogits(x, t, reduction, { posWeight: pw }, steps)],
  ];
  const pw = cpu.tensor([0.5, 3], [2]);
  it.each(
    cases.flatMap(([name, kinks, f]) => [false, true].map((batchFirst) => [name, batchFirst, kinks, f] as const)),
  )('%s, batch-first %s', (_name, batchFirst, kinks, loss) => {
    const shape = batchFirst ? [3, 4, 2] : [4, 3, 2];
    const { y, t } = awayFrom(kinks, 24, 6);
    const tt = cpu.tensor(t, shape);
    const lt = cpu.tensor(lengths, [3]);
    const steps = { lengths: lt, count: 7, batchFirst };
    gradcheck(y, shape, (x) => loss(x, tt, steps));
    for (const u of [tt, lt]) u.release();
  });
});
