// mse: GPU vs the CPU twin (loss and gradient), both reductions, awkward sizes.
import { describe, it } from 'vitest';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();
const VALUE_TOL = { atol: 1e-6, rtol: 1e-5 };
// 2(y − t)/n in f32: a few ulps of O(1) gradients.
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
