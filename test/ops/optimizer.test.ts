// sgd, adam, rmsprop and step_advance kernels: GPU vs the CPU twins over several steps, with a clip coefficient.
import { describe, expect, it } from 'vitest';
import { expectClose, seeded, useGpu } from '../helpers.js';
import { ShapeError, ValueError, type Backend, type RmspropHyper, type Tensor } from '../../src/index.js';

const { gpu, cpu } = useGpu();
// Several f32 steps of size ≤ lr: error stays near f32 resolution of the parameters.
const TOL = { atol: 2e-6, rtol: 1e-5 };

// The learning rate changes between steps (as a schedule does), written in place into its [1] tensor:
// these factors of a base rate (SGD 0.1, Adam 0.01), the last step with rate 0.
const LR_FACTORS = [1, 0.5, 2, 0];

async function run(
  be: Backend,
  n: number,
  baseLr: number,
  update: (p: Tensor, g: Tensor, s1: Tensor, s2: Tensor, gscale: Tensor, step: Tensor, lr: Tensor) => void,
) {
  const rng = seeded(n);
  const p = be.tensor(rng.uniformArray(n), [n]);
  const g = be.tensor(rng.uniformArray(n), [n]);
  const s1 = be.zeros([n]);
  const s2 = be.zeros([n]);
  const gscale = be.tensor([3.2, 0.5, 0, 1.5], [4]); // norm, clip coefficient 0.5, no skip, loss
  const step = be.zeros([1]);
  const lr = be.zeros([1]);
  for (const factor of LR_FACTORS) {
    be.write(lr, [baseLr * factor]);
    update(p, g, s1, s2, gscale, step, lr);
    be.advanceStep(step, gscale);
  }
  const out = await be.readMany([p, s1, s2, step]);
  for (const t of [p, g, s1, s2, gscale, step, lr]) t.release();
  return out;
}

