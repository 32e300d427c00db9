// Beam search (src/nn/beam.ts over ctx.beamExpand, ctx.topk, ctx.beamSelect): against a plain reference
// beam search written here (same semantics: live slots take the best candidates in order, ties to the
// lower slot then token id, finished hypotheses frozen, GNMT length penalty on finished ones only),
// against brute-force enumeration on a tiny vocabulary, beam width 1 against greedy decoding (ctx.sample
// at temperature 0), GPU vs CPU, readbacks per search, and bad input refused before any work.
import { describe, expect, it } from 'vitest';
import {
  Embedding,
  GRU,
  Linear,
  Sequential,
  ShapeError,
  ValueError,
  beamSearch,
  lengthPenalty,
  type Backend,
  type BeamSearchOptions,
  type BeamStepInput,
  type RecurrentState,
  type Tensor,
} from '../src/index.js';
import { beamExpandForward } from '../src/ops/beam/cpu.js';
import { seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();

/**
 * A toy decoder with state, on the device: a second-order Markov chain per source,
 * logp(v | source b, tokens …, a, c) = (off[b][v] + T1[c][v]) + T2[a][v], c the last input token, a the one
 * before (the start token twice at step 0), and attention weights W[c] [T_src]. One-hot rows of the last
 * input token are its recurrent state, reordered by the search's parents (an Embedding gather).
 */
interface Chain {
  V: number;
  B: number;
  start: number;
  off: number[][];
  T1: number[][];
  T2: number[][];
  W: number[][];
}

function makeChain(seed: number, B: number, V: number, coarse: boolean, Tsrc = 3): Chain {
  const r = seeded(seed);
  // Coarse values (quarters) are exact in f32 and make ties; fine ones round as f32 on the GPU.
  const val = (lo: number) => (coarse ? -Math.floor(r.uniform(0, -lo * 4 + 1)) / 4 : Math.fround(r.uniform(lo, 0)));
  const mat = (n: number, m: number, lo: number) =>
    Array.from({ length: n }, () => Array.from({ length: m }, () => val(lo)));
  return {
    V,
    B,
    start: 0,
    off: mat(B, V, -1),
    T1: mat(V, V, -3),
    T2: mat(V, V, -2),
    W: mat(V, Tsrc, -1).map((row) => row.map((x) => Math.fround(-x))),
  };
}

/** The chain's log-probabilities on the host, rounded by R after each addition (f32 on the GPU, f64 on the CPU). */
function hostLogProbs(chain: Chain, b: number, prefix: readonly number[], R: (x: number) => number): number[] {
  const full = [chain.start, chain.start, ...prefix];
  const [a, c] = [full.at(-2)!, full.at(-1)!];
  return Array.from({ length: chain.V }, (_, v) => R(R(chain.off[b][v] + chain.T1[c][v]) + chain.T2[a][v]));
}

/** The chain as a beam-search step on `be`, for beam width k; dispose() releases what it holds. */
function deviceChain(be: Backend, chain: Chain, k: number, withAttention = true) {
  const { V, B } = chain;
  const BK = B * k;
  const eye = be.tensor(
    Array.from({ length: V * V }, (_, i) => (i % (V + 1) === 0 ? 1 : 0)),
    [V, V],
  );
  const T1 = be.tensor(chain.T1.flat(), [V, V]);
  const T2 = be.tensor(chain.T2.flat(), [V, V]);
  const W = be.tensor(chain.W.flat(), [V, chain.W[0].length]);
  const off = be.tensor(Array.from({ length: BK }, (_, r) => chain.off[Math.floor(r / k)]).flat(), [BK, V]);
  const startRows = be.tensor(new Array<number>(BK).fill(chain.start), [BK]);
  let last = be.embedding(eye, startRows); // [BK, V] one-hot rows of each row's last input token
  startRows.release();
  let calls = 0;
  const step = ({ tokens, parents }: BeamStepInput) => {
    calls++;
    const before = be.embedding(last, parents); // the token before, reordered to the new rows
    const current = be.embedding(eye, tokens);
    const logProbs = be.empty([BK, V]);
    be.copy(off, logProbs, 0);
    be.matmul(current, T1, { beta: 1, out: logProbs });
    be.matmul(before, T2, { beta: 1, out: logProbs });
    before.release();
    last.release();
    last = current;
    return withAttention ? { logProbs, attention: be.embedding(W, tokens) } : { logProbs };
  };
  return {
    step,
    calls: () => calls,
    dispose: () => {
      for (const t of [eye, T1, T2, W, off, last]) t.release();
    },
  };
}

interface RefHyp {
  tokens: number[];
  logProb: number;
  finished: boolean;
  attention: number[][];
}

/** The plain reference: per source, k slots; each step the live slots take the best candidates in order. */
function referenceBeam(chain: Chain, k: number, end: number, L: number, alpha: number, R: (x: number) => number) {
  return Array.from({ length: chain.B }, (_, b) => {
    let slots: RefHyp[] = Array.from({ length: k }, (_, i) => ({
      tokens: [],
      logProb: i === 0 ? 0 : -Infinity,
      finished: false,
      attention: [],
    }));
    for (let s = 0; s < L; s++) {
      const live = slots.filter((h) => !h.finished);
      if (live.length === 0) break;
      const cands = live.flatMap((h, j) => {
        const lp = hostLogProbs(chain, b, h.tokens, R);
        return lp.map((l, v) => ({ value: R(h.logProb + l), order: j * chain.V + v, h, v }));
      });
      cands.sort((x, y) => (x.value > y.value || (x.value === y.value && x.order < y.order) ? -1 : 1));
      let j = 0;
      slots = slots.map((h) => {
        if (h.finished) return h;
        const c = cands[j++];
        const input = c.h.tokens.at(-1) ?? chain.start;
        return {
          tokens: [...c.h.tokens, c.v],
          logProb: c.value,
          finished: c.v === end,
          attention: [...c.h.attention, chain.W[input]],
        };
      });
    }
    return slots
      .map((h, i) => ({ ...h, i, score: h.finished ? h.logProb / lengthPenalty(h.tokens.length, alpha) : h.logProb }))
      .sort((x, y) => (x.score > y.score || (x.score === y.score && x.i < y.i) ? -1 : 1))
      .map(({ tokens, logProb, finished, score, attention }) => ({ tokens, logProb, finished, score, attention }));
  });
}

async function search(
  be: Backend,
  chain: Chain,
  k: number,
  options: Partial<BeamSearchOptions> & { withAttention?: boolean },
) {
  const { withAttention = true, ...rest } = options;
  const dev = deviceChain(be, chain, k, withAttention);
  try {
    const result = await beamSearch(be, {
      sources: chain.B,
      beamWidth: k,
      vocabulary: chain.V,
      startToken: chain.start,
      endToken: 1,
      maxLength: 6,
      step: dev.step,
      ...rest,
    });
    return { ...result, calls: dev.calls() };
  } finally {
    dev.dispose();
  }
}

const f32 = Math.fround;
const f64 = (x: number) => x;

describe('beam search against the reference', () => {
  it.each([
    ['GPU, coarse (ties)', true, 'gpu'],
    ['GPU, f32 values', false, 'gpu'],
    ['CPU, coarse (ties)', true, 'cpu'],
    ['CPU, f64 values', false, 'cpu'],
  ] as const)('%s: tokens, scores, flags and attention exactly', async (_, coarse, side) => {
    const be = side === 'gpu' ? gpu() : cpu;
    const R = side === 'gpu' ? f32 : f64;
    for (const [seed, B, V, k, L, alpha] of [
      [1, 3, 5, 3, 6, 0.6],
      [2, 2, 7, 7, 5, 1],
      [3, 1, 4, 2, 8, 0],
      [4, 4, 9, 1, 7, 0.6],
      [5, 2, 40, 5, 6, 0.2],
    ]) {
      const chain = makeChain(seed, B, V, coarse);
      const got = await search(be, chain, k, { maxLength: L, lengthPenalty: alpha });
      const want = referenceBeam(chain, k, 1, L, alpha, R);
      expect(got.hypotheses, `seed ${seed}`).toEqual(want);
      expect(got.steps).toBe(L);
      expect(got.calls).toBe(L);
    }
  });

  it('GPU and CPU return the same hypotheses on values exact in f32 (ties throughout)', async () => {
    const chain = makeChain(7, 3, 11, true, 4);
    const g = await search(gpu(), chain, 4, { maxLength: 7, lengthPenalty: 0.6 });
    const c = await search(cpu, chain, 4, { maxLength: 7, lengthPenalty: 0.6 });
    expect(g.hypotheses).toEqual(c.hypotheses);
    expect(g.hypotheses.flat().some((h) => h.finished) && g.hypotheses.flat().some((h) => !h.finished)).toBe(true);
  });

  it('masked tokens (−Infinity log-probabilities) are never chosen while a finite candidate is left', async () => {
    const chain = makeChain(8, 2, 6, false);
    for (const row of chain.off) for (const v of [2, 4]) row[v] = -Infinity;
    for (const be of [gpu(), cpu]) {
      const got = await search(be, chain, 3, { maxLength: 5 });
      expect(got.hypotheses).toEqual(referenceBeam(chain, 3, 1, 5, 0, be === cpu ? f64 : f32));
      for (const h of got.hypotheses.flat()) expect(h.tokens.filter((t) => t === 2 || t === 4)).toEqual([]);
    }
  });
});

describe('beam search against brute force', () => {
  // k ≤ V makes k ≥ V^(L−1) mean L ≤ 2 with k = V: the first step keeps every token, the second keeps the
  // best k of the live hypotheses' expansions by summed log-probability. With α > 0 that last cut may drop a
  // finished hypothesis that the penalty would lift above the ones kept, so the enumeration matches at α = 0.
  it('k = V ≥ V^(L−1): the best hypothesis is the best of every sequence (α = 0)', async () => {
    for (const seed of [11, 12, 13, 14]) {
      const V = 3;
      const L = 2;
      const chain = makeChain(seed, 2, V, false);
      const got = await search(cpu, chain, V, { maxLength: L, withAttention: false });
      for (let b = 0; b < chain.B; b++) {
        // Every sequence: ending with the end token (1) at any length ≤ L, or of length L without it.
        const all: { tokens: number[]; score: number }[] = [];
        const grow = (prefix: number[], score: number) => {
          if (prefix.at(-1) === 1 || prefix.length === L) {
            all.push({ tokens: prefix, score });
            return;
          }
          hostLogProbs(chain, b, prefix, f64).forEach((l, v) => grow([...prefix, v], score + l));
        };
        grow([], 0);
        all.sort((x, y) => y.score - x.score);
        expect(got.hypotheses[b][0].tokens, `seed ${seed}, source ${b}`).toEqual(all[0].tokens);
        expect(got.hypotheses[b][0].score).toBeCloseTo(all[0].score, 12);
        // Every finished hypothesis of length 1 is kept (the first step keeps all V tokens).
        expect(got.hypotheses[b].some((h) => h.tokens.length === 1 && h.tokens[0] === 1)).toBe(true);
      }
    }
  });
});

describe('a tiny GRU + Linear decoder through the library', () => {
  const [V, E, H, B, k, L] = [7, 4, 5, 3, 3, 6];

  /** The model as a beam-search step: its hidden states reordered by the parents (an Embedding gather). */
  function gruStep(be: Backend) {
    const model = new Sequential(
      be,
      [new Embedding(V, E), new GRU({ inputSize: E, hiddenSize: H }), new Linear(H, V)],
      {
        seed: 5,
      },
    );
    model.eval();
    let states: RecurrentState[] | null = null;
    const step = ({ tokens, parents }: BeamStepInput) => {
      const BK = tokens.size;
      const gathered = states ? be.embedding(states[0].h.view([BK, H]), parents) : null;
      const r = model.forward(tokens.view([1, BK]), { states: gathered ? [{ h: gathered.view([1, BK, H]) }] : null });
      gathered?.release();
      states = r.states;
      const logProbs = be.empty([BK, V]); // the output is the model's: the search takes a copy
      be.copy(r.output, logProbs, 0);
      return { logProbs };
    };
    return { model, step };
  }

  it('GPU and CPU agree; each hypothesis’s score is the model’s, re-run on its tokens alone', async () => {
    const results = [];
    for (const be of [gpu(), cpu]) {
      const { model, step } = gruStep(be);
      results.push(
        await beamSearch(be, {
          sources: B,
          beamWidth: k,
          vocabulary: V,
          startToken: 0,
          endToken: 1,
          maxLength: L,
          step,
        }),
      );
      if (be === cpu) {
        for (const h of results[1].hypotheses.flat()) {
          const input = [0, ...h.tokens.slice(0, -1)];
          const ids = be.tensor(input, [input.length, 1]);
          const out = await be.read(model.forward(ids));
          ids.release();
          const sum = h.tokens.reduce((acc, t, i) => acc + out[i * V + t], 0);
          expect(h.logProb).toBeCloseTo(sum, 12);
        }
      }
      model.release();
    }
    const [g, c] = results;
    expect(g.hypotheses.map((hs) => hs.map((h) => h.tokens))).toEqual(
      c.hypotheses.map((hs) => hs.map((h) => h.tokens)),
    );
    for (const [i, hs] of g.hypotheses.entries())
      hs.forEach((h, j) => expect(h.logProb).toBeCloseTo(c.hypotheses[i][j].logProb, 5));
  });
});

describe('greedy decoding', () => {
  it('beam width 1 equals greedy decoding (ctx.sample at temperature 0 on the same step) exactly', async () => {
    const be = gpu();
    for (const [seed, coarse] of [
      [21, true],
      [22, false],
    ] as const) {
      const chain = makeChain(seed, 5, 13, coarse);
      const L = 8;
      const beam = await search(be, chain, 1, { maxLength: L, withAttention: false });
      // Greedy: each row's argmax fed straight back, the parents the identity.
      const dev = deviceChain(be, chain, 1, false);
      const ids0 = be.tensor(new Array<number>(chain.B).fill(chain.start), [chain.B]);
      const parents = be.tensor(
        Array.from({ length: chain.B }, (_, i) => i),
        [chain.B],
      );
      const counters = [be.zeros([1]), be.zeros([1])];
      let ids: Tensor = ids0;
      const drawn: Tensor[] = [];
      for (let s = 0; s < L; s++) {
        const { logProbs } = dev.step({ tokens: ids, parents, step: s });
        const d = be.sample(logProbs, counters[s % 2], counters[(s + 1) % 2], {
          temperature: 0,
          topK: 0,
          seed: 0,
          stream: 0,
        });
        logProbs.release();
        d.probs.release();
        drawn.push(d.ids);
        ids = d.ids;
      }
      const read = await be.readMany(drawn);
      for (const t of [ids0, parents, ...counters, ...drawn]) t.release();
      dev.dispose();
      for (let b = 0; b < chain.B; b++) {
        const greedy = read.map((r) => r[b]);
        const endAt = greedy.indexOf(1);
        const tokens = endAt < 0 ? greedy : greedy.slice(0, endAt + 1);
        expect(beam.hypotheses[b][0].tokens, `seed ${seed}, source ${b}`).toEqual(tokens);
        expect(beam.hypotheses[b][0].finished).toBe(endAt >= 0);
      }
    }
  });
});

describe('structure', () => {
  it('one readback per search; with readEvery n one more per n steps, stopping once all are finished', async () => {
    const be = gpu();
    const chain = makeChain(31, 2, 6, true);
    be.resetCounters();
    const full = await search(be, chain, 3, { maxLength: 12 });
    expect(be.counters().readbacks).toBe(1);
    // End-heavy chain: every hypothesis finishes within a few steps.
    const ending = makeChain(32, 2, 6, true);
    for (const m of [ending.off, ending.T1, ending.T2])
      for (const row of m) row.forEach((_, v) => (row[v] = v === 1 ? 0 : Math.min(row[v], -0.25)));
    be.resetCounters();
    const early = await search(be, ending, 3, { maxLength: 40, readEvery: 2 });
    expect(early.steps).toBeLessThan(40);
    expect(early.steps % 2).toBe(0);
    expect(be.counters().readbacks).toBe(early.steps / 2 + 1);
    expect(early.hypotheses.flat().every((h) => h.finished)).toBe(true);
    expect(early.hypotheses).toEqual(referenceBeam(ending, 3, 1, 40, 0, f32));
    expect(full.steps).toBe(12);
  });

  it('per step: the model step and three search dispatches (expand, top-k, select)', async () => {
    const be = gpu();
    const chain = makeChain(33, 2, 5, true);
    const counts = [];
    for (const L of [3, 6]) {
      const dev = deviceChain(be, chain, 2, false);
      be.resetCounters();
      let stepDispatches = 0;
      await beamSearch(be, {
        sources: 2,
        beamWidth: 2,
        vocabulary: 5,
        startToken: 0,
        endToken: 4,
        maxLength: L,
        step: (input) => {
          const before = be.counters().dispatches;
          const out = dev.step(input);
          stepDispatches += be.counters().dispatches - before;
          return out;
        },
      });
      counts.push(be.counters().dispatches - stepDispatches);
      dev.dispose();
    }
    expect(counts[1] - counts[0]).toBe(3 * 3);
  });
});

describe('bad input', () => {
  const good = (): BeamSearchOptions => ({
    sources: 2,
    beamWidth: 3,
    vocabulary: 5,
    startToken: 0,
    endToken: 1,
    maxLength: 4,
    step: () => {
      throw new Error('the step must not run');
    },
  });
  it.each([
    ['beamWidth', 0, ValueError],
    ['beamWidth', 6, ValueError],
    ['beamWidth', 1.5, ValueError],
    ['maxLength', 0, ValueError],
    ['endToken', 5, ValueError],
    ['endToken', -1, ValueError],
    ['startToken', 7, ValueError],
    ['sources', 0, ValueError],
    ['vocabulary', 0, ValueError],
    ['lengthPenalty', -1, ValueError],
    ['readEvery', 0, ValueError],
    ['step', null, ValueError],
    ['vocabulary', 2 ** 24, ValueError],
  ] as const)('%s = %s: a typed error naming it, before any GPU work', async (name, value, type) => {
    const be = gpu();
    be.resetCounters();
    const live = be.liveTensors();
    const options = { ...good(), [name]: value } as BeamSearchOptions;
    await expect(beamSearch(be, options)).rejects.toThrow(type);
    await expect(beamSearch(be, options)).rejects.toThrow(new RegExp(name));
    expect(be.counters()).toMatchObject({ dispatches: 0, uploads: 0, submits: 0, readbacks: 0 });
    expect(be.liveTensors()).toBe(live);
  });

  it('an unknown option and a step returning the wrong shape are refused, tensors released', async () => {
    const be = gpu();
    await expect(beamSearch(be, { ...good(), beamwidth: 2 } as never)).rejects.toThrow(/beamWidth/);
    // k·V candidate indices must stay exact in f32.
    await expect(beamSearch(be, { ...good(), vocabulary: 2 ** 23 })).rejects.toThrow(/beamWidth.*below 2 /);
    const live = be.liveTensors();
    await expect(beamSearch(be, { ...good(), step: () => ({ logProbs: be.zeros([6, 4]) }) })).rejects.toThrow(
      ShapeError,
    );
    // Attention at step 0 only, then at step 1 only: refused at the step where it changes.
    for (const first of [true, false]) {
      const calls: number[] = [];
      const step = ({ step }: BeamStepInput) => {
        calls.push(step);
        const withAttention = (step === 0) === first;
        return { logProbs: be.zeros([6, 5]), ...(withAttention ? { attention: be.zeros([6, 2]) } : {}) };
      };
      await expect(beamSearch(be, { ...good(), step })).rejects.toThrow(/step.*attention/);
      expect(calls).toEqual([0, 1]);
    }
    expect(be.liveTensors()).toBe(live);
  });
});

describe('bookkeeping twins', () => {
  // [B, k, V, which slots are finished]: some per source, none, a whole source, several workgroups.
  it.each([
    [3, 4, 5, (i: number) => i % 3 === 1],
    [1, 1, 1, () => false],
    [2, 5, 5, (i: number) => i < 5],
    [4, 3, 97, (i: number) => i % 5 === 0],
  ])('B=%i k=%i V=%i: beamExpand and beamSelect on the GPU equal their CPU twins', async (B, k, V, done) => {
    const BK = B * k;
    const r = seeded(41 + V);
    const state = [
      ...Array.from({ length: BK }, () => f32(r.uniform(-5, 0))),
      ...Array.from({ length: BK }, (_, i) => (done(i) ? 1 : 0)),
      ...Array.from({ length: BK }, (_, i) => 2 + (i % 2)),
    ];
    const lp = Array.from({ length: BK * V }, () => f32(r.uniform(-3, 0)));
    const out = [];
    for (const be of [gpu(), cpu]) {
      const s = be.tensor(state, [3, BK]);
      const l = be.tensor(lp, [BK, V]);
      const c = be.beamExpand(s, l, k);
      const top = be.topk(c, k);
      const next = be.beamSelect(s, top.values, top.indices, V, 0);
      out.push(await be.readMany([c, next.state, next.tokens, next.parents]));
      for (const t of [s, l, c, top.values, top.indices, next.state, next.tokens, next.parents]) t.release();
    }
    const [g, h] = out;
    // f32 sums on the GPU: the f64 twin's sums rounded once.
    expect(Array.from(g[0], String)).toEqual(
      Array.from(beamExpandForward(Float64Array.from(state), Float64Array.from(lp), B, k, V), (x) => String(f32(x))),
    );
    for (let i = 1; i < 4; i++) expect(Array.from(g[i])).toEqual(Array.from(h[i]).map(f32));
    // Finished slots are frozen: state copied, continued by the end token (0), their own parent.
    for (let i = 0; i < BK; i++) {
      if (!done(i)) continue;
      expect([0, 1, 2].map((row) => g[1][row * BK + i])).toEqual([0, 1, 2].map((row) => state[row * BK + i]));
      expect([g[2][i], g[3][i]]).toEqual([0, i]);
    }
  });
});
