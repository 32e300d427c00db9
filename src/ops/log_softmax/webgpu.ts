// Log-softmax of rows on the GPU (log_softmax.wgsl, CPU twin cpu.ts).
import logSoftmaxCode from './log_softmax.wgsl?raw';
import { logSoftmaxDims } from './spec.js';
import type { GpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';

export const LOG_SOFTMAX = kernel({
  name: 'log_softmax',
  code: logSoftmaxCode,
  params: { R: 'u32', C: 'u32', row_stride: 'u32' },
  storage: { x: 'read', out: 'read_write' },
});

export function logSoftmax(gpu: GpuDevice, x: Tensor): Tensor {
  const { R, C } = logSoftmaxDims(x);
  const out = gpu.empty([R, C], 'logSoftmax out');
  const { groups, rowStride } = gpu.grid1d(R, ELEMENTWISE_WG);
  gpu.dispatch(
    LOG_SOFTMAX,
    { WG: ELEMENTWISE_WG },
    { R, C, row_stride: rowStride },
    { x: gpu.binding(x, 'x'), out: gpu.binding(out, 'out') },
    groups,
  );
  return out;
}
