// bidir_merge (forward/backward): GPU vs the CPU twin on awkward sizes, every merge mode.
import { describe, it } from 'vitest';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();
// One f32 rounding of a sum, product or mean of two values against f64.
const TOL = { atol: 1e-7, rtol: 1e-6 };

describe.each(['sum', 'mul', 'ave'] as const)('bidir_merge %s vs CPU', (mode) => {
  it.each([
    [1, 1, 1],
    [7, 3, 5],
    [20, 9, 129],
  ])('T=%i B=%i H=%i', async (T, B, H) => {
    const rng = seeded(T * B * H);
    const xData = rng.uniformArray(T * B * 2 * H);
    const dyData = rng.uniformArray(T * B * H);
    const res: Float64Array[][] = [];
    for (const be of [gpu(), cpu]) {
      const x = be.tensor(xData, [T, B, 2 * H]);
      const dy = be.tensor(dyData, [T, B, H]);
      const y = be.bidirMerge(x, mode);
      const dx = be.bidirMergeBackward(x, dy, mode);
      res.push(await be.readMany([y, dx]));
      for (const t of [x, dy, y, dx]) t.release();
    }
    expectClose(res[0][0], res[1][0], { ...TOL, label: 'merged' });
    expectClose(res[0][1], res[1][1], { ...TOL, label: 'dX' });
  });
});
