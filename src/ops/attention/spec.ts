// Attention over a source sequence (Luong et al. 2015, Bahdanau et al. 2015): what ctx.attention and
// ctx.attentionBackward take and give, and their argument checks (shared by both backends, all made
// before any GPU work).
//   T decoder steps (queries), S source steps (keys, values), B batch, Dq / Dk / Dv feature sizes,
//   U the additive score's hidden size.
//   e[b, t, s] = score(q[t, b], k[s, b]);  α[b, t, :] = softmax over s < len[b] (α = 0 past it);
//   context[t, b] = Σ_s α[b, t, s] · v[s, b].
import {
  checkOptions,
  expectBoolean,
  expectObject,
  expectOptionalTensor,
  expectTensor,
  optionNames,
} from '../../core/checks.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../../core/errors.js';
import { BatchLengths, checkLengths, type SequenceLengths } from '../../core/lengths.js';
import { expectRank, expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

/**
 * How a query meets a key: 'dot' qᵀk (Luong), 'general' qᵀ W_a k (Luong), 'additive' vᵀ tanh(W_q q + W_k k)
 * (Bahdanau's score, as Keras's AdditiveAttention over projected query and key).
 */
export type AttentionScore = 'dot' | 'general' | 'additive';

/** The score's weights (PyTorch Linear layout [out, in], no biases), or their gradients. */
export interface AttentionWeights {
  /** 'general': W_a [Dq, Dk], score = qᵀ W_a k. */
  wa?: Tensor;
  /** 'additive': W_q [U, Dq]. */
  wq?: Tensor;
  /** 'additive': W_k [U, Dk]. */
  wk?: Tensor;
  /** 'additive': v [U]. */
  v?: Tensor;
}

export interface AttentionOptions {
  score: AttentionScore;
  /** The score's weights: { wa } for 'general', { wq, wk, v } for 'additive', none for 'dot'. */
  weights?: AttentionWeights;
  /**
   * The length of each source row (B integers 1 ≤ len ≤ S, or a [B, S] prefix mask): steps past it get weight
   * exactly 0 and change nothing. Their values are never read, nor their keys except by the additive score's
   * W_k projection (whose padding must then be finite). Default: every row S steps. Checked on the host; on
   * the GPU plain lengths are uploaded by the call (flushing the work recorded before it), BatchLengths
   * (a model's, or made with a [B] tensor of the same values) are bound as they are.
   */
  lengths?: SequenceLengths | BatchLengths;
  /** 'dot' and 'general': scores times 1/√Dk (as scaled dot-product attention). Default false. */
  scaled?: boolean;
  /** Queries, keys, values and context are [B, T, D] (default [T, B, D], time-major). */
  batchFirst?: boolean;
}

/** attention()'s outputs, kept for attentionBackward: release() frees them with what the backward needs. */
export interface AttentionResult {
  /** [T, B, Dv] ([B, T, Dv] batch-first): Σ_s α_s v_s for every decoder step. */
  readonly context: Tensor;
  /** α [B, T, S]: each row sums to 1 over its source length, exactly 0 past it. */
  readonly weights: Tensor;
  release(): void;
}

export interface AttentionBackwardOptions {
  /** dL/dα [B, T, S], when the weights themselves feed the loss. */
  dWeights?: Tensor;
  /** Where the score's weight gradients ACCUMULATE: { wa } for 'general', { wq, wk, v } for 'additive'. */
  grads?: AttentionWeights;
}

/** The inputs' gradients, new tensors shaped as the inputs. */
export interface AttentionGrads {
  dQueries: Tensor;
  dKeys: Tensor;
  dValues: Tensor;
}

export interface AttentionMethods {
  /**
   * Attention of T decoder steps over S source steps, all steps at once: queries [T, B, Dq], keys [T_src =
   * S, B, Dk], values [S, B, Dv] → context [T, B, Dv] and weights α [B, T, S]. T = 1 is one decoding step.
   */
  attention(queries: Tensor, keys: Tensor, values: Tensor, options: AttentionOptions): AttentionResult;
  /**
   * Backward of attention(): dContext (+ dWeights) → the gradients of queries, keys and values; the score's
   * weight gradients ACCUMULATE into options.grads.
   */
  attentionBackward(forward: AttentionResult, dContext: Tensor, options?: AttentionBackwardOptions): AttentionGrads;
}

/** One attention call's sizes, checked. */
export interface AttentionDims {
  score: AttentionScore;
  T: number;
  S: number;
  B: number;
  Dq: number;
  Dk: number;
  Dv: number;
  /** The additive score's hidden size (0 otherwise). */
  U: number;
  /** Factor of dot and general scores. */
  scale: number;
  batchFirst: boolean;
  /** Per row, checked; null means S for every row. */
  lengths: Int32Array | null;
}

const OPTIONS = optionNames<AttentionOptions>({
  score: true,
  weights: true,
  lengths: true,
  scaled: true,
  batchFirst: true,
});
const BACKWARD_OPTIONS = optionNames<AttentionBackwardOptions>({ dWeights: true, grads: true });
const WEIGHT_NAMES = optionNames<AttentionWeights>({ wa: true, wq: true, wk: true, v: true });
const NEEDED: Record<AttentionScore, readonly (keyof AttentionWeights)[]> = {
  dot: [],
  general: ['wa'],
  additive: ['wq', 'wk', 'v'],
};

/** A sequence argument's [steps, B, D] (its [B, steps, D] batch-first). */
function seqDims(name: string, x: unknown, batchFirst: boolean): [number, number, number] {
  expectTensor(name, x);
  expectRank(name, x.shape, 3);
  const [a, b, d] = x.shape;
  return batchFirst ? [b, a, d] : [a, b, d];
}

/** The score's weight tensors present (and no others), shaped for Dq, Dk; returns U. */
function checkWeights(
  argument: string,
  score: AttentionScore,
  w: AttentionWeights | undefined,
  Dq: number,
  Dk: number,
  U?: number,
): number {
  const needed = NEEDED[score];
  if (w === undefined) {
    if (needed.length === 0) return 0;
    throw new ValueError(argument, `{ ${needed.join(', ')} } for the '${score}' score`, 'none');
  }
  checkOptions(argument, w, WEIGHT_NAMES);
  for (const name of WEIGHT_NAMES as (keyof AttentionWeights)[]) {
    const t = w[name];
    expectOptionalTensor(`${argument}.${name}`, t);
    if (needed.includes(name) && !t)
      throw new ValueError(`${argument}.${name}`, `a tensor (the '${score}' score needs it)`, describeValue(t));
    if (!needed.includes(name) && t)
      throw new ValueError(`${argument}.${name}`, `none (the '${score}' score has no ${name})`, describeValue(t));
  }
  if (score === 'general') expectShape(`${argument}.wa`, w.wa!.shape, [Dq, Dk]);
  if (score !== 'additive') return 0;
  expectRank(`${argument}.wq`, w.wq!.shape, 2);
  const u = U ?? w.wq!.shape[0];
  expectShape(`${argument}.wq`, w.wq!.shape, [u, Dq]);
  expectShape(`${argument}.wk`, w.wk!.shape, [u, Dk]);
  expectShape(`${argument}.v`, w.v!.shape, [u]);
  return u;
}

/** attention(): every argument, before any work. */
export function attentionChecks(
  queries: Tensor,
  keys: Tensor,
  values: Tensor,
  options: AttentionOptions,
): AttentionDims {
  expectObject('options', options, "attention options { score: 'dot' | 'general' | 'additive', … }");
  checkOptions('options', options, OPTIONS);
  const { score } = options;
  if (score !== 'dot' && score !== 'general' && score !== 'additive')
    throw new ValueError('score', "'dot', 'general' or 'additive'", describeValue(score));
  expectBoolean('scaled', options.scaled);
  expectBoolean('batchFirst', options.batchFirst);
  const batchFirst = options.batchFirst ?? false;
  const layout = batchFirst ? '[B, steps, D]' : '[steps, B, D]';
  const [T, B, Dq] = seqDims('queries', queries, batchFirst);
  const [S, Bk, Dk] = seqDims('keys', keys, batchFirst);
  const [Sv, Bv, Dv] = seqDims('values', values, batchFirst);
  if (Bk !== B) throw new ShapeError('keys', `${layout} with B = ${B} (as queries)`, describeShape(keys.shape));
  if (Sv !== S || Bv !== B)
    throw new ShapeError('values', `${layout} with ${S} steps and B = ${B} (as keys)`, describeShape(values.shape));
  if (score === 'dot' && Dq !== Dk)
    throw new ShapeError('keys', `Dk = ${Dq} (the 'dot' score needs Dq = Dk)`, describeShape(keys.shape));
  if (options.scaled && score === 'additive')
    throw new ValueError('scaled', "false for the 'additive' score (it has no scale)", 'true');
  const U = checkWeights('weights', score, options.weights, Dq, Dk);
  const given = options.lengths instanceof BatchLengths ? options.lengths : null;
  if (given) {
    expectTensor('lengths.device', given.device);
    expectShape('lengths.device', given.device.shape, [B]);
  }
  const lengths =
    options.lengths === undefined ? null : checkLengths('lengths', given ? given.host : options.lengths, B, S);
  const scale = options.scaled ? 1 / Math.sqrt(Dk) : 1;
  return { score, T, S, B, Dq, Dk, Dv, U, scale, batchFirst, lengths };
}

/** attentionBackward(): dContext shaped as the context, dWeights as α, grads as the weights. */
export function attentionBackwardChecks(
  d: AttentionDims,
  context: Tensor,
  dContext: Tensor,
  options: AttentionBackwardOptions | undefined,
): void {
  expectTensor('dContext', dContext);
  expectShape('dContext', dContext.shape, context.shape);
  checkOptions('options', options, BACKWARD_OPTIONS);
  expectOptionalTensor('dWeights', options?.dWeights);
  if (options?.dWeights) expectShape('dWeights', options.dWeights.shape, [d.B, d.T, d.S]);
  checkWeights('grads', d.score, options?.grads, d.Dq, d.Dk, d.U);
}

/** Row of step t of batch row b in a [steps, B, ·] tensor ([B, steps, ·] batch-first). */
export function seqRow(t: number, b: number, steps: number, B: number, batchFirst: boolean): number {
  return batchFirst ? b * steps + t : t * B + b;
}
