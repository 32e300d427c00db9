// Elementwise activations (shaders/activation*.wgsl, CPU twin src/cpu/activation.ts).
import activationFns from '../../../shaders/activation_fns.wgsl?raw';
import activationForward from '../../../shaders/activation.wgsl?raw';
import activationBackwardCode from '../../../shaders/activation_backward.wgsl?raw';
import { ACTIVATION_IDS, toActivation, type ActivationLike } from '../../activation.js';
import { checkSameShape } from '../../core/checks.js';
import type { Tensor } from '../../core/tensor.js';
import type { WebGpuBackend } from '../backend.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';

export const ACTIVATION = kernel({
  name: 'activation',
  code: activationFns + activationForward,
  params: { n: 'u32', row_stride: 'u32', param: 'f32' },
  storage: { a: 'read', h: 'read_write' },
});

export const ACTIVATION_BACKWARD = kernel({
  name: 'activation_backward',
  code: activationFns + activationBackwardCode,
  params: { n: 'u32', row_stride: 'u32', param: 'f32' },
  storage: { a: 'read', h: 'read', dh: 'read', da: 'read_write' },
});

export function activation(gpu: WebGpuBackend, a: Tensor, activationLike: ActivationLike): Tensor {
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
  gpu: WebGpuBackend,
  a: Tensor,
  h: Tensor,
  dh: Tensor,
  activationLike: ActivationLike,
): Tensor {
  const act = toActivation('activation', activationLike);
  checkSameShape('h', h, a, 'a');
  checkSameShape('dh', dh, a, 'a');
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
