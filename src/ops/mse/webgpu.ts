// Mean squared error on the GPU (mse.wgsl; CPU twin cpu.ts): one kernel writes the gradient and the
// squares, the shared two-stage reduction sums them.
import mseCode from './mse.wgsl?raw';
import type { GpuDevice } from '../../core/device.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';
import type { Tensor } from '../../core/tensor.js';
import { lossChecks, type LossResult, type Reduction, type StepMask } from '../loss/spec.js';
import { elementwiseResult, meanCount } from '../loss/webgpu.js';

export const MSE = kernel({
  name: 'mse',
  code: mseCode,
  params: { n: 'u32', row_stride: 'u32', grad_scale: 'f32' },
  storage: { y: 'read', expected: 'read', dy: 'read_write', sq: 'read_write' },
});

export function mse(gpu: GpuDevice, y: Tensor, target: Tensor, reduction: Reduction, steps?: StepMask): LossResult {
  lossChecks('mse', y, target, reduction);
  const scale = reduction === 'mean' ? 1 / meanCount(y, steps) : 1;
  const grad = gpu.empty(y.shape, 'mse grad');
  const sq = gpu.empty(y.shape, 'mse squares');
  const { groups, rowStride } = gpu.grid1d(y.size, ELEMENTWISE_WG);
  gpu.dispatch(
    MSE,
    { WG: ELEMENTWISE_WG },
    { n: y.size, row_stride: rowStride, grad_scale: scale },
    {
      y: gpu.binding(y, 'y'),
      expected: gpu.binding(target, 'target'),
      dy: gpu.binding(grad, 'grad'),
      sq: gpu.binding(sq, 'sq'),
    },
    groups,
  );
  return elementwiseResult(gpu, steps, grad, sq, scale);
}
