import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { GradClipMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const gradClip = defineOp<GradClipMethods>({
  name: 'grad_clip',
  kernels: [webgpu.GRAD_SCALE, webgpu.GRAD_CLAMP],
  cpu: { gradScale: cpu.gradScale, gradClamp: cpu.gradClamp },
  webgpu: { gradScale: webgpu.gradScale, gradClamp: webgpu.gradClamp },
});
