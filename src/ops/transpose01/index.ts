import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { Transpose01Methods } from './spec.js';
import * as webgpu from './webgpu.js';

export const transpose01 = defineOp<Transpose01Methods>({
  name: 'transpose01',
  kernels: [webgpu.TRANSPOSE01],
  cpu: { transpose01: cpu.transpose01 },
  webgpu: { transpose01: webgpu.transpose01 },
});
