// attention (forward/backward): GPU vs the CPU twin on awkward sizes for every score, padding (weight
// exactly 0, padded keys and values change nothing), f64 finite-difference checks of the twin, dispatch
// counts, and the typed errors of bad calls (made before any GPU work).
import { describe, expect, it } from 'vitest';
import {
  BatchLengths,
  CpuBackend,
  ShapeError,
  ValueError,
  type AttentionScore,
  type AttentionWeights,
  type Backend,
  type Tensor,
} from '../../src/index.js';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();
// f32 against f64: scores are sums of ≤ 13 products, then a softmax and sums of ≤ 17 weighted values;
// gradients chain two more such sums (and a matmul for general / additive).
const VALUES = { atol: 1e-6, rtol: 1e-5 };
const GRADS = { atol: 1e-5, rtol: 1e-4 };

interface Case {
  score: AttentionScore;
  T: number; // decoder steps
  S: number; // source steps
  B: number;
  Dq: number;
  Dk: number;
  Dv: number;
  U?: number;
  lengths?: number[];
  scaled?: boolean;
  batchFirst?: boolean;
  /** Also feed dL/dα into the backward. */
  dWeights?: boolean;
}

/** Seeded host data of a case: inputs, weights and the upstream gradients. */
function caseData(c: Case, seed: number) {
  const rng = seeded(seed);
  const U = c.U ?? 0;
  const weights: Record<string, { data: Float64Array; shape: number[] }> =
    c.score === 'general'
      ? { wa: { data: rng.uniformArray(c.Dq * c.Dk), shape: [c.Dq, c.Dk] } }
      : c.score === 'additive'
        ? {
            wq: { data: rng.uniformArray(U * c.Dq), shape: [U, c.Dq] },
            wk: { data: rng.uniformArray(U * c.Dk), shape: [U, c.Dk] },
            v: { data: rng.uniformArray(U), shape: [U] },
          }
        : {};
  return {
    q: rng.uniformArray(c.T * c.B * c.Dq),
    k: rng.uniformArray(c.S * c.B * c.Dk),
    v: rng.uniformArray(c.S * c.B * c.Dv),
    dC: rng.uniformArray(c.T * c.B * c.Dv),
    dA: rng.uniformArray(c.B * c.T * c.S),
    weights,
  };
}

const seqShape = (c: Case, steps: number, D: number) => (c.batchFirst ? [c.B, steps, D] : [steps, c.B, D]);

/** Forward and backward of a case on one backend: context, α, dQ, dK, dV, then the weight gradients by name. */
async function runCase(be: Backend, c: Case, data: ReturnType<typeof caseData>): Promise<Record<string, Float64Array>> {
  const q = be.tensor(data.q, seqShape(c, c.T, c.Dq));
  const k = be.tensor(data.k, seqShape(c, c.S, c.Dk));
  const v = be.tensor(data.v, seqShape(c, c.S, c.Dv));
  const dC = be.tensor(data.dC, seqShape(c, c.T, c.Dv));
  const dA = be.tensor(data.dA, [c.B, c.T, c.S]);
  const names = Object.keys(data.weights) as (keyof AttentionWeights)[];
  const w: AttentionWeights = {};
  const g: AttentionWeights = {};
  for (const n of names) {
    w[n] = be.tensor(data.weights[n].data, data.weights[n].shape);
    g[n] = be.zeros(data.weights[n].shape);
  }
  const fwd = be.attention(q, k, v, {
    score: c.score,
    weights: names.length ? w : undefined,
    lengths: c.lengths,
    scaled: c.scaled,
    batchFirst: c.batchFirst,
  });
  const grads = be.attentionBackward(fwd, dC, {
    dWeights: c.dWeights ? dA : undefined,
    grads: names.length ? g : undefined,
  });
  const out = [fwd.context, fwd.weights, grads.dQueries, grads.dKeys, grads.dValues, ...names.map((n) => g[n]!)];
  const read = await be.readMany(out);
  fwd.release();
  for (const t of [
    q,
    k,
    v,
    dC,
    dA,
    grads.dQueries,
    grads.dKeys,
    grads.dValues,
    ...Object.values(w),
    ...Object.values(g),
  ])
    t.release();
  const labels = ['context', 'weights', 'dQueries', 'dKeys', 'dValues', ...names.map((n) => `d_${n}`)];
  return Object.fromEntries(labels.map((l, i) => [l, read[i]]));
}

