// Token sampling, the CPU twin of sample.wgsl, in f64: the same Philox draw per (row, step), so
// the same tokens as the GPU for the same seed (unless a draw lands within f32 rounding of the boundary
// between two tokens). Greedy: argmax, ties → lowest index, prob = softmax at temperature 1. Sampling:
// p_j ∝ exp((l_j − max)/temperature) over the kept tokens (top-k: logits ≥ the k-th largest, ties kept);
// u = (Philox4x32-10((row, step, stream, 0), seed) lane 0 >> 8)·2^-24; the first j whose running sum
// exceeds u·Σ. A row with a non-finite logit gives NaN.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { philox4x32, seedKey } from '../philox/philox.js';
import { sampleChecks, type SampleConfig, type SampleRows } from './spec.js';

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

export function sample(
  cpu: CpuDevice,
  logits: Tensor,
  step: Tensor,
  nextStep: Tensor,
  config: SampleConfig,
  rows?: SampleRows,
): { ids: Tensor; probs: Tensor } {
  const { B, V, offset, stride } = sampleChecks(logits, step, nextStep, config, rows);
  const counter = cpu.data(step, 'step')[0];
  const r = sampleForward(cpu.data(logits, 'logits'), B, V, offset, stride, config, counter);
  cpu.data(nextStep, 'nextStep')[0] = (counter + 1) >>> 0; // a u32, as on the GPU
  return { ids: cpu.wrap(r.ids, [B]), probs: cpu.wrap(r.probs, [B]) };
}
