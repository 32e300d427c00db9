// CPU twin of activation.wgsl, activation_backward.wgsl and activation_fns.wgsl, in f64.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { activationBackwardChecks, toActivation, type Activation, type ActivationLike } from './spec.js';

export function activate(a: number, act: Activation): number {
  switch (act.name) {
    case 'sigmoid':
      return a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a));
    case 'tanh':
      return Math.tanh(a);
    case 'relu':
      return a > 0 ? a : 0;
    case 'leaky_relu':
      return a > 0 ? a : act.param * a;
    case 'elu':
      return a > 0 ? a : act.param * (Math.exp(a) - 1);
    case 'identity':
      return a;
  }
}

/** f'(a) given a and h = f(a); the same choices as act_derivative in WGSL. */
export function activationDerivative(a: number, h: number, act: Activation): number {
  switch (act.name) {
    case 'sigmoid':
      return h * (1 - h);
    case 'tanh':
      return 1 - h * h;
    case 'relu':
      return a > 0 ? 1 : 0;
    case 'leaky_relu':
      return a > 0 ? 1 : act.param;
    case 'elu':
      return a > 0 ? 1 : h + act.param;
    case 'identity':
      return 1;
  }
}

/** h = f(a), elementwise. */
export function activationForward(a: Float64Array, act: Activation): Float64Array {
  const h = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) h[i] = activate(a[i], act);
  return h;
}

/** dA = f'(a) ⊙ dH, elementwise (a fresh array, not accumulated). */
export function activationGrad(a: Float64Array, h: Float64Array, dh: Float64Array, act: Activation): Float64Array {
  const da = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) da[i] = dh[i] * activationDerivative(a[i], h[i], act);
  return da;
}

export function activation(cpu: CpuDevice, a: Tensor, activation: ActivationLike): Tensor {
  const act = toActivation('activation', activation);
  return cpu.wrap(activationForward(cpu.data(a, 'a'), act), a.shape);
}

export function activationBackward(
  cpu: CpuDevice,
  a: Tensor,
  h: Tensor,
  dh: Tensor,
  activation: ActivationLike,
): Tensor {
  const act = activationBackwardChecks(a, h, dh, activation);
  return cpu.wrap(activationGrad(cpu.data(a, 'a'), cpu.data(h, 'h'), cpu.data(dh, 'dh'), act), a.shape);
}
