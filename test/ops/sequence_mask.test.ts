// sequence_mask: GPU vs the CPU twin on awkward sizes, time-major and batch-first; the steps past each
// row's length are exactly 0 and the others exact copies.
import { describe, expect, it } from 'vitest';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();
const EXACT = { atol: 0, rtol: 0 };

describe.each([false, true])('sequence_mask vs CPU (batchFirst %s)', (batchFirst) => {
  it.each([
    [1, 1, 1],
    [5, 3, 7],
    [9, 4, 129],
  ])('T=%i B=%i C=%i', async (T, B, C) => {
    const rng = seeded(T * B * C + (batchFirst ? 1 : 0));
    const data = Float64Array.from(Float32Array.from(rng.uniformArray(T * B * C)));
    const lens = Array.from({ length: B }, (_, b) => 1 + ((b * 5 + 2) % T));
    const shape = batchFirst ? [B, T, C] : [T, B, C];
    const res: Float64Array[] = [];
    for (const be of [gpu(), cpu]) {
      const x = be.tensor(data, shape);
      const lengths = be.tensor(lens, [B]);
      const y = be.sequenceMask(x, lengths, batchFirst);
      expect(y.shape).toEqual(shape);
      res.push(await be.read(y));
      for (const t of [x, lengths, y]) t.release();
    }
    expectClose(res[0], res[1], { ...EXACT, label: 'masked' });
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const row = batchFirst ? b * T + t : t * B + b;
        const want = t < lens[b] ? Array.from(data.subarray(row * C, (row + 1) * C)) : new Array(C).fill(0);
        expect(Array.from(res[1].subarray(row * C, (row + 1) * C))).toEqual(want);
      }
    }
  });
});
