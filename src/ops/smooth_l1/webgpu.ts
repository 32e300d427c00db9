// L1, Huber and SmoothL1 losses on the GPU, one kernel (smooth_l1.wgsl; CPU twin cpu.ts): scale · SmoothL1(beta),
// elementwise: L1 (beta 0), Huber (beta = scale = delta), SmoothL1 (scale 1); the shared two-stage reduction sums it.
import smoothL1Code from './smooth_l1.wgsl?raw';
import type { GpuDevice } from '../../core/device.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';
import type { Tensor } from '../../core/tensor.js';
import type { LossResult, Reduction, StepMask } from '../loss/spec.js';
import { elementwiseResult, meanCount } from '../loss/webgpu.js';

export const SMOOTH_L1 = kernel({
  name: 'smooth_l1',
  code: smoothL1Code,
  params: { n: 'u32', row_stride: 'u32', grad_scale: 'f32', beta: 'f32' },
  storage: { y: 'read', expected: 'read', dy: 'read_write', elem: 'read_write' },
});

/** scale · SmoothL1(beta), elementwise. */
export function smoothL1Loss(
  gpu: GpuDevice,
  y: Tensor,
  target: Tensor,
  reduction: Reduction,
  beta: number,
  scale: number,
  steps: StepMask | undefined,
): LossResult {
  const s = (reduction === 'mean' ? 1 / meanCount(y, steps) : 1) * scale;
  const grad = gpu.empty(y.shape, 'smooth_l1 grad');
  const elem = gpu.empty(y.shape, 'smooth_l1 elementwise');
  const { groups, rowStride } = gpu.grid1d(y.size, ELEMENTWISE_WG);
  gpu.dispatch(
    SMOOTH_L1,
    { WG: ELEMENTWISE_WG },
    { n: y.size, row_stride: rowStride, grad_scale: s, beta },
    {
      y: gpu.binding(y, 'y'),
      expected: gpu.binding(target, 'target'),
      dy: gpu.binding(grad, 'grad'),
      elem: gpu.binding(elem, 'elem'),
    },
    groups,
  );
  return elementwiseResult(gpu, steps, grad, elem, s);
}
