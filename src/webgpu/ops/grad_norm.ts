// Gradient norm and clipping (shaders/grad_norm.wgsl, shaders/grad_clip.wgsl, shaders/segment_norms.wgsl;
// CPU twins src/cpu/grad_norm.ts, src/cpu/grad_clip.ts, src/cpu/segment_norms.ts): the norm in two
// deterministic stages whose second writes gscale [norm, clip coefficient, skip, loss] for the update kernels.
import gradNormCode from '../../../shaders/grad_norm.wgsl?raw';
import gradClipCode from '../../../shaders/grad_clip.wgsl?raw';
import segmentNormsCode from '../../../shaders/segment_norms.wgsl?raw';
import { clipValueCheck, gradNormChecks, segmentChecks } from '../../core/checks.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';
import type { WebGpuBackend } from '../backend.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';
import { reducePlan } from '../../ops/reduce/webgpu.js';

const gradNormKernel = (entry: 'partial' | 'finish') =>
  kernel({
    name: `grad_norm_${entry}`,
    code: gradNormCode,
    entry,
    params: { n: 'u32', chunk: 'u32', max_norm: 'f32', has_loss: 'u32' },
    storage: { x: 'read', loss: 'read', out: 'read_write' },
  });
export const GRAD_NORM_PARTIAL = gradNormKernel('partial');
export const GRAD_NORM_FINISH = gradNormKernel('finish');

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

export const SEGMENT_NORMS = kernel({
  name: 'segment_norms',
  code: segmentNormsCode,
  params: { count: 'u32' },
  storage: { x: 'read', segments: 'read', out: 'read_write' },
});

export function gradNorm(
  gpu: WebGpuBackend,
  grads: Tensor,
  maxNorm: number,
  normType: 2 | 'inf',
  loss: Tensor | null,
): Tensor {
  gpu.storage(grads, 'grads');
  gradNormChecks(maxNorm, normType, loss);
  const n = grads.size;
  const { groups, chunk } = reducePlan(n);
  const partials = gpu.empty([groups], 'grad_norm partials');
  const gscale = gpu.empty([4], 'gscale');
  const inf = normType === 'inf';
  // max_norm = Infinity (measure only) is sent as the largest f32: coef = min(huge / total, 1) = 1.
  const maxNormF32 = Math.min(maxNorm, 3.4e38);
  gpu.dispatch(
    GRAD_NORM_PARTIAL,
    { INF: inf },
    { n, chunk, max_norm: maxNormF32, has_loss: 0 },
    { x: gpu.binding(grads, 'grads'), loss: gpu.unusedRead, out: gpu.binding(partials, 'partials') },
    [groups],
  );
  gpu.dispatch(
    GRAD_NORM_FINISH,
    { INF: inf },
    { n: groups, chunk: groups, max_norm: maxNormF32, has_loss: loss ? 1 : 0 },
    {
      x: gpu.binding(partials, 'partials'),
      loss: loss ? gpu.binding(loss, 'loss') : gpu.unusedRead,
      out: gpu.binding(gscale, 'gscale'),
    },
    [1],
  );
  partials.release();
  return gscale;
}

/** The segment table is only bounds-checked on the CPU; here its shape and x's size (dispatch() refuses > 65535 segments). */
export function segmentNorms(gpu: WebGpuBackend, x: Tensor, segments: Tensor): Tensor {
  const count = segmentChecks(x, segments, null);
  const out = gpu.empty([count], 'segment norms');
  gpu.dispatch(
    SEGMENT_NORMS,
    {},
    { count },
    { x: gpu.binding(x, 'x'), segments: gpu.binding(segments, 'segments'), out: gpu.binding(out, 'out') },
    [count],
  );
  return out;
}

export function gradScale(gpu: WebGpuBackend, grad: Tensor, gscale: Tensor): void {
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

export function gradClamp(gpu: WebGpuBackend, grad: Tensor, clipValue: number): void {
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
