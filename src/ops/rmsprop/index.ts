import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { RmspropMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const rmsprop = defineOp<RmspropMethods>({
  name: 'rmsprop',
  kernels: [webgpu.RMSPROP],
  cpu: { rmspropStep: cpu.rmspropStep },
  webgpu: { rmspropStep: webgpu.rmspropStep },
});
