// Every kernel the WebGPU backend dispatches, collected from the op families in ./ops (each declares its
// own, beside its host code); test/kernel_specs.test.ts checks each declaration against its WGSL.
import type { KernelSpec } from '../core/kernel.js';
import { BCE_WITH_LOGITS, CROSS_ENTROPY, LOSS_MEAN, MSE, SMOOTH_L1 } from './ops/loss.js';
import { ADAM, RMSPROP, SGD, STEP_ADVANCE } from './ops/optim.js';
import { GRAD_CLAMP, GRAD_NORM_FINISH, GRAD_NORM_PARTIAL, GRAD_SCALE, SEGMENT_NORMS } from './ops/grad_norm.js';
import { RECURRENT_KERNELS } from './ops/recurrent.js';
import { KERNELS as OP_KERNELS } from '../ops/index.js';

export const KERNELS: readonly KernelSpec[] = [
  MSE,
  SMOOTH_L1,
  BCE_WITH_LOGITS,
  CROSS_ENTROPY,
  LOSS_MEAN,
  SGD,
  ADAM,
  RMSPROP,
  STEP_ADVANCE,
  GRAD_NORM_PARTIAL,
  GRAD_NORM_FINISH,
  GRAD_SCALE,
  GRAD_CLAMP,
  SEGMENT_NORMS,
  ...OP_KERNELS,
  ...Object.values(RECURRENT_KERNELS).flatMap((cell) =>
    [cell.forward, cell.backward].flatMap((pass) => Object.values(pass)),
  ),
];
