// Swapping two leading axes on the GPU (transpose01.wgsl, CPU twin cpu.ts): batch-first ↔ time-major,
// and W_hh transposed for the recurrent kernels.
import transpose01Code from './transpose01.wgsl?raw';
import { transposeDims } from './spec.js';
import type { GpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';

export const TRANSPOSE01 = kernel({
  name: 'transpose01',
  code: transpose01Code,
  params: { A: 'u32', B: 'u32', C: 'u32', row_stride: 'u32', N: 'u32' },
  storage: { x: 'read', out: 'read_write' },
});

export function transpose01(gpu: GpuDevice, x: Tensor): Tensor {
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
