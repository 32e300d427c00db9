// Beam search over an abstract decoder step, batched over sources on the device: per step one model step,
// the candidates of the k live hypotheses of each source (ctx.beamExpand), one top-k over their k·V
// expansions (ctx.topk) and the new search state (ctx.beamSelect). Tokens, parents and attention weights
// collect in device buffers; the hypotheses are traced back on the host after one readback at the end
// (with readEvery n, a one-tensor readback every n steps also stops the search once every hypothesis is
// finished). Semantics, fixed so tests can be exact: the j-th live slot of a source takes its j-th best
// candidate (ties to the lower slot, then the lower token id); a finished hypothesis is frozen (its slot
// is never refilled or extended); scores are summed log-probabilities (f32 on the GPU, f64 on the CPU);
// the final ranking divides a finished hypothesis's score by the GNMT length penalty
// lp = ((5 + |Y|)/6)^α, |Y| counting the end token, and leaves unfinished ones as they are; no coverage
// penalty. Beam width 1 is greedy decoding (the argmax of the same log-probabilities, ties to the lowest id).
import { checkOptions, expectBackend, expectObject, optionNames } from '../core/checks.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../core/errors.js';
import { expectPositiveInt } from '../core/shapes.js';
import type { Tensor } from '../core/tensor.js';
import type { Backend } from '../ops/index.js';

/** What the search hands the decoder at each step. */
export interface BeamStepInput {
  /** [B·k] f32 ids: each live hypothesis's last token (startToken at step 0, endToken for finished rows). */
  tokens: Tensor;
  /**
   * [B·k] f32 rows of the previous step that each row continues (the identity at step 0): the decoder
   * reorders its recurrent states by them (e.g. ctx.embedding(h, parents)) before it steps.
   */
  parents: Tensor;
  /** The step, from 0. */
  step: number;
}

/** What a decoder step returns: tensors the search takes over (and releases). */
export interface BeamStepOutput {
  /** Log-probabilities of the next token for each row, [B·k, V]. */
  logProbs: Tensor;
  /** [B·k, T_src], optional: the attention weights of the step, returned with each hypothesis. */
  attention?: Tensor;
}

export interface BeamSearchOptions {
  /** B ≥ 1: the number of sources searched side by side. */
  sources: number;
  /** k in [1, V]: hypotheses kept per source; 1 is greedy decoding. */
  beamWidth: number;
  /** V: the decoder's vocabulary (the last axis of logProbs). */
  vocabulary: number;
  /** The first input token of every hypothesis, in [0, V). */
  startToken: number;
  /** The token that finishes a hypothesis, in [0, V). */
  endToken: number;
  /** At most this many tokens per hypothesis (the end token counted). */
  maxLength: number;
  /** GNMT length penalty exponent α ≥ 0 (default 0: no penalty). */
  lengthPenalty?: number;
  /** Steps between readbacks of the finished flags (default: none until maxLength): stops once all are finished. */
  readEvery?: number;
  /** The decoder: the previous tokens (and the parents to reorder its states by) → log-probabilities. */
  step: (input: BeamStepInput) => BeamStepOutput;
}

/** One returned hypothesis. */
export interface BeamHypothesis {
  /** Its tokens, the end token last when finished (startToken not included). */
  tokens: number[];
  /** Summed log-probability of its tokens. */
  logProb: number;
  /** The ranking score: logProb / lp(|tokens|) when finished, logProb when not. */
  score: number;
  /** Whether it ended with the end token (else it reached maxLength). */
  finished: boolean;
  /** [|tokens|][T_src]: the attention weights behind each token, when the step returns them. */
  attention?: number[][];
}

export interface BeamSearchResult {
  /** [B][k]: each source's hypotheses, best first (ties to the lower slot). */
  hypotheses: BeamHypothesis[][];
  /** Decoder steps run (maxLength, or fewer when readEvery saw every hypothesis finished). */
  steps: number;
}

const BEAM_OPTIONS = optionNames<BeamSearchOptions>({
  sources: true,
  beamWidth: true,
  vocabulary: true,
  startToken: true,
  endToken: true,
  maxLength: true,
  lengthPenalty: true,
  readEvery: true,
  step: true,
});

/** GNMT's length penalty ((5 + |Y|)/6)^α. */
export function lengthPenalty(length: number, alpha: number): number {
  return ((5 + length) / 6) ** alpha;
}

