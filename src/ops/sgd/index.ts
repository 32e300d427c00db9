import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { SgdMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const sgd = defineOp<SgdMethods>({
  name: 'sgd',
  kernels: [webgpu.SGD],
  cpu: { sgdStep: cpu.sgdStep },
  webgpu: { sgdStep: webgpu.sgdStep },
});
