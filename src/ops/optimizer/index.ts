import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { OptimizerMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const optimizer = defineOp<OptimizerMethods>({
  name: 'optimizer',
  kernels: [webgpu.STEP_ADVANCE],
  cpu: { advanceStep: cpu.advanceStep },
  webgpu: { advanceStep: webgpu.advanceStep },
});
