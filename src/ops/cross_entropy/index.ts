import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { CrossEntropyMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const crossEntropy = defineOp<CrossEntropyMethods>({
  name: 'cross_entropy',
  kernels: [webgpu.CROSS_ENTROPY, webgpu.LOSS_MEAN],
  cpu: { crossEntropy: cpu.crossEntropy },
  webgpu: { crossEntropy: webgpu.crossEntropy },
});
