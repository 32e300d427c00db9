// SGD on the GPU (sgd.wgsl; CPU twin cpu.ts): one invocation per parameter, gscale, step and lr read from
// GPU tensors (see ../optimizer/spec.ts).
import sgdCode from './sgd.wgsl?raw';
import type { GpuDevice } from '../../core/device.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';
import type { Tensor } from '../../core/tensor.js';
import { optimizerChecks } from '../optimizer/spec.js';
import type { SgdHyper } from './spec.js';

export const SGD = kernel({
  name: 'sgd',
  code: sgdCode,
  params: { n: 'u32', row_stride: 'u32', momentum: 'f32', dampening: 'f32', weight_decay: 'f32', nesterov: 'u32' },
  storage: { param: 'read_write', grad: 'read', buf: 'read_write', gscale: 'read', step: 'read', lr: 'read' },
});

export function sgdStep(
  gpu: GpuDevice,
  param: Tensor,
  grad: Tensor,
  momentumBuf: Tensor,
  gscale: Tensor,
  step: Tensor,
  lr: Tensor,
  h: SgdHyper,
): void {
  optimizerChecks(param, grad, [momentumBuf], gscale, step, lr);
  const { groups, rowStride } = gpu.grid1d(param.size, ELEMENTWISE_WG);
  gpu.dispatch(
    SGD,
    { WG: ELEMENTWISE_WG },
    {
      n: param.size,
      row_stride: rowStride,
      momentum: h.momentum,
      dampening: h.dampening,
      weight_decay: h.weightDecay,
      nesterov: h.nesterov ? 1 : 0,
    },
    {
      param: gpu.binding(param, 'param'),
      grad: gpu.binding(grad, 'grad'),
      buf: gpu.binding(momentumBuf, 'momentumBuf'),
      gscale: gpu.binding(gscale, 'gscale'),
      step: gpu.binding(step, 'step'),
      lr: gpu.binding(lr, 'lr'),
    },
    groups,
  );
}
