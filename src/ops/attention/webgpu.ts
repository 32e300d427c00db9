// Attention on the GPU (attention_*.wgsl, CPU twin cpu.ts): the projections of the general and additive
// scores are matmuls over all steps at once; scores, the masked softmax and the weighted sums are batched
// kernels over every (b, t, s). Dispatches: forward 3 (dot), 4 (general), 5 (additive); see attentionBackward.
import commonCode from './attention_common.wgsl?raw';
import scoresCode from './attention_scores.wgsl?raw';
import softmaxCode from './attention_softmax.wgsl?raw';
import softmaxBackwardCode from './attention_softmax_backward.wgsl?raw';
import mixCode from './attention_mix.wgsl?raw';
import additiveBackwardCode from './attention_additive_backward.wgsl?raw';
import { ACTIVATION_FNS } from '../activation/webgpu.js';
import { gemm, matmul } from '../matmul/webgpu.js';
import { sumAxis } from '../reduce/webgpu.js';
import {
  attentionBackwardChecks,
  attentionChecks,
  type AttentionBackwardOptions,
  type AttentionDims,
  type AttentionGrads,
  type AttentionOptions,
  type AttentionResult,
  type AttentionWeights,
} from './spec.js';
import type { GpuDevice } from '../../core/device.js';
import { ValueError } from '../../core/errors.js';
import { BatchLengths } from '../../core/lengths.js';
import type { Tensor } from '../../core/tensor.js';
import { ELEMENTWISE_WG, kernel, type Constants, type KernelSpec } from '../../core/kernel.js';

export const ATTENTION_SCORES = kernel({
  name: 'attention_scores',
  code: ACTIVATION_FNS + commonCode + scoresCode,
  params: { n: 'u32', T: 'u32', S: 'u32', B: 'u32', D: 'u32', scale: 'f32', row_stride: 'u32' },
  storage: { lengths: 'read', a: 'read', c: 'read', vvec: 'read', e: 'read_write' },
});

export const ATTENTION_SOFTMAX = kernel({
  name: 'attention_softmax',
  code: softmaxCode,
  params: { rows: 'u32', T: 'u32', S: 'u32', row_stride: 'u32' },
  storage: { lengths: 'read', x: 'read_write' },
});

export const ATTENTION_SOFTMAX_BACKWARD = kernel({
  name: 'attention_softmax_backward',
  code: softmaxBackwardCode,
  params: { rows: 'u32', S: 'u32', row_stride: 'u32' },
  storage: { alpha: 'read', da: 'read', g: 'read_write' },
});

export const ATTENTION_MIX = kernel({
  name: 'attention_mix',
  code: commonCode + mixCode,
  params: { n: 'u32', T: 'u32', S: 'u32', B: 'u32', D: 'u32', scale: 'f32', row_stride: 'u32' },
  storage: { lengths: 'read', w: 'read', x: 'read', out: 'read_write' },
});

export const ATTENTION_ADDITIVE_BACKWARD = kernel({
  name: 'attention_additive_backward',
  code: ACTIVATION_FNS + commonCode + additiveBackwardCode,
  params: { n: 'u32', T: 'u32', S: 'u32', B: 'u32', U: 'u32', row_stride: 'u32' },
  storage: {
    pq: 'read',
    pk: 'read',
    vvec: 'read',
    de: 'read',
    lengths: 'read',
    out: 'read_write',
    dvpart: 'read_write',
  },
});

export const ATTENTION_KERNELS = [
  ATTENTION_SCORES,
  ATTENTION_SOFTMAX,
  ATTENTION_SOFTMAX_BACKWARD,
  ATTENTION_MIX,
  ATTENTION_ADDITIVE_BACKWARD,
];

/** What the GPU forward keeps for its backward: the inputs (not owned) and the projections (owned). */
class GpuAttentionResult implements AttentionResult {
  constructor(
    readonly context: Tensor,
    readonly weights: Tensor,
    readonly dims: AttentionDims,
    readonly queries: Tensor,
    readonly keys: Tensor,
    readonly values: Tensor,
    readonly w: AttentionWeights,
    /** [B] f32 lengths, or null for full rows; `ownLengths` when uploaded by attention(). */
    readonly lengths: Tensor | null,
    readonly ownLengths: boolean,
    /** 'general': q·W_a [T·B, Dk]; 'additive': W_q q [T·B, U]; else null. */
    readonly pq: Tensor | null,
    /** 'additive': W_k k [S·B, U]; else null. */
    readonly pk: Tensor | null,
  ) {}

  release(): void {
    this.context.release();
    this.weights.release();
    this.pq?.release();
    this.pk?.release();
    if (this.ownLengths) this.lengths?.release();
  }
}

