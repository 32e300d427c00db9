import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { AttentionMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const attention = defineOp<AttentionMethods>({
  name: 'attention',
  kernels: webgpu.ATTENTION_KERNELS,
  cpu: { attention: cpu.attention, attentionBackward: cpu.attentionBackward },
  webgpu: { attention: webgpu.attention, attentionBackward: webgpu.attentionBackward },
});
