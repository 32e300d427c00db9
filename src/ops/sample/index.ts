import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { SampleMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const sample = defineOp<SampleMethods>({
  name: 'sample',
  kernels: [webgpu.SAMPLE],
  cpu: { sample: cpu.sample },
  webgpu: { sample: webgpu.sample },
});
