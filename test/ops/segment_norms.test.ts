// segment_norms (per-parameter gradient norms): GPU vs the CPU twin on awkward segments, and a training step's
// per-parameter norms against its global norm.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/index.js';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();
const TOL = { atol: 1e-6, rtol: 1e-5 };

describe('segment_norms (per-parameter gradient norms) vs CPU', () => {
  it('awkward segments: length 1, empty, several workgroups of work, unaligned offsets', async () => {
    const data = seeded(8).uniformArray(5000, -2, 2);
    const table = [0, 1, 1, 0, 3, 257, 300, 4700, 4999, 1];
    const out: Float64Array[] = [];
    for (const be of [gpu(), cpu] as Backend[]) {
      const x = be.tensor(data, [data.length]);
      const seg = be.tensor(table, [table.length / 2, 2]);
      const n = be.segmentNorms(x, seg);
      out.push(await be.read(n));
      for (const t of [x, seg, n]) t.release();
    }
    expectClose(out[0], out[1], { ...TOL, label: 'segment norms' });
    expect(out[1][1]).toBe(0);
  });

  it('a training step reports per-parameter norms whose root-sum-square is the global norm', async () => {
    const { mlp, SGD, Trainer } = await import('../../src/index.js');
    const g = gpu();
    const model = mlp(g, [5, 7, 3], { seed: 2 });
    const opt = new SGD(model.params, { lr: 0.1 });
    const trainer = new Trainer(model, opt, { loss: 'crossEntropy', paramNorms: true });
    const x = g.tensor(seeded(3).uniformArray(40), [8, 5]);
    const t = g.tensor([0, 1, 2, 0, 1, 2, 0, 1], [8]);
    g.resetCounters();
    const r = (await trainer.step(x, t))!;
    expect(g.counters().readbacks).toBe(1);
    expect(Object.keys(r.paramNorms!)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const rss = Math.sqrt(Object.values(r.paramNorms!).reduce((s, v) => s + v * v, 0));
    expectClose([rss], [r.gradNorm], { atol: 1e-6, rtol: 1e-5, label: 'rss of per-parameter norms' });
    for (const u of [x, t]) u.release();
    trainer.release();
    opt.release();
    model.release();
  });
});
