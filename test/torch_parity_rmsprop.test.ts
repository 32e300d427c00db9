// RMSprop against torch.optim.RMSprop (fixtures/gen_rmsprop.py → rmsprop.json): 24 steps from fixed
// gradients for plain (torch's defaults), momentum, centered, weight decay, all of them, and momentum
// under StepLR; some steps carry a clip coefficient (gscale[1], folded into the update as the Trainer
// does) and two are skipped by the explosion guard (gscale[2]). CPU reference (f64) and GPU (f32).
import { describe, expect, it } from 'vitest';
import { ParamSet, RMSprop, StepLR, type Backend, type RmspropOptions } from '../src/index.js';
import { readFixture } from './fixtures.js';
import { expectClose, useGpu } from './helpers.js';

interface RmspropFixture {
  torch: string;
  p0: number[];
  grads: number[][];
  coefs: number[];
  skips: boolean[];
  cases: { name: string; options: RmspropOptions; schedule?: { stepSize: number; gamma: number }; after: number[][] }[];
}

const fixture = readFixture<RmspropFixture>('rmsprop.json');
const { gpu, cpu } = useGpu();
const N = fixture.p0.length;

const CPU_TOL = { atol: 1e-12, rtol: 1e-12 };
// f32 over 24 steps of size ~lr (1e-2) on O(1) weights: a few ulps per step accumulate.
const GPU_TOL = { atol: 2e-6, rtol: 1e-5 };

describe(`RMSprop vs PyTorch ${fixture.torch}`, () => {
  it('covers plain, momentum, centered, weight decay and all together over ≥ 20 steps, with clipped and skipped steps', () => {
    expect(fixture.cases.map((c) => c.name)).toEqual(
      expect.arrayContaining(['plain (torch defaults)', 'momentum', 'centered', 'weight decay', 'all']),
    );
    expect(fixture.grads.length).toBeGreaterThanOrEqual(20);
    expect(fixture.skips.filter(Boolean).length).toBeGreaterThan(0);
    expect(fixture.coefs.some((c) => c !== 1)).toBe(true);
  });

  describe.each([
    ['cpu', () => cpu as Backend, CPU_TOL],
    ['gpu', () => gpu() as Backend, GPU_TOL],
  ] as const)('%s', (_, backend, tol) => {
    it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const be = backend();
      const params = new ParamSet(be, [{ name: 'p', shape: [N], init: () => Float64Array.from(fixture.p0) }]);
      const opt = new RMSprop(params, c.options);
      const schedule = c.schedule && new StepLR(opt, c.schedule);
      const gscale = be.zeros([4]);
      try {
        for (const [i, g] of fixture.grads.entries()) {
          be.write(params.grads, g);
          be.write(gscale, [0, fixture.coefs[i], fixture.skips[i] ? 1 : 0, 0]);
          opt.step(gscale);
          schedule?.step();
          expectClose(await be.read(params.values), c.after[i], {
            ...tol,
            label: `${c.name}: parameter after step ${i + 1}`,
          });
        }
      } finally {
        gscale.release();
        opt.release();
        params.release();
      }
    });
  });
});
