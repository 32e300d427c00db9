// Sequence layout ops (shaders/transpose01.wgsl, shaders/bidir_merge*.wgsl; CPU twins src/cpu/transpose01.ts,
// src/cpu/bidir_merge.ts): batch-first ↔ time-major, W_hh transposed for the recurrent kernels, and the
// merge of a bidirectional layer's two directions; the steps past each row's length zeroed (shaders/sequence_mask.wgsl,
// src/cpu/sequence_mask.ts).
import transpose01Code from '../../../shaders/transpose01.wgsl?raw';
import bidirMergeCode from '../../../shaders/bidir_merge.wgsl?raw';
import bidirMergeBackwardCode from '../../../shaders/bidir_merge_backward.wgsl?raw';
import sequenceMaskCode from '../../../shaders/sequence_mask.wgsl?raw';
import { mergeChecks, sequenceMaskChecks, transposeDims } from '../../core/checks.js';
import { MERGE_IDS } from '../../cpu/bidir_merge.js';
import type { Tensor } from '../../core/tensor.js';
import type { WebGpuBackend } from '../backend.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';

export const TRANSPOSE01 = kernel({
  name: 'transpose01',
  code: transpose01Code,
  params: { A: 'u32', B: 'u32', C: 'u32', row_stride: 'u32', N: 'u32' },
  storage: { x: 'read', out: 'read_write' },
});

export const BIDIR_MERGE = kernel({
  name: 'bidir_merge',
  code: bidirMergeCode,
  params: { n: 'u32', H: 'u32', row_stride: 'u32' },
  storage: { x: 'read', y: 'read_write' },
});

export const BIDIR_MERGE_BACKWARD = kernel({
  name: 'bidir_merge_backward',
  code: bidirMergeBackwardCode,
  params: { n: 'u32', H: 'u32', row_stride: 'u32' },
  storage: { x: 'read', dy: 'read', dx: 'read_write' },
});

export const SEQUENCE_MASK = kernel({
  name: 'sequence_mask',
  code: sequenceMaskCode,
  params: { n: 'u32', T: 'u32', B: 'u32', C: 'u32', row_stride: 'u32' },
  storage: { x: 'read', lengths: 'read', y: 'read_write' },
});

export function sequenceMask(gpu: WebGpuBackend, x: Tensor, lengths: Tensor, batchFirst = false): Tensor {
  const [T, B, C] = sequenceMaskChecks(x, lengths, batchFirst);
  return maskSteps(gpu, x, lengths, batchFirst, T, B, C);
}

/** sequenceMask of x read as [T, B, C] (or [B, T, C]) whatever its shape (checked by the caller); y has x's shape. */
export function maskSteps(
  gpu: WebGpuBackend,
  x: Tensor,
  lengths: Tensor,
  batchFirst: boolean,
  T: number,
  B: number,
  C: number,
): Tensor {
  const y = gpu.empty(x.shape, 'sequence_mask out');
  const { groups, rowStride } = gpu.grid1d(x.size, ELEMENTWISE_WG);
  gpu.dispatch(
    SEQUENCE_MASK,
    { WG: ELEMENTWISE_WG, BATCH_FIRST: batchFirst },
    { n: x.size, T, B, C, row_stride: rowStride },
    { x: gpu.binding(x, 'x'), lengths: gpu.binding(lengths, 'lengths'), y: gpu.binding(y, 'y') },
    groups,
  );
  return y;
}

export function transpose01(gpu: WebGpuBackend, x: Tensor): Tensor {
  const { N, A, B, C, out: shape } = transposeDims(x);
  const out = gpu.empty(shape, 'transpose01 out');
  const { groups, rowStride } = gpu.grid1d(x.size, ELEMENTWISE_WG);
  gpu.dispatch(
    TRANSPOSE01,
    { WG: ELEMENTWISE_WG },
    { A, B, C, row_stride: rowStride, N },
    { x: gpu.binding(x, 'x'), out: gpu.binding(out, 'out') },
    groups,
  );
  return out;
}

export function bidirMerge(gpu: WebGpuBackend, x: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor {
  const H = mergeChecks(x, mode);
  const y = gpu.empty([x.shape[0], x.shape[1], H], 'bidir_merge out');
  const { groups, rowStride } = gpu.grid1d(y.size, ELEMENTWISE_WG);
  gpu.dispatch(
    BIDIR_MERGE,
    { MODE: MERGE_IDS[mode], WG: ELEMENTWISE_WG },
    { n: y.size, H, row_stride: rowStride },
    { x: gpu.binding(x, 'x'), y: gpu.binding(y, 'y') },
    groups,
  );
  return y;
}

export function bidirMergeBackward(gpu: WebGpuBackend, x: Tensor, dy: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor {
  const H = mergeChecks(x, mode, dy);
  const dx = gpu.empty(x.shape, 'bidir_merge grad');
  const { groups, rowStride } = gpu.grid1d(dy.size, ELEMENTWISE_WG);
  gpu.dispatch(
    BIDIR_MERGE_BACKWARD,
    { MODE: MERGE_IDS[mode], WG: ELEMENTWISE_WG },
    { n: dy.size, H, row_stride: rowStride },
    { x: gpu.binding(x, 'x'), dy: gpu.binding(dy, 'dy'), dx: gpu.binding(dx, 'dx') },
    groups,
  );
  return dx;
}
