import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { SmoothL1Methods } from './spec.js';
import * as webgpu from './webgpu.js';

export const smoothL1 = defineOp<SmoothL1Methods>({
  name: 'smooth_l1',
  kernels: [webgpu.SMOOTH_L1],
  cpu: { l1: cpu.l1, huber: cpu.huber, smoothL1: cpu.smoothL1 },
  webgpu: { l1: webgpu.l1, huber: webgpu.huber, smoothL1: webgpu.smoothL1 },
});
