// Adam / AdamW on the GPU (adam.wgsl; CPU twin cpu.ts): one invocation per parameter, gscale, step and lr
// read from GPU tensors (see ../optimizer/spec.ts).
import adamCode from './adam.wgsl?raw';
import type { GpuDevice } from '../../core/device.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';
import type { Tensor } from '../../core/tensor.js';
import { optimizerChecks } from '../optimizer/spec.js';
import type { AdamHyper } from './spec.js';

export const ADAM = kernel({
  name: 'adam',
  code: adamCode,
  params: {
    n: 'u32',
    row_stride: 'u32',
    beta1: 'f32',
    beta2: 'f32',
    eps: 'f32',
    weight_decay: 'f32',
    decoupled: 'u32',
  },
  storage: {
    param: 'read_write',
    grad: 'read',
    m: 'read_write',
    v: 'read_write',
    gscale: 'read',
    step: 'read',
    lr: 'read',
  },
});

export function adamStep(
  gpu: GpuDevice,
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  gscale: Tensor,
  step: Tensor,
  lr: Tensor,
  h: AdamHyper,
): void {
  optimizerChecks(param, grad, [m, v], gscale, step, lr);
  const { groups, rowStride } = gpu.grid1d(param.size, ELEMENTWISE_WG);
  gpu.dispatch(
    ADAM,
    { WG: ELEMENTWISE_WG },
    {
      n: param.size,
      row_stride: rowStride,
      beta1: h.beta1,
      beta2: h.beta2,
      eps: h.eps,
      weight_decay: h.weightDecay,
      decoupled: h.decoupled ? 1 : 0,
    },
    {
      param: gpu.binding(param, 'param'),
      grad: gpu.binding(grad, 'grad'),
      m: gpu.binding(m, 'm'),
      v: gpu.binding(v, 'v'),
      gscale: gpu.binding(gscale, 'gscale'),
      step: gpu.binding(step, 'step'),
      lr: gpu.binding(lr, 'lr'),
    },
    groups,
  );
}