function expectToken(argument: string, value: number, V: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= V)
    throw new ValueError(argument, `a token id in [0, ${V}) (the vocabulary)`, describeValue(value));
}

/** The options, before any work (Seq2Seq.decode checks them before it encodes). */
export function checkBeamOptions(ctx: Backend, options: BeamSearchOptions) {
  expectBackend('ctx', ctx);
  expectObject('options', options, '{ sources, beamWidth, vocabulary, startToken, endToken, maxLength, step, … }');
  checkOptions('options', options, BEAM_OPTIONS);
  expectPositiveInt('sources', options.sources);
  expectPositiveInt('vocabulary', options.vocabulary);
  const V = options.vocabulary;
  if (V >= 2 ** 24)
    throw new ValueError('vocabulary', 'below 2^24 (ids are f32, exact integers only below 2^24)', describeValue(V));
  const k = options.beamWidth;
  if (!Number.isInteger(k) || k < 1 || k > V)
    throw new ValueError('beamWidth', `an integer in [1, ${V}] (the vocabulary)`, describeValue(k));
  if (k * V >= 2 ** 24)
    throw new ValueError(
      'beamWidth',
      `below ${Math.ceil(2 ** 24 / V)} for a vocabulary of ${V} (candidate indices k·V are f32, exact below 2^24)`,
      describeValue(k),
    );
  expectToken('startToken', options.startToken, V);
  expectToken('endToken', options.endToken, V);
  expectPositiveInt('maxLength', options.maxLength);
  const alpha = options.lengthPenalty ?? 0;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0)
    throw new ValueError('lengthPenalty', 'a finite number ≥ 0', describeValue(alpha));
  const readEvery = options.readEvery ?? options.maxLength;
  expectPositiveInt('readEvery', readEvery);
  if (typeof options.step !== 'function')
    throw new ValueError('step', 'a function (input) => { logProbs, attention? }', describeValue(options.step));
  const B = options.sources;
  const per = Math.max(B * k * V, options.maxLength * B * k);
  if (per > ctx.maxTensorElements)
    throw new ShapeError(
      'options',
      `sources × beamWidth × max(vocabulary, maxLength) ≤ ${ctx.maxTensorElements} (the backend's maxTensorElements)`,
      `${B} × ${k} × max(${V}, ${options.maxLength})`,
    );
  return { B, k, V, alpha, readEvery };
}

/**
 * Beam search (greedy with beamWidth 1) over `options.step`, batched over `sources` on ctx's device. The
 * step owns nothing it is given (tokens and parents are valid for the recorded work it does); the search
 * takes over and releases the tensors it returns. See the top of src/nn/beam.ts for the semantics.
 */
export async function beamSearch(ctx: Backend, options: BeamSearchOptions): Promise<BeamSearchResult> {
  const { B, k, V, alpha, readEvery } = checkBeamOptions(ctx, options);
  const BK = B * k;
  const L = options.maxLength;
  // Source b's slot 0 starts live with score 0; its other slots with −Infinity, so step 0 expands slot 0 only.
  const init = new Float64Array(3 * BK);
  for (let r = 0; r < BK; r++) init[r] = r % k === 0 ? 0 : -Infinity;
  let state = ctx.tensor(init, [3, BK]);
  let tokens = ctx.tensor(new Array<number>(BK).fill(options.startToken), [BK]);
  let parents = ctx.tensor(
    Array.from({ length: BK }, (_, r) => r),
    [BK],
  );
  const tokenHistory = ctx.empty([L * BK]); // [L, B·k]
  const parentHistory = ctx.empty([L * BK]); // [L, B·k]
  let attention: Tensor | null = null; // [L, B·k, T_src]
  let T = 0;
  let steps = 0;
  try {
    for (let s = 0; s < L; s++) {
      const out = options.step({ tokens, parents, step: s });
      checkStepOutput(out, BK, V, s === 0 ? undefined : attention ? T : null);
      const { logProbs, attention: a } = out;
      if (a) {
        if (s === 0) {
          T = a.shape[1];
          attention = ctx.empty([L * BK * T]);
        }
        ctx.copy(a, attention!, s * BK * T);
        a.release();
      }
      const candidates = ctx.beamExpand(state, logProbs, k);
      logProbs.release();
      const top = ctx.topk(candidates, k);
      candidates.release();
      const next = ctx.beamSelect(state, top.values, top.indices, V, options.endToken);
      top.values.release();
      top.indices.release();
      for (const t of [state, tokens, parents]) t.release();
      ({ state, tokens, parents } = next);
      ctx.copy(tokens, tokenHistory, s * BK);
      ctx.copy(parents, parentHistory, s * BK);
      steps = s + 1;
      if (steps < L && steps % readEvery === 0) {
        const done = await ctx.read(ctx.viewAt(state, BK, [BK]));
        if (done.every((f) => f !== 0)) break;
      }
    }
    const views = [
      state,
      ctx.viewAt(tokenHistory, 0, [steps * BK]),
      ctx.viewAt(parentHistory, 0, [steps * BK]),
      ...(attention ? [ctx.viewAt(attention, 0, [steps * BK * T])] : []),
    ];
    const [st, tok, par, att] = await ctx.readMany(views);
    return { hypotheses: traceBack(st, tok, par, att, { B, k, T, steps, alpha }), steps };
  } finally {
    for (const t of [state, tokens, parents, tokenHistory, parentHistory, ...(attention ? [attention] : [])])
      t.release();
  }
}

