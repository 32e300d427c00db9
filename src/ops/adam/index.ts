import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { AdamMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const adam = defineOp<AdamMethods>({
  name: 'adam',
  kernels: [webgpu.ADAM],
  cpu: { adamStep: cpu.adamStep },
  webgpu: { adamStep: webgpu.adamStep },
});
