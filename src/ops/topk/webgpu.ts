// Top-k per row on the GPU (topk.wgsl; CPU twin cpu.ts): one workgroup per row.
import topkCode from './topk.wgsl?raw';
import type { Tensor } from '../../core/tensor.js';
import type { GpuDevice } from '../../core/device.js';
import { kernel } from '../../core/kernel.js';
import { topkChecks } from './spec.js';

export const TOPK = kernel({
  name: 'topk',
  code: topkCode,
  params: { N: 'u32', k: 'u32', R: 'u32', row_groups: 'u32' },
  storage: { x: 'read', values: 'read_write', indices: 'read_write' },
});

export function topk(gpu: GpuDevice, x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  const { R, N } = topkChecks(x, k);
  gpu.storage(x, 'x');
  const shape = [...x.shape.slice(0, -1), k];
  const values = gpu.empty(shape, 'topk values');
  const indices = gpu.empty(shape, 'topk indices');
  // One workgroup per row, on a 2-D grid when the rows pass the per-dimension limit.
  const { groups, rowStride } = gpu.grid1d(R, 1);
  if (R > 0)
    gpu.dispatch(
      TOPK,
      { WG: Math.min(256, 2 ** Math.ceil(Math.log2(N))) },
      { N, k, R, row_groups: rowStride },
      { x: gpu.binding(x, 'x'), values: gpu.binding(values, 'values'), indices: gpu.binding(indices, 'indices') },
      groups,
    );
  return { values, indices };
}
