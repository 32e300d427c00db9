// The steps past each row's length zeroed on the GPU (sequence_mask.wgsl, CPU twin cpu.ts).
import sequenceMaskCode from './sequence_mask.wgsl?raw';
import { sequenceMaskChecks } from './spec.js';
import type { GpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';

export const SEQUENCE_MASK = kernel({
  name: 'sequence_mask',
  code: sequenceMaskCode,
  params: { n: 'u32', T: 'u32', B: 'u32', C: 'u32', row_stride: 'u32' },
  storage: { x: 'read', lengths: 'read', y: 'read_write' },
});

export function sequenceMask(gpu: GpuDevice, x: Tensor, lengths: Tensor, batchFirst = false): Tensor {
  const [T, B, C] = sequenceMaskChecks(x, lengths, batchFirst);
  return maskSteps(gpu, x, lengths, batchFirst, T, B, C);
}

/** sequenceMask of x read as [T, B, C] (or [B, T, C]) whatever its shape (checked by the caller); y has x's shape. */
export function maskSteps(
  gpu: GpuDevice,
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
