// CPU twin of the attention kernels (attention_*.wgsl and the matmul projections), in f64: forward and
// backward written out per score from the definitions in spec.ts, sharing no code with the GPU path.
import type { CpuDevice } from '../../core/device.js';
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import {
  attentionBackwardChecks,
  attentionChecks,
  seqRow,
  type AttentionBackwardOptions,
  type AttentionDims,
  type AttentionGrads,
  type AttentionOptions,
  type AttentionResult,
} from './spec.js';

/** The score's weights as f64 arrays (those of its score only). */
export interface AttentionWeightData {
  wa?: Float64Array; // [Dq, Dk]
  wq?: Float64Array; // [U, Dq]
  wk?: Float64Array; // [U, Dk]
  v?: Float64Array; // [U]
}

/** Source length of batch row b. */
const len = (d: AttentionDims, b: number) => (d.lengths ? d.lengths[b] : d.S);

/** The score e[b, t, s] of query row qi and key row ki (element offsets into q and k). */
function scoreAt(d: AttentionDims, w: AttentionWeightData, q: Float64Array, k: Float64Array, qi: number, ki: number) {
  const { Dq, Dk, U } = d;
  let e = 0;
  if (d.score === 'dot') {
    for (let i = 0; i < Dk; i++) e += q[qi + i] * k[ki + i];
  } else if (d.score === 'general') {
    for (let i = 0; i < Dq; i++) {
      let wk = 0;
      for (let j = 0; j < Dk; j++) wk += w.wa![i * Dk + j] * k[ki + j];
      e += q[qi + i] * wk;
    }
  } else {
    for (let u = 0; u < U; u++) {
      let a = 0;
      for (let i = 0; i < Dq; i++) a += w.wq![u * Dq + i] * q[qi + i];
      for (let j = 0; j < Dk; j++) a += w.wk![u * Dk + j] * k[ki + j];
      e += w.v![u] * Math.tanh(a);
    }
  }
  return d.scale * e;
}

/** Forward: context [T·B, Dv] rows (seqRow order) and α [B, T, S]. */
export function attentionForward(
  d: AttentionDims,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  w: AttentionWeightData,
): { context: Float64Array; alpha: Float64Array } {
  const { T, S, B, Dq, Dk, Dv, batchFirst } = d;
  const context = new Float64Array(T * B * Dv);
  const alpha = new Float64Array(B * T * S);
  for (let b = 0; b < B; b++) {
    const L = len(d, b);
    for (let t = 0; t < T; t++) {
      const qi = seqRow(t, b, T, B, batchFirst) * Dq;
      const a = alpha.subarray((b * T + t) * S, (b * T + t + 1) * S);
      let m = -Infinity;
      for (let s = 0; s < L; s++) {
        a[s] = scoreAt(d, w, q, k, qi, seqRow(s, b, S, B, batchFirst) * Dk);
        m = Math.max(m, a[s]);
      }
      let sum = 0;
      for (let s = 0; s < L; s++) sum += a[s] = Math.exp(a[s] - m);
      const ci = seqRow(t, b, T, B, batchFirst) * Dv;
      for (let s = 0; s < L; s++) {
        a[s] /= sum;
        const vi = seqRow(s, b, S, B, batchFirst) * Dv;
        for (let j = 0; j < Dv; j++) context[ci + j] += a[s] * v[vi + j];
      }
    }
  }
  return { context, alpha };
}

/**
 * Backward: dContext (+ dα) → dQ, dK, dV (new arrays) and the weight gradients ACCUMULATED into `grads`.
 * dα_s = dC·v_s (+ the given dα); de_s = α_s (dα_s − Σ_s' α_s' dα_s') (softmax); then each score's chain rule.
 */
