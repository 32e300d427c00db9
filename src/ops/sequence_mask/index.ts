import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { SequenceMaskMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const sequenceMask = defineOp<SequenceMaskMethods>({
  name: 'sequence_mask',
  kernels: [webgpu.SEQUENCE_MASK],
  cpu: { sequenceMask: cpu.sequenceMask },
  webgpu: { sequenceMask: webgpu.sequenceMask },
});
