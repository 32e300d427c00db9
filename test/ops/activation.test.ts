// activation forward/backward: GPU vs the CPU twin, including huge |a| that must stay finite.
import { describe, expect, it } from 'vitest';
import type { ActivationLike } from '../../src/index.js';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();

const ACTS: ActivationLike[] = [
  'identity',
  'sigmoid',
  'tanh',
  'relu',
  { name: 'leaky_relu', param: 0.1 },
  { name: 'elu', param: 1.3 },
];
// 1, a prime, a non-multiple of 256 spanning several workgroups.
const SIZES = [1, 251, 1031];
const VALUE_TOL = { atol: 1e-6, rtol: 1e-5 };
const GRAD_TOL = { atol: 1e-6, rtol: 1e-5 };

function inputs(n: number, seed: number): Float64Array {
  const rng = seeded(seed);
  const a = rng.uniformArray(n, -6, 6);
  // Extremes where a naive exp() overflows to inf and inf/inf gives NaN.
  const extremes = [0, -0.0, 1e-8, 88.8, -88.8, 1000, -1000, 3e38, -3e38];
  for (let i = 0; i < Math.min(n, extremes.length); i++) a[i] = extremes[i];
  return a;
}

describe.each(ACTS)('activation %j vs CPU', (act) => {
  it.each(SIZES)('forward and backward, n=%i', async (n) => {
    const rng = seeded(n);
    const aData = inputs(n, n + 1);
    const dhData = rng.uniformArray(n);
    const out: Array<{ h: Float64Array; da: Float64Array }> = [];
    for (const be of [gpu(), cpu]) {
      const a = be.tensor(aData, [n]);
      const dh = be.tensor(dhData, [n]);
      const h = be.activation(a, act);
      const da = be.activationBackward(a, h, dh, act);
      const [hv, dav] = await be.readMany([h, da]);
      out.push({ h: hv, da: dav });
      for (const t of [a, dh, h, da]) t.release();
    }
    expect(out[0].h.every(Number.isFinite), 'GPU activations finite').toBe(true);
    expect(out[0].da.every(Number.isFinite), 'GPU gradients finite').toBe(true);
    expectClose(out[0].h, out[1].h, { ...VALUE_TOL, label: 'h' });
    expectClose(out[0].da, out[1].da, { ...GRAD_TOL, label: 'dA' });
  });
});
