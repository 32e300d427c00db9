import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { ActivationMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const activation = defineOp<ActivationMethods>({
  name: 'activation',
  kernels: [webgpu.ACTIVATION, webgpu.ACTIVATION_BACKWARD],
  cpu: { activation: cpu.activation, activationBackward: cpu.activationBackward },
  webgpu: { activation: webgpu.activation, activationBackward: webgpu.activationBackward },
});
