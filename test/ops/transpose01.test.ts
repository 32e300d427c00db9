// transpose01: GPU vs the CPU twin on awkward sizes, with and without a leading batch axis.
import { describe, expect, it } from 'vitest';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();
const EXACT = { atol: 0, rtol: 0 };

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