const CASES: Case[] = [
  // T_src 1, T_dec 1, B 1.
  { score: 'dot', T: 1, S: 1, B: 1, Dq: 1, Dk: 1, Dv: 1 },
  { score: 'dot', T: 1, S: 7, B: 3, Dq: 5, Dk: 5, Dv: 3, lengths: [7, 2, 5] },
  { score: 'dot', T: 5, S: 11, B: 2, Dq: 13, Dk: 13, Dv: 17, lengths: [11, 3], scaled: true, dWeights: true },
  { score: 'dot', T: 4, S: 6, B: 3, Dq: 3, Dk: 3, Dv: 5, lengths: [1, 6, 4], batchFirst: true },
  { score: 'general', T: 1, S: 1, B: 1, Dq: 3, Dk: 2, Dv: 1 },
  { score: 'general', T: 7, S: 5, B: 3, Dq: 5, Dk: 3, Dv: 7, lengths: [5, 1, 3], dWeights: true },
  { score: 'general', T: 3, S: 13, B: 2, Dq: 7, Dk: 11, Dv: 3, lengths: [2, 13], scaled: true, batchFirst: true },
  { score: 'additive', T: 1, S: 1, B: 1, Dq: 1, Dk: 1, Dv: 1, U: 1 },
  { score: 'additive', T: 5, S: 7, B: 3, Dq: 3, Dk: 5, Dv: 3, U: 7, lengths: [7, 4, 1], dWeights: true },
  { score: 'additive', T: 1, S: 11, B: 2, Dq: 13, Dk: 3, Dv: 5, U: 5, lengths: [6, 11], batchFirst: true },
];

const name = (c: Case) =>
  `${c.score} T=${c.T} S=${c.S} B=${c.B} Dq=${c.Dq} Dk=${c.Dk} Dv=${c.Dv}${c.U ? ` U=${c.U}` : ''}` +
  `${c.lengths ? ` lengths=${c.lengths.join(',')}` : ''}${c.scaled ? ' scaled' : ''}${c.batchFirst ? ' batchFirst' : ''}` +
  `${c.dWeights ? ' +dα' : ''}`;

/** Indices of α [B, T, S] past each row's length. */
function paddedWeights(c: Case): number[] {
  const out: number[] = [];
  for (let b = 0; b < c.B; b++)
    for (let t = 0; t < c.T; t++) for (let s = c.lengths?.[b] ?? c.S; s < c.S; s++) out.push((b * c.T + t) * c.S + s);
  return out;
}

/** Element indices of a [S, B, D] (batch-first [B, S, D]) source tensor past each row's length. */
function paddedSource(c: Case, D: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < c.B; b++)
    for (let s = c.lengths?.[b] ?? c.S; s < c.S; s++) {
      const row = c.batchFirst ? b * c.S + s : s * c.B + b;
      for (let j = 0; j < D; j++) out.push(row * D + j);
    }
  return out;
}

describe('attention vs CPU', () => {
  it.each(CASES.map((c, i) => [name(c), c, i] as const))('%s', async (_, c, i) => {
    const data = caseData(c, 100 + i);
    const [g, r] = [await runCase(gpu(), c, data), await runCase(cpu, c, data)];
    for (const key of Object.keys(r)) {
      const tol = key === 'context' || key === 'weights' ? VALUES : GRADS;
      expectClose(g[key], r[key], { ...tol, label: key });
    }
    // Padding is never attended: weight exactly 0 on both backends, and nothing flows to padded keys or values.
    for (const res of [g, r]) {
      for (const idx of paddedWeights(c)) expect(res.weights[idx]).toBe(0);
      for (const idx of paddedSource(c, c.Dk)) expect(res.dKeys[idx]).toBe(0);
      for (const idx of paddedSource(c, c.Dv)) expect(res.dValues[idx]).toBe(0);
    }
  });

  it.each(CASES.filter((c) => c.lengths).map((c) => [name(c), c] as const))(
    'padded keys and values change nothing: %s',
    async (_, c) => {
      const data = caseData(c, 7);
      const changed = { ...data, k: data.k.slice(), v: data.v.slice() };
      // Padded values are never read, nor padded keys except by the additive score's W_k projection.
      for (const idx of paddedSource(c, c.Dk)) changed.k[idx] = c.score === 'additive' ? 1e3 * (idx + 1) : NaN;
      for (const idx of paddedSource(c, c.Dv)) changed.v[idx] = NaN;
      for (const be of [gpu(), cpu]) {
        const [a, b] = [await runCase(be, c, data), await runCase(be, c, changed)];
        for (const key of Object.keys(a)) expect(b[key], key).toEqual(a[key]);
      }
    },
  );
});

