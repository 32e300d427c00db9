import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { MatmulMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const matmul = defineOp<MatmulMethods>({
  name: 'matmul',
  kernels: Object.values(webgpu.MATMUL_KERNELS),
  cpu: { matmul: cpu.matmul, gemm: cpu.gemm },
  webgpu: { matmul: webgpu.matmul, gemm: webgpu.gemm },
});
