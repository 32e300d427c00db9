import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { LogSoftmaxMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const logSoftmax = defineOp<LogSoftmaxMethods>({
  name: 'logSoftmax',
  kernels: [webgpu.LOG_SOFTMAX],
  cpu: { logSoftmax: cpu.logSoftmax },
  webgpu: { logSoftmax: webgpu.logSoftmax },
});
