// Attention against PyTorch (fixtures/gen_attention.py → attention.json): every score with source lengths,
// one decoder step and batch-first cases; context, α and every gradient of loss = Σ context·dC + Σ α·dα,
// on the CPU reference (f64) and the GPU (f32).
import { describe, expect, it } from 'vitest';
import type { AttentionScore, AttentionWeights, Backend } from '../src/index.js';
import { readFixture, type FixtureTensor } from './fixtures.js';
import { expectClose, useGpu } from './helpers.js';

interface AttentionCase {
  name: string;
  score: AttentionScore;
  scaled: boolean;
  batchFirst: boolean;
  lengths: number[];
  queries: FixtureTensor;
  keys: FixtureTensor;
  values: FixtureTensor;
  weights: Record<string, FixtureTensor>;
  dContext: FixtureTensor;
  dWeights: FixtureTensor;
  context: FixtureTensor;
  alpha: FixtureTensor;
  dQueries: FixtureTensor;
  dKeys: FixtureTensor;
  dValues: FixtureTensor;
  dW: Record<string, FixtureTensor>;
}

const fixture = readFixture<{ torch: string; cases: AttentionCase[] }>('attention.json');
const { gpu, cpu } = useGpu();

const CPU_TOL = { atol: 1e-12, rtol: 1e-12 };
// f32: values in [-1, 1], scores sums of ≤ 5 products (additive: ≤ 4 tanh terms), softmax over ≤ 6 steps.
const GPU_VALUE_TOL = { atol: 1e-6, rtol: 1e-5 };
const GPU_GRAD_TOL = { atol: 2e-6, rtol: 1e-5 };

async function run(be: Backend, c: AttentionCase): Promise<Record<string, Float64Array>> {
  const t = (x: FixtureTensor) => be.tensor(x.data, x.shape);
  const [q, k, v, dC, dA] = [c.queries, c.keys, c.values, c.dContext, c.dWeights].map(t);
  const names = Object.keys(c.weights) as (keyof AttentionWeights)[];
  const w: AttentionWeights = {};
  const g: AttentionWeights = {};
  for (const n of names) {
    w[n] = t(c.weights[n]);
    g[n] = be.zeros(c.weights[n].shape);
  }
  const some = names.length > 0;
  const f = be.attention(q, k, v, {
    score: c.score,
    weights: some ? w : undefined,
    lengths: c.lengths,
    scaled: c.scaled,
    batchFirst: c.batchFirst,
  });
  const d = be.attentionBackward(f, dC, { dWeights: dA, grads: some ? g : undefined });
  const read = await be.readMany([f.context, f.weights, d.dQueries, d.dKeys, d.dValues, ...names.map((n) => g[n]!)]);
  f.release();
  for (const x of [q, k, v, dC, dA, d.dQueries, d.dKeys, d.dValues, ...Object.values(w), ...Object.values(g)])
    x.release();
  const labels = ['context', 'alpha', 'dQueries', 'dKeys', 'dValues', ...names.map((n) => `dW.${n}`)];
  return Object.fromEntries(labels.map((l, i) => [l, read[i]]));
}

function expected(c: AttentionCase): Record<string, number[]> {
  const out: Record<string, number[]> = {
    context: c.context.data,
    alpha: c.alpha.data,
    dQueries: c.dQueries.data,
    dKeys: c.dKeys.data,
    dValues: c.dValues.data,
  };
  for (const [n, x] of Object.entries(c.dW)) out[`dW.${n}`] = x.data;
  return out;
}

describe(`attention vs PyTorch ${fixture.torch}`, () => {
  it('covers every score', () => {
    expect(new Set(fixture.cases.map((c) => c.score))).toEqual(new Set(['dot', 'general', 'additive']));
  });

  describe.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    it('CPU (f64)', async () => {
      const got = await run(cpu, c);
      for (const [key, ref] of Object.entries(expected(c))) expectClose(got[key], ref, { ...CPU_TOL, label: key });
    });
    it('GPU (f32)', async () => {
      const got = await run(gpu(), c);
      for (const [key, ref] of Object.entries(expected(c))) {
        const tol = key === 'context' || key === 'alpha' ? GPU_VALUE_TOL : GPU_GRAD_TOL;
        expectClose(got[key], ref, { ...tol, label: key });
      }
      // Padding gets weight exactly 0, as torch's -inf mask.
      c.alpha.data.forEach((a, i) => {
        if (a === 0) expect(got.alpha[i]).toBe(0);
      });
    });
  });
});