export function attentionGrad(
  d: AttentionDims,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  w: AttentionWeightData,
  alpha: Float64Array,
  dContext: Float64Array,
  dAlpha: Float64Array | null,
  grads: AttentionWeightData,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { T, S, B, Dq, Dk, Dv, U, batchFirst, scale } = d;
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  const de = new Float64Array(S);
  for (let b = 0; b < B; b++) {
    const L = len(d, b);
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * S;
      const qi = seqRow(t, b, T, B, batchFirst) * Dq;
      const ci = seqRow(t, b, T, B, batchFirst) * Dv;
      let dot = 0;
      for (let s = 0; s < L; s++) {
        const vi = seqRow(s, b, S, B, batchFirst) * Dv;
        let g = dAlpha ? dAlpha[row + s] : 0;
        for (let j = 0; j < Dv; j++) {
          g += dContext[ci + j] * v[vi + j];
          dv[vi + j] += alpha[row + s] * dContext[ci + j];
        }
        de[s] = g;
        dot += alpha[row + s] * g;
      }
      for (let s = 0; s < L; s++) {
        const ki = seqRow(s, b, S, B, batchFirst) * Dk;
        const g = alpha[row + s] * (de[s] - dot) * scale;
        if (d.score === 'dot') {
          for (let i = 0; i < Dk; i++) {
            dq[qi + i] += g * k[ki + i];
            dk[ki + i] += g * q[qi + i];
          }
        } else if (d.score === 'general') {
          for (let i = 0; i < Dq; i++) {
            for (let j = 0; j < Dk; j++) {
              const wij = w.wa![i * Dk + j];
              dq[qi + i] += g * wij * k[ki + j];
              dk[ki + j] += g * q[qi + i] * wij;
              grads.wa![i * Dk + j] += g * q[qi + i] * k[ki + j];
            }
          }
        } else {
          for (let u = 0; u < U; u++) {
            let a = 0;
            for (let i = 0; i < Dq; i++) a += w.wq![u * Dq + i] * q[qi + i];
            for (let j = 0; j < Dk; j++) a += w.wk![u * Dk + j] * k[ki + j];
            const z = Math.tanh(a);
            grads.v![u] += g * z;
            const ga = g * w.v![u] * (1 - z * z);
            for (let i = 0; i < Dq; i++) {
              dq[qi + i] += ga * w.wq![u * Dq + i];
              grads.wq![u * Dq + i] += ga * q[qi + i];
            }
            for (let j = 0; j < Dk; j++) {
              dk[ki + j] += ga * w.wk![u * Dk + j];
              grads.wk![u * Dk + j] += ga * k[ki + j];
            }
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}

/** What the CPU forward keeps for its backward. */
class CpuAttentionResult implements AttentionResult {
  constructor(
    readonly context: Tensor,
    readonly weights: Tensor,
    readonly dims: AttentionDims,
    readonly queries: Tensor,
    readonly keys: Tensor,
    readonly values: Tensor,
    readonly w: Record<string, Tensor | undefined>,
  ) {}

  release(): void {
    this.context.release();
    this.weights.release();
  }
}

function weightData(cpu: CpuDevice, argument: string, w: Record<string, Tensor | undefined> = {}): AttentionWeightData {
  const out: Record<string, Float64Array> = {};
  for (const [name, t] of Object.entries(w)) if (t) out[name] = cpu.data(t, `${argument}.${name}`);
  return out;
}

export function attention(
  cpu: CpuDevice,
  queries: Tensor,
  keys: Tensor,
  values: Tensor,
  options: AttentionOptions,
): AttentionResult {
  const d = attentionChecks(queries, keys, values, options);
  const w = { ...options.weights };
  const { context, alpha } = attentionForward(
    d,
    cpu.data(queries, 'queries'),
    cpu.data(keys, 'keys'),
    cpu.data(values, 'values'),
    weightData(cpu, 'weights', w),
  );
  const contextShape = d.batchFirst ? [d.B, d.T, d.Dv] : [d.T, d.B, d.Dv];
  return new CpuAttentionResult(
    cpu.wrap(context, contextShape),
    cpu.wrap(alpha, [d.B, d.T, d.S]),
    d,
    queries,
    keys,
    values,
    w,
  );
}

export function attentionBackward(
  cpu: CpuDevice,
  forward: AttentionResult,
  dContext: Tensor,
  options?: AttentionBackwardOptions,
): AttentionGrads {
  if (!(forward instanceof CpuAttentionResult))
    throw new ValueError('forward', 'the result of a CPU attention()', String(forward));
  const d = forward.dims;
  attentionBackwardChecks(d, forward.context, dContext, options);
  const { dq, dk, dv } = attentionGrad(
    d,
    cpu.data(forward.queries, 'queries'),
    cpu.data(forward.keys, 'keys'),
    cpu.data(forward.values, 'values'),
    weightData(cpu, 'weights', forward.w),
    cpu.data(forward.weights, 'forward.weights'),
    cpu.data(dContext, 'dContext'),
    options?.dWeights ? cpu.data(options.dWeights, 'dWeights') : null,
    weightData(cpu, 'grads', { ...options?.grads }),
  );
  return {
    dQueries: cpu.wrap(dq, forward.queries.shape),
    dKeys: cpu.wrap(dk, forward.keys.shape),
    dValues: cpu.wrap(dv, forward.values.shape),
  };
}
