import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { ReduceMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const reduce = defineOp<ReduceMethods>({
  name: 'reduce',
  kernels: [webgpu.SUM_AXIS, webgpu.SUM_REDUCE],
  cpu: { sumAxis: cpu.sumAxis, sumSquares: cpu.sumSquares, sum: cpu.sum },
  webgpu: { sumAxis: webgpu.sumAxis, sumSquares: webgpu.sumSquares, sum: webgpu.sum },
});
