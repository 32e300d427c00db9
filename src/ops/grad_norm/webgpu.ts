// Global gradient norm on the GPU (grad_norm.wgsl; CPU twin cpu.ts) in two deterministic stages (no float
// atomics): per-workgroup partials, then one workgroup whose total writes gscale [norm, clip coefficient,
// skip, loss] for the update kernels.
import gradNormCode from './grad_norm.wgsl?raw';
import type { GpuDevice } from '../../core/device.js';
import { kernel } from '../../core/kernel.js';
import type { Tensor } from '../../core/tensor.js';
import { reducePlan } from '../reduce/webgpu.js';
import { gradNormChecks } from './spec.js';

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

export function gradNorm(
  gpu: GpuDevice,
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