describe('attention gradients: finite differences of the f64 twin', () => {
  const cpu64 = new CpuBackend();
  const EPS = 1e-6;
  // Central differences: truncation ~eps²·f''' and rounding ~1e-16·|loss|/eps.
  const ATOL = 1e-8;
  const RTOL = 1e-6;
  it.each([
    { score: 'dot', T: 3, S: 4, B: 2, Dq: 3, Dk: 3, Dv: 2, lengths: [4, 2], scaled: true },
    { score: 'general', T: 2, S: 4, B: 2, Dq: 3, Dk: 2, Dv: 3, lengths: [3, 1], batchFirst: true },
    { score: 'additive', T: 2, S: 3, B: 2, Dq: 2, Dk: 3, Dv: 2, U: 3, lengths: [1, 3] },
  ] as Case[])('$score', async (c) => {
    const data = caseData({ ...c, dWeights: true }, 3);
    // loss = Σ context·dC + Σ α·dα, whose gradients the backward computes with dWeights = dα.
    const loss = (d: typeof data): number => {
      const q = cpu64.tensor(d.q, seqShape(c, c.T, c.Dq));
      const k = cpu64.tensor(d.k, seqShape(c, c.S, c.Dk));
      const v = cpu64.tensor(d.v, seqShape(c, c.S, c.Dv));
      const w: AttentionWeights = {};
      for (const [n, x] of Object.entries(d.weights)) w[n as keyof AttentionWeights] = cpu64.tensor(x.data, x.shape);
      const f = cpu64.attention(q, k, v, {
        score: c.score,
        weights: Object.keys(w).length ? w : undefined,
        lengths: c.lengths,
        scaled: c.scaled,
        batchFirst: c.batchFirst,
      });
      const ctx = cpu64.data(f.context, 'context');
      const alpha = cpu64.data(f.weights, 'weights');
      let l = 0;
      for (let i = 0; i < ctx.length; i++) l += ctx[i] * d.dC[i];
      for (let i = 0; i < alpha.length; i++) l += alpha[i] * d.dA[i];
      f.release();
      for (const t of [q, k, v, ...(Object.values(w) as Tensor[])]) t.release();
      return l;
    };
    const analytic = await runCase(cpu64, { ...c, dWeights: true }, data);
    const inputs: [string, Float64Array][] = [
      ['dQueries', data.q],
      ['dKeys', data.k],
      ['dValues', data.v],
      ...Object.entries(data.weights).map(([n, x]) => [`d_${n}`, x.data] as [string, Float64Array]),
    ];
    for (const [key, x] of inputs) {
      for (let i = 0; i < x.length; i++) {
        const keep = x[i];
        x[i] = keep + EPS;
        const plus = loss(data);
        x[i] = keep - EPS;
        const minus = loss(data);
        x[i] = keep;
        const numeric = (plus - minus) / (2 * EPS);
        const got = analytic[key][i];
        if (!(Math.abs(got - numeric) <= ATOL + RTOL * Math.abs(numeric)))
          expect.fail(`${key}[${i}]: analytic ${got}, numeric ${numeric}`);
      }
    }
    expect(cpu64.liveTensors()).toBe(0);
  });
});

describe('attention dispatches', () => {
  // Forward: [projections] + scores + softmax + context. Backward: dC·v, softmax backward, dV, then per score.
  it.each([
    ['dot', 3, 5],
    ['general', 4, 7],
    ['additive', 5, 10],
  ] as const)('%s: %i forward, %i backward, no submit or readback', async (score, fwd, bwd) => {
    const c: Case = { score, T: 3, S: 4, B: 2, Dq: 3, Dk: 3, Dv: 2, U: score === 'additive' ? 3 : undefined };
    const g = gpu();
    const data = caseData(c, 1);
    await runCase(g, c, data); // compiles the pipelines
    const q = g.tensor(data.q, [3, 2, 3]);
    const k = g.tensor(data.k, [4, 2, 3]);
    const v = g.tensor(data.v, [4, 2, 2]);
    const dC = g.tensor(data.dC, [3, 2, 2]);
    const w: AttentionWeights = {};
    const gr: AttentionWeights = {};
    for (const [n, x] of Object.entries(data.weights)) {
      w[n as keyof AttentionWeights] = g.tensor(x.data, x.shape);
      gr[n as keyof AttentionWeights] = g.zeros(x.shape);
    }
    const some = Object.keys(w).length > 0;
    // Lengths already on the device (as a model passes them): nothing uploaded, nothing submitted.
    const lengths = new BatchLengths(Int32Array.of(4, 2), g.tensor([4, 2], [2]));
    await g.sync();
    g.resetCounters();
    const f = g.attention(q, k, v, { score, weights: some ? w : undefined, lengths });
    expect(g.counters()).toMatchObject({ dispatches: fwd, submits: 0, readbacks: 0, uploads: 0 });
    g.resetCounters();
    const d = g.attentionBackward(f, dC, { grads: some ? gr : undefined });
    const back = g.counters();
    expect(back.dispatches).toBe(bwd);
    expect([back.submits, back.readbacks, back.uploads]).toEqual([0, 0, 0]);
    f.release();
    for (const t of [
      q,
      k,
      v,
      dC,
      lengths.device,
      d.dQueries,
      d.dKeys,
      d.dValues,
      ...Object.values(w),
      ...Object.values(gr),
    ])
      t.release();
  });
});

