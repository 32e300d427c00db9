// Token sampling, the CPU twin of shaders/sample.wgsl, in f64: the same Philox draw per (row, step), so
// the same tokens as the GPU for the same seed (unless a draw lands within f32 rounding of the boundary
// between two tokens). Greedy: argmax, ties → lowest index, prob = softmax at temperature 1. Sampling:
// p_j ∝ exp((l_j − max)/temperature) over the kept tokens (top-k: logits ≥ the k-th largest, ties kept);
// u = (Philox4x32-10((row, step, stream, 0), seed) lane 0 >> 8)·2^-24; the first j whose running sum
// exceeds u·Σ. A row with a non-finite logit gives NaN.
import { philox4x32, seedKey } from './dropout.js';

/** How a sample() call picks tokens. */
export interface SampleConfig {
  /** > 0: softmax of logits / temperature; 0: greedy (the argmax, ties → the lowest index). */
  temperature: number;
  /** Keep the k largest logits (ties at the k-th all kept); 0 keeps every token. Unused when greedy. */
  topK: number;
  /** An integer; its low and high 32 bits are Philox's key. */
  seed: number;
  /** A u32 separating independent draws under one seed. */
  stream: number;
}

/** The token drawn from one row of logits at a step, and the probability it had. */
export function sampleRow(
  logits: ArrayLike<number>,
  config: SampleConfig,
  row: number,
  step: number,
): { id: number; prob: number } {
  const V = logits.length;
  let mx = -Infinity;
  for (let j = 0; j < V; j++) {
    if (!Number.isFinite(logits[j])) return { id: NaN, prob: NaN };
    mx = Math.max(mx, logits[j]);
  }
  const greedy = config.temperature === 0;
  let threshold = -Infinity;
  if (!greedy && config.topK > 0 && config.topK < V)
    threshold = Array.from(logits).sort((a, b) => b - a)[config.topK - 1];
  const scale = greedy ? 1 : 1 / config.temperature;
  const w = Array.from(logits, (l) => (l >= threshold ? Math.exp((l - mx) * scale) : 0));
  const total = w.reduce((a, b) => a + b, 0);
  let id: number;
  if (greedy) {
    id = Array.prototype.indexOf.call(logits, mx) as number;
  } else {
    const goal = (philox4x32([row, step, config.stream, 0], seedKey(config.seed))[0] >>> 8) * 2 ** -24 * total;
    let acc = 0;
    id = -1;
    for (let j = 0; j < V && id < 0; j++) {
      acc += w[j];
      if (w[j] > 0 && acc > goal) id = j;
    }
  }
  return { id, prob: w[id] / total };
}

/** Tokens [B] and their probabilities [B] for rows of logits: row b at offset + b·stride, V wide. */
export function sampleForward(
  logits: Float64Array,
  B: number,
  V: number,
  offset: number,
  stride: number,
  config: SampleConfig,
  step: number,
): { ids: Float64Array; probs: Float64Array } {
  const ids = new Float64Array(B);
  const probs = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    const r = sampleRow(logits.subarray(offset + b * stride, offset + b * stride + V), config, b, step);
    ids[b] = r.id;
    probs[b] = r.prob;
  }
  return { ids, probs };
}
