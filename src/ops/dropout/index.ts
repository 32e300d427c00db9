import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { DropoutMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const dropout = defineOp<DropoutMethods>({
  name: 'dropout',
  kernels: [webgpu.DROPOUT],
  cpu: { dropout: cpu.dropout },
  webgpu: { dropout: webgpu.dropout },
});