describe('attention bad input: typed errors naming the argument, before any GPU work', () => {
  const make = (be: Backend) => ({
    q: be.zeros([2, 3, 4]),
    k: be.zeros([5, 3, 4]),
    v: be.zeros([5, 3, 2]),
    wa: be.zeros([4, 4]),
  });
  it.each([
    [
      'score',
      ValueError,
      (t: ReturnType<typeof make>, be: Backend) => be.attention(t.q, t.k, t.v, { score: 'cosine' as 'dot' }),
    ],
    [
      'keys',
      ShapeError,
      (t: ReturnType<typeof make>, be: Backend) => be.attention(t.q, t.v.view([5, 3, 2]), t.v, { score: 'dot' }),
    ],
    [
      'values',
      ShapeError,
      (t: ReturnType<typeof make>, be: Backend) =>
        be.attention(t.q, t.k, t.k.view([20, 3]) as Tensor, { score: 'dot' }),
    ],
    ['values', ShapeError, (t: ReturnType<typeof make>, be: Backend) => be.attention(t.q, t.k, t.q, { score: 'dot' })],
    [
      'lengths[1]',
      ValueError,
      (t: ReturnType<typeof make>, be: Backend) => be.attention(t.q, t.k, t.v, { score: 'dot', lengths: [5, 0, 1] }),
    ],
    [
      'lengths[2]',
      ValueError,
      (t: ReturnType<typeof make>, be: Backend) => be.attention(t.q, t.k, t.v, { score: 'dot', lengths: [5, 1, 6] }),
    ],
    [
      'lengths',
      ShapeError,
      (t: ReturnType<typeof make>, be: Backend) => be.attention(t.q, t.k, t.v, { score: 'dot', lengths: [5, 1] }),
    ],
    [
      'lengths.device',
      ShapeError,
      (t: ReturnType<typeof make>, be: Backend) =>
        be.attention(t.q, t.k, t.v, { score: 'dot', lengths: new BatchLengths(Int32Array.of(1, 1, 1), t.wa) }),
    ],
    [
      'weights',
      ValueError,
      (t: ReturnType<typeof make>, be: Backend) => be.attention(t.q, t.k, t.v, { score: 'general' }),
    ],
    [
      'weights.wa',
      ShapeError,
      (t: ReturnType<typeof make>, be: Backend) =>
        be.attention(t.q, t.k, t.v, { score: 'general', weights: { wa: t.v.view([5, 6]) } }),
    ],
    [
      'weights.wa',
      ValueError,
      (t: ReturnType<typeof make>, be: Backend) => be.attention(t.q, t.k, t.v, { score: 'dot', weights: { wa: t.wa } }),
    ],
    [
      'weights.wq',
      ValueError,
      (t: ReturnType<typeof make>, be: Backend) =>
        be.attention(t.q, t.k, t.v, { score: 'additive', weights: { wk: t.wa, v: t.wa } }),
    ],
    [
      'scaled',
      ValueError,
      (t: ReturnType<typeof make>, be: Backend) =>
        be.attention(t.q, t.k, t.v, { score: 'additive', scaled: true, weights: {} }),
    ],
    [
      'options',
      ValueError,
      (t: ReturnType<typeof make>, be: Backend) => be.attention(t.q, t.k, t.v, { score: 'dot', mask: [1] } as never),
    ],
  ] as const)('%s (%o)', async (argument, type, call) => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const t = make(be);
      be.flush();
      be.resetCounters();
      let err: unknown;
      try {
        call(t, be);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(type);
      expect((err as ValueError).argument).toBe(argument);
      expect(be.counters()).toMatchObject({ dispatches: 0, uploads: 0 });
      for (const x of Object.values(t)) x.release();
    }
  });

  it('backward: dContext and dWeights shapes, missing grads, a result of the other backend', async () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const t = make(be);
      const f = be.attention(t.q, t.k, t.v, { score: 'general', weights: { wa: t.wa } });
      const bad = be.zeros([2, 3, 3]);
      be.resetCounters();
      expect(() => be.attentionBackward(f, bad, { grads: { wa: t.wa } })).toThrow(/dContext/);
      expect(() => be.attentionBackward(f, f.context, { grads: { wa: t.wa }, dWeights: bad })).toThrow(/dWeights/);
      expect(() => be.attentionBackward(f, f.context)).toThrow(/grads/);
      expect(() => (be === cpu ? gpu() : cpu).attentionBackward(f, f.context)).toThrow(/forward/);
      expect(be.counters().dispatches).toBe(0);
      f.release();
      for (const x of [...Object.values(t), bad]) x.release();
    }
  });
});
