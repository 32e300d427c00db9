// clipGradNorm / clipGradValue against torch.nn.utils (fixtures/gen_clip.py): below, at and above
// max_norm, the inf norm, inf and NaN gradients — on both backends; and errorIfNonfinite.
import { describe, expect, it } from 'vitest';
import { NonFiniteGradientError, ParamSet, clipGradNorm, clipGradValue, type Backend } from '../src/index.js';
import { expectClose, useGpu } from './helpers.js';
import { readFixture } from './fixtures.js';

type Num = number | 'Infinity' | '-Infinity' | 'NaN';
interface ClipCase {
  name: string;
  max_norm: number;
  norm_type: 2 | 'inf';
  grads: Record<string, { shape: number[]; data: Num[] }>;
  total: Num;
  clipped: Record<string, Num[]>;
}

const { gpu, cpu } = useGpu();
const { cases } = readFixture<{ cases: ClipCase[] }>('clip_grad_norm.json');
const num = (v: Num) => Number(v);

function paramsWithGrads(be: Backend, c: ClipCase): ParamSet {
  const params = new ParamSet(
    be,
    Object.entries(c.grads).map(([name, g]) => ({ name, shape: g.shape, init: () => new Float64Array(g.data.length) })),
  );
  for (const [name, g] of Object.entries(c.grads)) be.write(params.grad(name), g.data.map(num));
  return params;
}

describe('clipGradNorm vs torch.nn.utils.clip_grad_norm_', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const params = paramsWithGrads(be, c);
      const total = await clipGradNorm(params, c.max_norm, { normType: c.norm_type === 'inf' ? 'inf' : 2 });
      // f32 on the GPU: the norm and the scaled gradients to f32 resolution; the CPU to f64 rounding.
      const tol = be.kind === 'cpu' ? { atol: 1e-12, rtol: 1e-12 } : { atol: 1e-6, rtol: 1e-6 };
      expectClose([total], [num(c.total)], { ...tol, label: `${be.kind} total` });
      const grads = await params.gradDict();
      for (const [name, values] of Object.entries(c.clipped))
        expectClose(grads[name].data, values.map(num), { ...tol, label: `${be.kind} ${name}` });
      params.release();
    }
  });

  it('errorIfNonfinite throws a typed error and leaves the gradients unchanged', async () => {
    const c = cases.find((k) => k.name === 'NaN gradient')!;
    for (const be of [gpu(), cpu] as Backend[]) {
      const params = paramsWithGrads(be, c);
      await expect(clipGradNorm(params, 1, { errorIfNonfinite: true })).rejects.toThrow(NonFiniteGradientError);
      const grads = await params.gradDict();
      for (const [name, g] of Object.entries(c.grads))
        expectClose(grads[name].data, g.data.map(num), { atol: 1e-6, rtol: 1e-6, label: name });
      params.release();
    }
  });
});

describe('clipGradValue', () => {
  it('clamps every gradient, on both backends alike', async () => {
    const c = cases[0];
    const out: Array<Record<string, { data: Float64Array }>> = [];
    for (const be of [gpu(), cpu] as Backend[]) {
      const params = paramsWithGrads(be, c);
      clipGradValue(params, 0.5);
      out.push(await params.gradDict());
      params.release();
    }
    for (const name of Object.keys(c.grads)) {
      expect(out[0][name].data.every((v) => Math.abs(v) <= 0.5)).toBe(true);
      expectClose(out[0][name].data, out[1][name].data, { atol: 1e-7, rtol: 1e-6, label: name });
    }
  });
});
