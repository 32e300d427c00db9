// Seq2Seq.decode (beam search over the model, batched on the device): beam width 1 against a plain greedy
// loop over decodeStep, beams against a host reference beam search over the same model's CPU decodeStep
// log-probabilities (each prefix re-run alone), GPU vs CPU, readbacks per decode, bad input refused before any work.
import { describe, expect, it } from 'vitest';
import {
  Seq2Seq,
  ShapeError,
  ValueError,
  lengthPenalty,
  type Backend,
  type BeamHypothesis,
  type Seq2SeqOptions,
} from '../src/index.js';
import { useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();

const [Vs, Vt, START, END] = [6, 5, 0, 1];

const configs: Array<[string, Seq2SeqOptions]> = [
  [
    'bidirectional GRU (2 layers) → LSTM (2 layers), general, input feeding',
    {
      sourceVocab: Vs,
      sourceEmbedding: 3,
      targetVocab: Vt,
      targetEmbedding: 4,
      encoder: { cell: 'gru', hiddenSize: 3, numLayers: 2, bidirectional: true },
      decoder: { cell: 'lstm', hiddenSize: 5, numLayers: 2 },
      attention: { score: 'general' },
      inputFeeding: true,
      seed: 3,
    },
  ],
  [
    'GRU → GRU, dot, no feeding',
    {
      sourceVocab: Vs,
      sourceEmbedding: 3,
      targetVocab: Vt,
      targetEmbedding: 2,
      encoder: { cell: 'gru', hiddenSize: 4 },
      decoder: { cell: 'gru', hiddenSize: 4 },
      attention: { score: 'dot' },
      seed: 6,
    },
  ],
];

// Three sources of up to 4 steps, time-major, the second and third shorter.
const B = 3;
const S = 4;
const source = [2, 5, 1, 3, 0, 4, 1, 2, 3, 5, 3, 0];
const sourceLengths = [4, 2, 3];

/** The model with its output sharpened (W_o × 5) and the end token's bias raised by 1: the beams then mix finished and live hypotheses. */
async function makeModel(be: Backend, options: Seq2SeqOptions): Promise<Seq2Seq> {
  const model = new Seq2Seq(be, options);
  const dict = await model.stateDict();
  dict['output.weight'].data.forEach((v, i, a) => (a[i] = 5 * v));
  dict['output.bias'].data[END] += 1;
  model.loadStateDict(dict);
  return model;
}

function rowsOf(ids: number[], b: number, length: number): number[] {
  return Array.from({ length }, (_, t) => ids[t * B + b]);
}

/** A plain greedy loop over decodeStep: each row's argmax (ties to the lowest id) fed back, read every step. */
async function greedy(model: Seq2Seq, L: number) {
  const ctx = model.ctx;
  const encoded = model.encode(source, sourceLengths);
  let state = encoded.state;
  let input = new Array<number>(B).fill(START);
  const tokens: number[][] = Array.from({ length: B }, () => []);
  const logProb = new Array<number>(B).fill(0);
  const done = new Array<boolean>(B).fill(false);
  for (let s = 0; s < L && !done.every(Boolean); s++) {
    const ids = ctx.tensor(input, [B]);
    const out = model.decodeStep(encoded, ids, state);
    ids.release();
    if (state !== encoded.state) state.release();
    state = out.state;
    const lp = await ctx.read(out.logProbs);
    for (const t of [out.logits, out.logProbs, out.weights]) t?.release();
    input = input.map((_, b) => {
      if (done[b]) return END;
      const row = Array.from(lp.subarray(b * Vt, (b + 1) * Vt));
      const v = row.indexOf(Math.max(...row));
      tokens[b].push(v);
      logProb[b] += row[v];
      done[b] = v === END;
      return v;
    });
  }
  if (state !== encoded.state) state.release();
  encoded.release();
  return { tokens, logProb, finished: done };
}

/** Log-probabilities and α (over the source's own length) after a prefix: source b alone, each prefix re-run from its start. */
function prefixStep(model: Seq2Seq, b: number) {
  const memo = new Map<string, { lp: number[]; alpha: number[] }>();
  return async (prefix: number[]) => {
    const key = prefix.join(',');
    const hit = memo.get(key);
    if (hit) return hit;
    const ctx = model.ctx;
    const encoded = model.encode(rowsOf(source, b, sourceLengths[b]), [sourceLengths[b]]);
    let state = encoded.state;
    let result = { lp: [] as number[], alpha: [] as number[] };
    for (const [i, v] of [START, ...prefix].entries()) {
      const ids = ctx.tensor([v], [1]);
      const out = model.decodeStep(encoded, ids, state);
      ids.release();
      if (state !== encoded.state) state.release();
      state = out.state;
      if (i === prefix.length) {
        const [lp, alpha] = await ctx.readMany([out.logProbs, out.weights!]);
        result = { lp: Array.from(lp), alpha: Array.from(alpha) };
      }
      for (const t of [out.logits, out.logProbs, out.weights]) t?.release();
    }
    if (state !== encoded.state) state.release();
    encoded.release();
    memo.set(key, result);
    return result;
  };
}

interface RefHyp {
  tokens: number[];
  logProb: number;
  finished: boolean;
  attention: number[][];
}

/** The plain reference beam search (src/nn/beam.ts's semantics), per source over prefixStep. */
async function referenceBeam(model: Seq2Seq, k: number, L: number, alpha: number) {
  const result = [];
  for (let b = 0; b < B; b++) {
    const at = prefixStep(model, b);
    let slots: RefHyp[] = Array.from({ length: k }, (_, i) => ({
      tokens: [],
      logProb: i === 0 ? 0 : -Infinity,
      finished: false,
      attention: [],
    }));
    for (let s = 0; s < L; s++) {
      const live = slots.filter((h) => !h.finished);
      if (live.length === 0) break;
      const cands: Array<{ value: number; order: number; h: RefHyp; v: number; a: number[] }> = [];
      for (const [j, h] of live.entries()) {
        const { lp, alpha: a } = await at(h.tokens);
        cands.push(...lp.map((l, v) => ({ value: h.logProb + l, order: j * Vt + v, h, v, a })));
      }
      cands.sort((x, y) => (x.value > y.value || (x.value === y.value && x.order < y.order) ? -1 : 1));
      let j = 0;
      slots = slots.map((h) => {
        if (h.finished) return h;
        const c = cands[j++];
        return {
          tokens: [...c.h.tokens, c.v],
          logProb: c.value,
          finished: c.v === END,
          attention: [...c.h.attention, c.a],
        };
      });
    }
    result.push(
      slots
        .map((h, i) => ({ ...h, i, score: h.finished ? h.logProb / lengthPenalty(h.tokens.length, alpha) : h.logProb }))
        .sort((x, y) => (x.score > y.score || (x.score === y.score && x.i < y.i) ? -1 : 1)),
    );
  }
  return result;
}

const tokensOf = (hs: BeamHypothesis[][]) => hs.map((h) => h.map((x) => x.tokens));

describe('Seq2Seq.decode', () => {
  for (const [name, options] of configs)
    it(`${name}: beam width 1 equals a greedy loop over decodeStep (CPU exactly, GPU tokens)`, async () => {
      for (const be of [cpu, gpu()] as Backend[]) {
        const model = await makeModel(be, options);
        const L = 6;
        const beam = await model.decode(source, sourceLengths, {
          beamWidth: 1,
          maxLength: L,
          startToken: START,
          endToken: END,
        });
        const ref = await greedy(model, L);
        for (let b = 0; b < B; b++) {
          const h = beam.hypotheses[b][0];
          expect(h.tokens, `source ${b}`).toEqual(ref.tokens[b]);
          expect(h.finished).toBe(ref.finished[b]);
          if (be === cpu) expect(h.logProb).toBe(ref.logProb[b]);
          else expect(h.logProb).toBeCloseTo(ref.logProb[b], 5);
          expect(h.attention!.length).toBe(h.tokens.length);
          for (const row of h.attention!) {
            expect(row.length).toBe(S);
            expect(row.slice(sourceLengths[b]).every((w) => w === 0)).toBe(true);
          }
        }
        model.release();
      }
    });

  for (const [name, options] of configs)
    it(`${name}: beams equal a host reference beam search over CPU decodeStep; GPU tokens equal CPU's`, async () => {
      const [k, L, alpha] = [3, 5, 0.6];
      const decodeOptions = { beamWidth: k, maxLength: L, lengthPenalty: alpha, startToken: START, endToken: END };
      const model = await makeModel(cpu, options);
      const got = await model.decode(source, sourceLengths, decodeOptions);
      const ref = await referenceBeam(model, k, L, alpha);
      expect(got.steps).toBe(L);
      const all = got.hypotheses.flat();
      expect(all.some((h) => h.finished) && all.some((h) => !h.finished)).toBe(true);
      expect(tokensOf(got.hypotheses)).toEqual(ref.map((hs) => hs.map((h) => h.tokens)));
      for (const [b, hs] of got.hypotheses.entries())
        hs.forEach((h, i) => {
          const r = ref[b][i];
          expect(h.finished).toBe(r.finished);
          expect(h.logProb).toBeCloseTo(r.logProb, 12);
          expect(h.score).toBeCloseTo(r.score, 12);
          h.attention!.forEach((row, t) => row.forEach((w, s) => expect(w).toBeCloseTo(r.attention[t][s] ?? 0, 12)));
        });
      model.release();
      const onGpu = await makeModel(gpu(), options);
      const g = await onGpu.decode(source, sourceLengths, decodeOptions);
      onGpu.release();
      expect(tokensOf(g.hypotheses)).toEqual(tokensOf(got.hypotheses));
      g.hypotheses.forEach((hs, b) => hs.forEach((h, i) => expect(h.score).toBeCloseTo(got.hypotheses[b][i].score, 4)));
    });

  it('reads back once per decode; with readEvery n once more every n steps', async () => {
    const be = gpu();
    const model = await makeModel(be, configs[0][1]);
    const base = { beamWidth: 2, startToken: START, endToken: END };
    await model.decode(source, sourceLengths, { ...base, maxLength: 4 }); // warm-up (pipelines)
    be.resetCounters();
    const full = await model.decode(source, sourceLengths, { ...base, maxLength: 7 });
    expect(full.steps).toBe(7);
    expect(be.counters().readbacks).toBe(1);
    be.resetCounters();
    const every = await model.decode(source, sourceLengths, { ...base, maxLength: 7, readEvery: 2 });
    const reads = every.steps < 7 ? every.steps / 2 + 1 : Math.floor(6 / 2) + 1;
    expect(be.counters().readbacks).toBe(reads);
    expect(tokensOf(every.hypotheses)).toEqual(tokensOf(full.hypotheses));
    model.release();
  });

  it('refuses bad input before any GPU work with typed errors naming the argument; the model is unchanged', async () => {
    const be = gpu();
    const model = await makeModel(be, configs[0][1]);
    const before = await model.stateDict();
    const ok = { beamWidth: 2, maxLength: 4, startToken: START, endToken: END };
    const cases: Array<[string, ArrayLike<number>, ArrayLike<number>, object, typeof ValueError | typeof ShapeError]> =
      [
        ['beamWidth', source, sourceLengths, { ...ok, beamWidth: 0 }, ValueError],
        ['beamWidth', source, sourceLengths, { ...ok, beamWidth: Vt + 1 }, ValueError],
        ['maxLength', source, sourceLengths, { ...ok, maxLength: 0 }, ValueError],
        ['endToken', source, sourceLengths, { ...ok, endToken: Vt }, ValueError],
        ['startToken', source, sourceLengths, { ...ok, startToken: -1 }, ValueError],
        ['lengthPenalty', source, sourceLengths, { ...ok, lengthPenalty: -1 }, ValueError],
        ['source[4]', source.map((v, i) => (i === 4 ? Vs : v)), sourceLengths, ok, ValueError],
        ['sourceLengths', source, [4, 0, 3], ok, ValueError],
        ['options', source, sourceLengths, { ...ok, beamWdth: 2 }, ValueError],
      ];
    be.resetCounters();
    for (const [argument, src, lengths, o, type] of cases) {
      const e = await model.decode(src, lengths, o as never).catch((x: unknown) => x);
      expect(e, argument).toBeInstanceOf(type);
      expect((e as Error).message.startsWith(argument), (e as Error).message).toBe(true);
    }
    expect(be.counters()).toMatchObject({ dispatches: 0, uploads: 0, submits: 0, readbacks: 0 });
    expect(await model.stateDict()).toEqual(before);
    model.release();
  });
});
