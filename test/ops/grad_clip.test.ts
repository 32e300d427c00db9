// grad_clip's clamp (clip_grad_value_): GPU vs the CPU twin; grad_scale is tested with grad_norm.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/index.js';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();

describe('grad_clamp vs CPU', () => {
  it.each([1, 1000])('n=%i', async (n) => {
    const data = seeded(n + 1).uniformArray(n, -3, 3);
    const out: Float64Array[] = [];
    for (const be of [gpu(), cpu] as Backend[]) {
      const g = be.tensor(data, [n]);
      be.gradClamp(g, 0.75);
      out.push(await be.read(g));
      g.release();
    }
    expectClose(out[0], out[1], { atol: 0, rtol: 1e-7, label: 'clamped' });
    expect(out[0].every((v) => Math.abs(v) <= 0.75)).toBe(true);
  });
});