/**
 * The step's output: logProbs [B·k, V], and attention [B·k, T] at every step when step 0 returned it
 * (T: undefined at step 0, null when step 0 returned none). Refused with both tensors released.
 */
function checkStepOutput(out: BeamStepOutput, BK: number, V: number, T: number | null | undefined): void {
  const logProbs = out?.logProbs;
  const a = out?.attention;
  const shapeOf = (t: Tensor | undefined) => (t && Array.isArray(t.shape) ? t.shape : null);
  const lp = shapeOf(logProbs);
  const at = shapeOf(a);
  let problem: [string, string] | null = null;
  if (!lp || lp.length !== 2 || lp[0] !== BK || lp[1] !== V)
    problem = [
      `logProbs [${BK}, ${V}] (sources·beamWidth, vocabulary)`,
      lp ? describeShape(lp) : describeValue(logProbs),
    ];
  else if (T === null && a) problem = ['no attention (step 0 returned none)', `attention ${describeShape(at ?? [])}`];
  else if (
    T !== null &&
    (a || T !== undefined) &&
    (!at || at.length !== 2 || at[0] !== BK || (T !== undefined && at[1] !== T))
  )
    problem = [`attention [${BK}, ${T ?? 'T_src'}] at every step`, at ? describeShape(at) : 'none'];
  if (!problem) return;
  for (const t of [logProbs, a]) if (t && typeof t.release === 'function') t.release();
  throw new ShapeError('step', problem[0], problem[1]);
}

/** Each source's hypotheses from the read-back state and histories, best first. */
function traceBack(
  state: Float64Array,
  tokens: Float64Array,
  parents: Float64Array,
  attention: Float64Array | undefined,
  dims: { B: number; k: number; T: number; steps: number; alpha: number },
): BeamHypothesis[][] {
  const { B, k, T, steps, alpha } = dims;
  const BK = B * k;
  return Array.from({ length: B }, (_, b) => {
    const hyps = Array.from({ length: k }, (_, i) => {
      const row = b * k + i;
      const finished = state[BK + row] !== 0;
      const length = state[2 * BK + row];
      const ids: number[] = [];
      const weights: number[][] = [];
      let r = row;
      for (let s = steps - 1; s >= 0; s--) {
        const parent = parents[s * BK + r];
        if (s < length) {
          ids.push(tokens[s * BK + r]);
          if (attention) weights.push(Array.from(attention.subarray((s * BK + parent) * T, (s * BK + parent + 1) * T)));
        }
        r = parent;
      }
      const logProb = state[row];
      const hyp: BeamHypothesis = {
        tokens: ids.reverse(),
        logProb,
        score: finished ? logProb / lengthPenalty(length, alpha) : logProb,
        finished,
      };
      if (attention) hyp.attention = weights.reverse();
      return { hyp, i };
    });
    hyps.sort((x, y) => (x.hyp.score > y.hyp.score || (x.hyp.score === y.hyp.score && x.i < y.i) ? -1 : 1));
    return hyps.map((h) => h.hyp);
  });
}
