import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { TopkMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const topk = defineOp<TopkMethods>({
  name: 'topk',
  kernels: [webgpu.TOPK],
  cpu: { topk: cpu.topk },
  webgpu: { topk: webgpu.topk },
});
