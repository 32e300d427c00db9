// Token sampling (src/ops/sample: sample.wgsl, CPU twin cpu.ts): GPU and CPU draw the same tokens for
// the same seed on awkward vocabulary sizes; greedy is torch.argmax; temperature → 0 is greedy; top-k
// never leaves the top k; drawn frequencies match the softmax (chi-square); bad inputs are refused.
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, type Backend, type SampleConfig, type SampleRows } from '../../src/index.js';
import { sampleRow } from '../../src/ops/sample/cpu.js';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();
// Probabilities: f32 exp and sums against f64.
const PROB_TOL = { atol: 1e-6, rtol: 1e-5 };

/** Logits exactly representable in f32, so both backends see the same values (and the same ties). */
function f32Logits(seed: number, n: number, spread = 3): Float64Array {
  return seeded(seed).uniformArray(n, -spread, spread).map(Math.fround);
}

/** `steps` sample() calls on the same logits, alternating one step-counter pair: ids and probs per call. */
async function draw(
  be: Backend,
  logits: Float64Array,
  shape: number[],
  config: SampleConfig,
  steps: number,
  rows?: SampleRows,
) {
  const x = be.tensor(logits, shape);
  const counters = [be.zeros([1]), be.zeros([1])];
  const outs = [];
  for (let s = 0; s < steps; s++) outs.push(be.sample(x, counters[s % 2], counters[(s + 1) % 2], config, rows));
  const read = await be.readMany(outs.flatMap((o) => [o.ids, o.probs]));
  for (const t of [x, ...counters, ...outs.flatMap((o) => [o.ids, o.probs])]) t.release();
  return outs.map((_, s) => ({ ids: Array.from(read[2 * s]), probs: read[2 * s + 1] }));
}

