// transpose01 and bidir_merge (forward/backward): GPU vs the CPU twins on awkward sizes.
import { describe, expect, it } from 'vitest';
import { expectClose, seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
const EXACT = { atol: 0, rtol: 0 };
const TOL = { atol: 1e-7, rtol: 1e-6 };

describe('transpose01 with a batch axis vs CPU', () => {
  it.each([
    [1, 3, 5, 1],
    [2, 7, 4, 1],
    [3, 2, 9, 5],
  ])('[%i, %i, %i, %i]', async (N, A, B, C) => {
    const data = Float64Array.from(Float32Array.from(seeded(N + A + B + C).uniformArray(N * A * B * C)));
    const res: Float64Array[] = [];
    for (const be of [gpu(), cpu]) {
      const x = be.tensor(data, [N, A, B, C]);
      const y = be.transpose01(x);
      expect(y.shape).toEqual([N, B, A, C]);
      res.push(await be.read(y));
      x.release();
      y.release();
    }
    expectClose(res[0], res[1], { ...EXACT, label: 'transposed' });
  });
});

describe('transpose01 vs CPU', () => {
  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [17, 1, 300],
    [64, 33, 2],
  ])('[%i, %i, %i]', async (A, B, C) => {
    // f32-representable inputs, so the moved values must match bit for bit.
    const data = Float64Array.from(Float32Array.from(seeded(A + B + C).uniformArray(A * B * C)));
    const res: Float64Array[] = [];
    for (const be of [gpu(), cpu]) {
      const x = be.tensor(data, [A, B, C]);
      const y = be.transpose01(x);
      res.push(await be.read(y));
      x.release();
      y.release();
    }
    expectClose(res[0], res[1], { ...EXACT, label: 'transposed' });
  });
});

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
