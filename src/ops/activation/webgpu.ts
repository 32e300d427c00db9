// Elementwise activations on the GPU (activation.wgsl, activation_backward.wgsl; CPU twin cpu.ts).
import activationFnsCode from './activation_fns.wgsl?raw';
import activationForward from './activation.wgsl?raw';
import activationBackwardCode from './activation_backward.wgsl?raw';
import { ACTIVATION_IDS, activationBackwardChecks, toActivation, type ActivationLike } from './spec.js';
import type { GpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';

/** act_forward and act_derivative by ACT id: prepended to every kernel that applies an activation. */
export const ACTIVATION_FNS: string = activationFnsCode;

export const ACTIVATION = kernel({
  name: 'activation',
  code: ACTIVATION_FNS + activationForward,
  params: { n: 'u32', row_stride: 'u32', param: 'f32' },
  storage: { a: 'read', h: 'read_write' },
});

export const ACTIVATION_BACKWARD = kernel({
  name: 'activation_backward',
  code: ACTIVATION_FNS + activationBackwardCode,
  params: { n: 'u32', row_stride: 'u32', param: 'f32' },
  storage: { a: 'read', h: 'read', dh: 'read', da: 'read_write' },
});

export function activation(gpu: GpuDevice, a: Tensor, activationLike: ActivationLike): Tensor {
  const act = toActivation('activation', activationLike);
  gpu.storage(a, 'a');
  const h = gpu.empty(a.shape, 'activation out');
  const { groups, rowStride } = gpu.grid1d(a.size, ELEMENTWISE_WG);
  gpu.dispatch(
    ACTIVATION,
    { ACT: ACTIVATION_IDS[act.name], WG: ELEMENTWISE_WG },
    { n: a.size, row_stride: rowStride, param: act.param },
    { a: gpu.binding(a, 'a'), h: gpu.binding(h, 'h') },
    groups,
  );
  return h;
}

export function activationBackward(
  gpu: GpuDevice,
  a: Tensor,
  h: Tensor,
  dh: Tensor,
  activationLike: ActivationLike,
): Tensor {
  const act = activationBackwardChecks(a, h, dh, activationLike);
  const da = gpu.empty(a.shape, 'activation grad');
  const { groups, rowStride } = gpu.grid1d(a.size, ELEMENTWISE_WG);
  gpu.dispatch(
    ACTIVATION_BACKWARD,
    { ACT: ACTIVATION_IDS[act.name], WG: ELEMENTWISE_WG },
    { n: a.size, row_stride: rowStride, param: act.param },
    { a: gpu.binding(a, 'a'), h: gpu.binding(h, 'h'), dh: gpu.binding(dh, 'dh'), da: gpu.binding(da, 'da') },
    groups,
  );
  return da;
}