describe.each([1, 257, 5000])('optimizer kernels vs CPU, n=%i', (n) => {
  it.each([
    { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
    { momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false },
    { momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true },
  ])('sgd %j', async (h) => {
    const [a, b] = [
      await run(gpu(), n, 0.1, (p, g, s1, _s2, gs, st, lr) => gpu().sgdStep(p, g, s1, gs, st, lr, h)),
      await run(cpu, n, 0.1, (p, g, s1, _s2, gs, st, lr) => cpu.sgdStep(p, g, s1, gs, st, lr, h)),
    ];
    ['param', 'momentum', 'unused', 'step'].forEach((label, i) => expectClose(a[i], b[i], { ...TOL, label }));
  });

  it.each([
    { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
    { beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decoupled: false },
    { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true },
  ])('adam %j', async (h) => {
    const [a, b] = [
      await run(gpu(), n, 0.01, (p, g, s1, s2, gs, st, lr) => gpu().adamStep(p, g, s1, s2, gs, st, lr, h)),
      await run(cpu, n, 0.01, (p, g, s1, s2, gs, st, lr) => cpu.adamStep(p, g, s1, s2, gs, st, lr, h)),
    ];
    ['param', 'm', 'v', 'step'].forEach((label, i) => expectClose(a[i], b[i], { ...TOL, label }));
  });

  it.each([
    { alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
    { alpha: 0.9, eps: 1e-6, weightDecay: 0.1, momentum: 0.9, centered: false },
    { alpha: 0.95, eps: 1e-8, weightDecay: 0, momentum: 0, centered: true },
    { alpha: 0.9, eps: 1e-6, weightDecay: 0.05, momentum: 0.5, centered: true },
  ])('rmsprop %j', async (h) => {
    // s1: square_avg; s2: grad_avg when centered, else the momentum buffer (the unused one is a [1] placeholder).
    const rmsprop =
      (be: Backend) => (p: Tensor, g: Tensor, s1: Tensor, s2: Tensor, gs: Tensor, _st: Tensor, lr: Tensor) => {
        const spare = be.zeros([1]);
        const [ga, buf] = h.centered ? [s2, h.momentum > 0 ? be.zeros([n]) : spare] : [spare, s2];
        be.rmspropStep(p, g, s1, ga, buf, gs, lr, h);
        if (buf !== s2 && buf !== spare) buf.release();
        spare.release();
      };
    const [a, b] = [await run(gpu(), n, 0.01, rmsprop(gpu())), await run(cpu, n, 0.01, rmsprop(cpu))];
    // RMSprop divides g by its RMS: where coef·grad + weightDecay·p nearly cancels, g's f32 relative error
    // reaches the O(1) normalised values in the momentum buffer (atol 2e-5 there; the parameters move by lr·buf).
    ['param', 'square_avg', h.centered ? 'grad_avg' : 'momentum', 'step'].forEach((label, i) =>
      expectClose(a[i], b[i], { ...TOL, atol: label === 'momentum' ? 2e-5 : TOL.atol, label }),
    );
  });
});

describe('explosion guard in the update kernels', () => {
  it('a skip flag leaves parameters, state and the step counter unchanged', async () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const p = be.tensor([1, 2, 3], [3]);
      const g = be.tensor([0.5, NaN, 1], [3]);
      const [m, v, buf] = [be.zeros([3]), be.zeros([3]), be.zeros([3])];
      const skip = be.tensor([NaN, 1, 1, 0], [4]);
      const step = be.tensor([7], [1]);
      const lr = be.tensor([0.1], [1]);
      be.sgdStep(p, g, buf, skip, step, lr, { momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false });
      be.adamStep(p, g, m, v, skip, step, lr, {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0,
        decoupled: false,
      });
      be.rmspropStep(p, g, m, v, buf, skip, lr, {
        alpha: 0.99,
        eps: 1e-8,
        weightDecay: 0.1,
        momentum: 0.9,
        centered: true,
      });
      be.advanceStep(step, skip);
      const [pv, mv, vv, bv, sv] = await be.readMany([p, m, v, buf, step]);
      expect(Array.from(pv)).toEqual([1, 2, 3]);
      expect([...mv, ...vv, ...bv].every((x) => x === 0)).toBe(true);
      expect(sv[0]).toBe(7);
      for (const t of [p, g, m, v, buf, skip, step, lr]) t.release();
    }
  });
});

describe('rmspropStep arguments', () => {
  const H: RmspropHyper = { alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0.9, centered: true };
  it('refuses state of the wrong shape where it is used, and one tensor bound twice, before any GPU work', () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const [p, g, sq, ga, buf, small] = [
        be.zeros([5]),
        be.zeros([5]),
        be.zeros([5]),
        be.zeros([5]),
        be.zeros([5]),
        be.zeros([1]),
      ];
      const [gs, lr] = [be.tensor([0, 1, 0, 0], [4]), be.tensor([0.01], [1])];
      be.resetCounters();
      expect(() => be.rmspropStep(p, g, sq, small, buf, gs, lr, H)).toThrow(ShapeError);
      expect(() => be.rmspropStep(p, g, sq, ga, small, gs, lr, H)).toThrow(
        /momentumBuf: expected the shape of param \[5\]/,
      );
      expect(() => be.rmspropStep(p, g, sq, sq, buf, gs, lr, H)).toThrow(ValueError);
      expect(() => be.rmspropStep(p, g, sq, ga, sq, gs, lr, H)).toThrow(
        /momentumBuf: expected another tensor than squareAvg/,
      );
      expect(() => be.rmspropStep(p, g, sq, ga, buf, lr, lr, H)).toThrow(/gscale: expected shape \[4\]/);
      expect(be.counters().dispatches).toBe(0);
      // Unused state may be a placeholder (each its own): plain RMSprop needs neither gradAvg nor momentumBuf.
      const small2 = be.zeros([1]);
      be.rmspropStep(p, g, sq, small, small2, gs, lr, { ...H, momentum: 0, centered: false });
      for (const t of [p, g, sq, ga, buf, small, small2, gs, lr]) t.release();
    }
  });
});
