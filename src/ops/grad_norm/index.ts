import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { GradNormMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const gradNorm = defineOp<GradNormMethods>({
  name: 'grad_norm',
  kernels: [webgpu.GRAD_NORM_PARTIAL, webgpu.GRAD_NORM_FINISH],
  cpu: { gradNorm: cpu.gradNorm },
  webgpu: { gradNorm: webgpu.gradNorm },
});