/** Records one batched kernel over n outputs (a 1-D grid). */
function run<P extends string, S extends string>(
  gpu: GpuDevice,
  spec: KernelSpec<P, S>,
  constants: Constants,
  n: number,
  params: Omit<Record<P, number>, 'row_stride'>,
  storage: Record<S, GPUBufferBinding>,
): void {
  const { groups, rowStride } = gpu.grid1d(n, ELEMENTWISE_WG);
  gpu.dispatch(
    spec,
    { WG: ELEMENTWISE_WG, ...constants },
    { ...params, row_stride: rowStride } as Record<P, number>,
    storage,
    groups,
  );
}

export function attention(
  gpu: GpuDevice,
  queries: Tensor,
  keys: Tensor,
  values: Tensor,
  options: AttentionOptions,
): AttentionResult {
  const d = attentionChecks(queries, keys, values, options);
  const { T, S, B, Dq, Dk, Dv, U, batchFirst } = d;
  const w = { ...options.weights };
  for (const [name, t] of Object.entries({ queries, keys, values })) gpu.storage(t, name);
  for (const [name, t] of Object.entries(w)) if (t) gpu.storage(t, `weights.${name}`);
  // Lengths from a model are on the device already; others are uploaded here, before any work is recorded.
  const given = options.lengths instanceof BatchLengths ? options.lengths.device : null;
  const lengths = d.lengths && (given ?? gpu.tensor(d.lengths, [B]));
  const lengthsBinding = lengths ? gpu.binding(lengths, 'lengths') : gpu.unusedRead;
  const HAS_LENGTHS = lengths !== null;

  let pq: Tensor | null = null;
  let pk: Tensor | null = null;
  if (d.score === 'general') pq = matmul(gpu, queries.view([T * B, Dq]), w.wa!);
  if (d.score === 'additive') {
    pq = matmul(gpu, queries.view([T * B, Dq]), w.wq!, { transB: true });
    pk = matmul(gpu, keys.view([S * B, Dk]), w.wk!, { transB: true });
  }
  const alpha = gpu.empty([B, T, S], 'attention weights');
  run(
    gpu,
    ATTENTION_SCORES,
    { SCORE: d.score === 'additive' ? 1 : 0, HAS_LENGTHS, BATCH_FIRST: batchFirst },
    B * T * S,
    { n: B * T * S, T, S, B, D: d.score === 'additive' ? U : Dk, scale: d.scale },
    {
      lengths: lengthsBinding,
      a: gpu.binding(pq ?? queries, 'queries'),
      c: gpu.binding(pk ?? keys, 'keys'),
      vvec: w.v ? gpu.binding(w.v, 'weights.v') : gpu.unusedRead,
      e: gpu.binding(alpha, 'weights'),
    },
  );
  run(
    gpu,
    ATTENTION_SOFTMAX,
    { HAS_LENGTHS },
    B * T,
    { rows: B * T, T, S },
    { lengths: lengthsBinding, x: gpu.binding(alpha, 'weights') },
  );
  const context = gpu.empty(batchFirst ? [B, T, Dv] : [T, B, Dv], 'attention context');
  mix(gpu, d, false, lengthsBinding, alpha, values, context, 1);
  return new GpuAttentionResult(context, alpha, d, queries, keys, values, w, lengths, !given && !!lengths, pq, pk);
}

/** attention_mix.wgsl: out = scale·w·x over s < len (transposed: scale·wᵀ·x, 0 past len). */
function mix(
  gpu: GpuDevice,
  d: AttentionDims,
  transpose: boolean,
  lengths: GPUBufferBinding,
  w: Tensor,
  x: Tensor,
  out: Tensor,
  scale: number,
): void {
  const D = out.shape[2];
  run(
    gpu,
    ATTENTION_MIX,
    { TRANSPOSE: transpose, HAS_LENGTHS: d.lengths !== null, BATCH_FIRST: d.batchFirst },
    out.size,
    { n: out.size, T: d.T, S: d.S, B: d.B, D, scale },
    { lengths, w: gpu.binding(w, 'w'), x: gpu.binding(x, 'x'), out: gpu.binding(out, 'out') },
  );
}

/**
 * Dispatches: dC·v (scores kernel), the softmax backward, dV; then 'dot': dQ, dK (5); 'general': dQ', dK,
 * dQ = dQ'·W_aᵀ, dW_a += qᵀ·dQ' (7); 'additive': dPq (+ dv parts), dPk, dQ, dK, dW_q, dW_k and the dv sum (10).
 */
