import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { MseMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const mse = defineOp<MseMethods>({
  name: 'mse',
  kernels: [webgpu.MSE],
  cpu: { mse: cpu.mse },
  webgpu: { mse: webgpu.mse },
});
