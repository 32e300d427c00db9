// sgd, adam and step_advance kernels: GPU vs the CPU twins over several steps, with a clip coefficient.
import { describe, it } from 'vitest';
import { expectClose, seeded, useGpu } from './helpers.js';
import type { Backend, Tensor } from '../src/index.js';

const { gpu, cpu } = useGpu();
// Several f32 steps of size ≤ lr: error stays near f32 resolution of the parameters.
const TOL = { atol: 2e-6, rtol: 1e-5 };
const STEPS = 4;

async function run(be: Backend, n: number, update: (p: Tensor, g: Tensor, s1: Tensor, s2: Tensor, gscale: Tensor, step: Tensor) => void) {
  const rng = seeded(n);
  const p = be.tensor(rng.uniformArray(n), [n]);
  const g = be.tensor(rng.uniformArray(n), [n]);
  const s1 = be.zeros([n]);
  const s2 = be.zeros([n]);
  const gscale = be.tensor([3.2, 0.5], [2]);
  const step = be.zeros([1]);
  for (let i = 0; i < STEPS; i++) {
    update(p, g, s1, s2, gscale, step);
    be.advanceStep(step);
  }
  const out = await be.readMany([p, s1, s2, step]);
  for (const t of [p, g, s1, s2, gscale, step]) t.release();
  return out;
}

describe.each([1, 257, 5000])('optimizer kernels vs CPU, n=%i', (n) => {
  it.each([
    { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
    { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false },
    { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true },
  ])('sgd %j', async (h) => {
    const [a, b] = [await run(gpu(), n, (p, g, s1, _s2, gs, st) => gpu().sgdStep(p, g, s1, gs, st, h)), await run(cpu, n, (p, g, s1, _s2, gs, st) => cpu.sgdStep(p, g, s1, gs, st, h))];
    ['param', 'momentum', 'unused', 'step'].forEach((label, i) => expectClose(a[i], b[i], { ...TOL, label }));
  });

  it.each([
    { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
    { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decoupled: false },
    { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true },
  ])('adam %j', async (h) => {
    const [a, b] = [await run(gpu(), n, (p, g, s1, s2, gs, st) => gpu().adamStep(p, g, s1, s2, gs, st, h)), await run(cpu, n, (p, g, s1, s2, gs, st) => cpu.adamStep(p, g, s1, s2, gs, st, h))];
    ['param', 'm', 'v', 'step'].forEach((label, i) => expectClose(a[i], b[i], { ...TOL, label }));
  });
});
