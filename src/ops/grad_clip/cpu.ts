// CPU twin of grad_clip.wgsl, in place, in f64.
import type { CpuDevice } from '../../core/device.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';
import { clipValueCheck } from './spec.js';

export function gradScaleForward(grad: Float64Array, gscale: Float64Array): void {
  for (let i = 0; i < grad.length; i++) grad[i] *= gscale[1];
}

export function gradClampForward(grad: Float64Array, clipValue: number): void {
  for (let i = 0; i < grad.length; i++) grad[i] = Math.min(Math.max(grad[i], -clipValue), clipValue);
}

export function gradScale(cpu: CpuDevice, grad: Tensor, gscale: Tensor): void {
  const [g, s] = [cpu.data(grad, 'grad'), cpu.data(gscale, 'gscale')];
  expectShape('gscale', gscale.shape, [4]);
  gradScaleForward(g, s);
}

export function gradClamp(cpu: CpuDevice, grad: Tensor, clipValue: number): void {
  clipValueCheck(clipValue);
  gradClampForward(cpu.data(grad, 'grad'), clipValue);
}
