import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { BceWithLogitsMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const bceWithLogits = defineOp<BceWithLogitsMethods>({
  name: 'bce_with_logits',
  kernels: [webgpu.BCE_WITH_LOGITS],
  cpu: { bceWithLogits: cpu.bceWithLogits },
  webgpu: { bceWithLogits: webgpu.bceWithLogits },
});
