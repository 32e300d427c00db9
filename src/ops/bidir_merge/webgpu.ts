// A bidirectional layer's directions merged on the GPU (bidir_merge.wgsl, bidir_merge_backward.wgsl; CPU twin cpu.ts).
import bidirMergeCode from './bidir_merge.wgsl?raw';
import bidirMergeBackwardCode from './bidir_merge_backward.wgsl?raw';
import { mergeChecks } from './spec.js';
import type { GpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';

/** The MODE override constant of the merge kernels. */
const MERGE_IDS = { sum: 0, mul: 1, ave: 2 } as const;

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

export function bidirMerge(gpu: GpuDevice, x: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor {
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

export function bidirMergeBackward(gpu: GpuDevice, x: Tensor, dy: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor {
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
