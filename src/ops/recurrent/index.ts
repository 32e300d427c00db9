import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { RecurrentMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const recurrent = defineOp<RecurrentMethods>({
  name: 'recurrent',
  kernels: webgpu.RECURRENT_KERNELS,
  cpu: { recurrentLayerForward: cpu.recurrentLayerForward, recurrentLayerBackward: cpu.recurrentLayerBackward },
  webgpu: {
    recurrentLayerForward: webgpu.recurrentLayerForward,
    recurrentLayerBackward: webgpu.recurrentLayerBackward,
  },
});
