// RMSprop on the GPU (rmsprop.wgsl; CPU twin cpu.ts): one invocation per parameter, gscale and lr read from
// GPU tensors (see ../optimizer/spec.ts).
import rmspropCode from './rmsprop.wgsl?raw';
import type { GpuDevice } from '../../core/device.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';
import type { Tensor } from '../../core/tensor.js';
import { rmspropChecks, type RmspropHyper } from './spec.js';

export const RMSPROP = kernel({
  name: 'rmsprop',
  code: rmspropCode,
  params: {
    n: 'u32',
    row_stride: 'u32',
    alpha: 'f32',
    eps: 'f32',
    weight_decay: 'f32',
    momentum: 'f32',
    centered: 'u32',
  },
  storage: {
    param: 'read_write',
    grad: 'read',
    square_avg: 'read_write',
    grad_avg: 'read_write',
    momentum_buf: 'read_write',
    gscale: 'read',
    lr: 'read',
  },
});

export function rmspropStep(
  gpu: GpuDevice,
  param: Tensor,
  grad: Tensor,
  squareAvg: Tensor,
  gradAvg: Tensor,
  momentumBuf: Tensor,
  gscale: Tensor,
  lr: Tensor,
  h: RmspropHyper,
): void {
  rmspropChecks(param, grad, squareAvg, gradAvg, momentumBuf, gscale, lr, h);
  const { groups, rowStride } = gpu.grid1d(param.size, ELEMENTWISE_WG);
  gpu.dispatch(
    RMSPROP,
    { WG: ELEMENTWISE_WG },
    {
      n: param.size,
      row_stride: rowStride,
      alpha: h.alpha,
      eps: h.eps,
      weight_decay: h.weightDecay,
      momentum: h.momentum,
      centered: h.centered ? 1 : 0,
    },
    {
      param: gpu.binding(param, 'param'),
      grad: gpu.binding(grad, 'grad'),
      square_avg: gpu.binding(squareAvg, 'squareAvg'),
      grad_avg: gpu.binding(gradAvg, 'gradAvg'),
      momentum_buf: gpu.binding(momentumBuf, 'momentumBuf'),
      gscale: gpu.binding(gscale, 'gscale'),
      lr: gpu.binding(lr, 'lr'),
    },
    groups,
  );
}