describe('sample kernel, GPU vs CPU', () => {
  const configs: [string, SampleConfig][] = [
    ['greedy', { temperature: 0, topK: 0, seed: 0, stream: 0 }],
    ['temperature 1', { temperature: 1, topK: 0, seed: 11, stream: 0 }],
    ['temperature 0.6, top-3', { temperature: 0.6, topK: 3, seed: 12, stream: 2 }],
    ['temperature 2, top-k = V', { temperature: 2, topK: 0, seed: 2 ** 32 + 5, stream: 1 }],
  ];
  // V 1, 2, a prime, one below / at / above the workgroup, several chunks per invocation.
  it.each([1, 2, 7, 255, 256, 257, 1000, 5003])(
    'V=%i: the same tokens for the same seed, 3 steps, B = 5',
    async (V) => {
      const B = 5;
      const logits = f32Logits(V, B * V);
      for (const [name, config] of configs) {
        const c = { ...config, topK: Math.min(config.topK, V) };
        const g = await draw(gpu(), logits, [B, V], c, 3);
        const h = await draw(cpu, logits, [B, V], c, 3);
        for (let s = 0; s < 3; s++) {
          expect(g[s].ids, `${name}, step ${s}`).toEqual(h[s].ids);
          expectClose(g[s].probs, h[s].probs, { ...PROB_TOL, label: `${name} probs, step ${s}` });
          for (let b = 0; b < B; b++)
            expect(h[s].ids[b]).toBe(sampleRow(logits.subarray(b * V, (b + 1) * V), c, b, s).id);
        }
        if (name !== 'greedy' && V >= 7)
          expect(new Set([0, 1, 2].flatMap((s) => g[s].ids)).size, `${name}: draws vary`).toBeGreaterThan(1);
      }
    },
  );

  it('rows at an offset with a stride: the last step of [T, B, V] and of [B, T, V]', async () => {
    const [T, B, V] = [4, 3, 9];
    const logits = f32Logits(1, T * B * V);
    const config = { temperature: 0.8, topK: 0, seed: 3, stream: 0 };
    const timeMajor = { B, offset: (T - 1) * B * V, stride: V };
    const batchFirst = { B, offset: (T - 1) * V, stride: T * V };
    for (const rows of [timeMajor, batchFirst]) {
      const [g] = await draw(gpu(), logits, [T, B, V], config, 1, rows);
      const expected = Array.from(
        { length: B },
        (_, b) =>
          sampleRow(logits.subarray(rows.offset + b * rows.stride, rows.offset + b * rows.stride + V), config, b, 0).id,
      );
      expect(g.ids).toEqual(expected);
    }
  });

  it('greedy is torch.argmax: ties go to the lowest index; its probability is softmax at temperature 1', async () => {
    const logits = Float64Array.from([1, 5, 5, 2, -3, 5, 0, 5, 5, 5]);
    for (const be of [gpu(), cpu]) {
      const [r] = await draw(be, logits, [2, 5], { temperature: 0, topK: 0, seed: 0, stream: 0 }, 1);
      expect(r.ids).toEqual([1, 0]);
      const z = [1, 5, 5, 2, -3].reduce((a, l) => a + Math.exp(l - 5), 0);
      expectClose(r.probs, [1 / z, 1 / (4 + Math.exp(-5))], { ...PROB_TOL, label: `${be.kind} greedy probs` });
    }
  });

  it('temperature → 0 is greedy', async () => {
    const [B, V] = [64, 37];
    const logits = f32Logits(4, B * V);
    const [greedy] = await draw(gpu(), logits, [B, V], { temperature: 0, topK: 0, seed: 0, stream: 0 }, 1);
    const cold = await draw(gpu(), logits, [B, V], { temperature: 1e-4, topK: 0, seed: 9, stream: 0 }, 3);
    for (const c of cold) {
      expect(c.ids).toEqual(greedy.ids);
      expectClose(c.probs, new Array(B).fill(1), { atol: 1e-6, rtol: 0, label: 'cold probs' });
    }
  });

  it('top-k never picks outside the top k; ties at the k-th value are all kept', async () => {
    const [B, V, k] = [256, 300, 5];
    const logits = f32Logits(5, B * V, 1); // close logits: without top-k most draws would fall outside
    const steps = await draw(gpu(), logits, [B, V], { temperature: 1, topK: k, seed: 1, stream: 0 }, 4);
    const seen = new Set<number>();
    for (let b = 0; b < B; b++) {
      const row = Array.from(logits.subarray(b * V, (b + 1) * V));
      const kth = [...row].sort((x, y) => y - x)[k - 1];
      for (const s of steps) {
        expect(row[s.ids[b]]).toBeGreaterThanOrEqual(kth);
        seen.add(row.filter((l) => l > row[s.ids[b]]).length); // its rank
      }
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    // Ties: the 2nd largest value appears three times, so top-2 keeps four tokens.
    const tied = Float64Array.from([0, 4, 1, 3, 3, 0, 3]);
    const draws = await draw(
      gpu(),
      Float64Array.from({ length: 512 * 7 }, (_, i) => tied[i % 7]),
      [512, 7],
      { temperature: 1, topK: 2, seed: 4, stream: 0 },
      1,
    );
    expect(new Set(draws[0].ids)).toEqual(new Set([1, 3, 4, 6]));
  });

  // Counts of 40 000 draws (4 steps of 10 000 rows with the same logits) against the softmax: Pearson's
  // chi-square with V − 1 (or k − 1) degrees of freedom, bounded by df + 6·√(2·df) (p < 1e-4 for these df).
  it.each([
    ['temperature 1', { temperature: 1, topK: 0 }, 12],
    ['temperature 0.5', { temperature: 0.5, topK: 0 }, 12],
    ['temperature 1.5, top-4', { temperature: 1.5, topK: 4 }, 12],
  ] as const)('frequencies follow the softmax (chi-square), %s', async (_name, c, V) => {
    const row = f32Logits(6, V, 1.5);
    const rows = 10_000;
    const logits = Float64Array.from({ length: rows * V }, (_, i) => row[i % V]);
    const config = { ...c, seed: 77, stream: 0 };
    const draws = await draw(gpu(), logits, [rows, V], config, 4);
    const counts = new Array(V).fill(0);
    for (const d of draws) for (const id of d.ids) counts[id]++;
    const kth = c.topK ? [...row].sort((a, b) => b - a)[c.topK - 1] : -Infinity;
    const w = Array.from(row, (l) => (l >= kth ? Math.exp(l / c.temperature) : 0));
    const z = w.reduce((a, b) => a + b, 0);
    const n = 4 * rows;
    let chi2 = 0;
    let df = -1;
    for (let j = 0; j < V; j++) {
      if (w[j] === 0) {
        expect(counts[j], `token ${j} outside the top k`).toBe(0);
        continue;
      }
      const expected = (n * w[j]) / z;
      chi2 += (counts[j] - expected) ** 2 / expected;
      df++;
    }
    console.log(`sample chi-square ${_name}: ${chi2.toFixed(2)} with ${df} degrees of freedom`);
    expect(chi2).toBeLessThan(df + 6 * Math.sqrt(2 * df));
    // Each draw's reported probability is its token's softmax probability.
    expectClose(
      draws[0].probs,
      draws[0].ids.map((id) => w[id] / z),
      { ...PROB_TOL, label: 'probabilities of the chosen tokens' },
    );
  });

  it('a row with a non-finite logit gives NaN (never a plausible token); other rows are unaffected', async () => {
    const logits = Float64Array.from([0, 1, NaN, 2, 0, 1, 2, 3, Infinity, 0, 0, 0]);
    for (const be of [gpu(), cpu]) {
      const [r] = await draw(be, logits, [3, 4], { temperature: 0, topK: 0, seed: 0, stream: 0 }, 1);
      expect(r.ids.map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual(['NaN', 3, 'NaN']);
    }
  });

  it('one dispatch per call; no submit or readback until a read', async () => {
    const g = gpu();
    const x = g.tensor(f32Logits(8, 6 * 40), [6, 40]);
    const counters = [g.zeros([1]), g.zeros([1])];
    g.flush();
    g.resetCounters();
    const a = g.sample(x, counters[0], counters[1], { temperature: 1, topK: 7, seed: 1, stream: 0 });
    expect(g.counters()).toMatchObject({ dispatches: 1, submits: 0, readbacks: 0, uploads: 0 });
    for (const t of [x, ...counters, a.ids, a.probs]) t.release();
  });

  it('refuses bad arguments before any work, naming them', () => {
    const x = cpu.tensor(new Float64Array(12), [3, 4]);
    const [s0, s1] = [cpu.zeros([1]), cpu.zeros([1])];
    const base = { temperature: 1, topK: 0, seed: 0, stream: 0 };
    const bad: [Partial<SampleConfig>, RegExp][] = [
      [{ temperature: -1 }, /temperature/],
      [{ temperature: NaN }, /temperature/],
      [{ temperature: 1e-40 }, /temperature/],
      [{ topK: 5 }, /topK/],
      [{ topK: 1.5 }, /topK/],
      [{ seed: 0.5 }, /seed/],
      [{ stream: -1 }, /stream/],
    ];
    for (const [change, name] of bad) expect(() => cpu.sample(x, s0, s1, { ...base, ...change })).toThrow(name);
    expect(() => cpu.sample(x, s0, s0, base)).toThrow(/nextStep/);
    expect(() => cpu.sample(x, s0, s1, base, { B: 3, offset: 1, stride: 4 })).toThrow(ShapeError);
    const flat = cpu.tensor([1, 2], [2]);
    expect(() => cpu.sample(flat, s0, s1, base)).toThrow(ShapeError);
    expect(() => cpu.sample(x, s0, s1, base, { B: 0, offset: 0, stride: 4 })).toThrow(ValueError);
    for (const t of [x, s0, s1, flat]) t.release();
  });
});
