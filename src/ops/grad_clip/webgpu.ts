// Gradient clipping in place on the GPU (grad_clip.wgsl; CPU twin cpu.ts): scaling by gscale's clip
// coefficient (clip_grad_norm_) and clamping to ±clipValue (clip_grad_value_).
import gradClipCode from './grad_clip.wgsl?raw';
import type { GpuDevice } from '../../core/device.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';
import { clipValueCheck } from './spec.js';

const gradClipKernel = (name: string, entry: string) =>
  kernel({
    name,
    code: gradClipCode,
    entry,
    params: { n: 'u32', row_stride: 'u32', clip_value: 'f32' },
    storage: { gscale: 'read', grad: 'read_write' },
  });
export const GRAD_SCALE = gradClipKernel('grad_scale', 'scale');
export const GRAD_CLAMP = gradClipKernel('grad_clamp', 'clamp_values');

export function gradScale(gpu: GpuDevice, grad: Tensor, gscale: Tensor): void {
  gpu.storage(grad, 'grad');
  gpu.storage(gscale, 'gscale');
  expectShape('gscale', gscale.shape, [4]);
  const { groups, rowStride } = gpu.grid1d(grad.size, ELEMENTWISE_WG);
  gpu.dispatch(
    GRAD_SCALE,
    { WG: ELEMENTWISE_WG },
    { n: grad.size, row_stride: rowStride, clip_value: 0 },
    { gscale: gpu.binding(gscale, 'gscale'), grad: gpu.binding(grad, 'grad') },
    groups,
  );
}

export function gradClamp(gpu: GpuDevice, grad: Tensor, clipValue: number): void {
  gpu.storage(grad, 'grad');
  clipValueCheck(clipValue);
  const { groups, rowStride } = gpu.grid1d(grad.size, ELEMENTWISE_WG);
  gpu.dispatch(
    GRAD_CLAMP,
    { WG: ELEMENTWISE_WG },
    { n: grad.size, row_stride: rowStride, clip_value: clipValue },
    { gscale: gpu.unusedRead, grad: gpu.binding(grad, 'grad') },
    groups,
  );
}