export function attentionBackward(
  gpu: GpuDevice,
  forward: AttentionResult,
  dContext: Tensor,
  options?: AttentionBackwardOptions,
): AttentionGrads {
  if (!(forward instanceof GpuAttentionResult))
    throw new ValueError('forward', 'the result of a WebGPU attention()', String(forward));
  const d = forward.dims;
  attentionBackwardChecks(d, forward.context, dContext, options);
  const { T, S, B, Dq, Dk, U, batchFirst } = d;
  const { queries, keys, values, w, pq, pk } = forward;
  const grads = options?.grads ?? {};
  const dWeights = options?.dWeights;
  for (const [name, t] of Object.entries({ dContext, dWeights })) if (t) gpu.storage(t, name);
  for (const [name, t] of Object.entries(grads)) if (t) gpu.storage(t, `grads.${name}`);
  const lengths = forward.lengths ? gpu.binding(forward.lengths, 'lengths') : gpu.unusedRead;
  const HAS_LENGTHS = forward.lengths !== null;

  const de = gpu.empty([B, T, S], 'attention dScores');
  run(
    gpu,
    ATTENTION_SCORES,
    { SCORE: 0, HAS_LENGTHS, BATCH_FIRST: batchFirst },
    B * T * S,
    { n: B * T * S, T, S, B, D: d.Dv, scale: 1 },
    {
      lengths,
      a: gpu.binding(dContext, 'dContext'),
      c: gpu.binding(values, 'values'),
      vvec: gpu.unusedRead,
      e: gpu.binding(de, 'dScores'),
    },
  );
  run(
    gpu,
    ATTENTION_SOFTMAX_BACKWARD,
    { HAS_DA: !!dWeights },
    B * T,
    { rows: B * T, S },
    {
      alpha: gpu.binding(forward.weights, 'forward.weights'),
      da: dWeights ? gpu.binding(dWeights, 'dWeights') : gpu.unusedRead,
      g: gpu.binding(de, 'dScores'),
    },
  );
  const dValues = gpu.empty(values.shape, 'attention dValues');
  mix(gpu, d, true, lengths, forward.weights, dContext, dValues, 1);

  let dQueries: Tensor;
  let dKeys: Tensor;
  if (d.score === 'additive') {
    const dpq = gpu.empty([T * B, U], 'attention dPq');
    const dvpart = gpu.empty([T * B, U], 'attention dv parts');
    const dpk = gpu.empty([S * B, U], 'attention dPk');
    for (const side of [0, 1]) {
      const out = side === 0 ? dpq : dpk;
      run(
        gpu,
        ATTENTION_ADDITIVE_BACKWARD,
        { SIDE: side, HAS_LENGTHS, BATCH_FIRST: batchFirst },
        out.size,
        { n: out.size, T, S, B, U },
        {
          pq: gpu.binding(pq!, 'pq'),
          pk: gpu.binding(pk!, 'pk'),
          vvec: gpu.binding(w.v!, 'weights.v'),
          de: gpu.binding(de, 'dScores'),
          lengths,
          out: gpu.binding(out, 'out'),
          dvpart: side === 0 ? gpu.binding(dvpart, 'dvpart') : gpu.unusedWrite,
        },
      );
    }
    dQueries = gpu.empty(queries.shape, 'attention dQueries');
    dKeys = gpu.empty(keys.shape, 'attention dKeys');
    gemm(gpu, { a: dpq, b: w.wq!, out: dQueries, M: T * B, N: Dq, K: U });
    gemm(gpu, { a: dpk, b: w.wk!, out: dKeys, M: S * B, N: Dk, K: U });
    matmul(gpu, dpq, queries.view([T * B, Dq]), { transA: true, beta: 1, out: grads.wq! });
    matmul(gpu, dpk, keys.view([S * B, Dk]), { transA: true, beta: 1, out: grads.wk! });
    sumAxis(gpu, dvpart, 0, { out: grads.v!, beta: 1 });
    for (const t of [dpq, dvpart, dpk]) t.release();
  } else {
    dKeys = gpu.empty(keys.shape, 'attention dKeys');
    mix(gpu, d, true, lengths, de, pq ?? queries, dKeys, d.scale);
    const dq = gpu.empty(batchFirst ? [B, T, Dk] : [T, B, Dk], 'attention dQueries');
    mix(gpu, d, false, lengths, de, keys, dq, d.scale);
    if (d.score === 'general') {
      dQueries = gpu.empty(queries.shape, 'attention dQueries');
      gemm(gpu, { a: dq, b: w.wa!, out: dQueries, M: T * B, N: Dq, K: Dk, transB: true });
      matmul(gpu, queries.view([T * B, Dq]), dq.view([T * B, Dk]), { transA: true, beta: 1, out: grads.wa! });
      dq.release();
    } else dQueries = dq;
  }
  de.release();
  return { dQueries, dKeys, dValues };
}
