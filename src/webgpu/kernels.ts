// Every kernel the WebGPU backend dispatches, collected from the op families in ./ops (each declares its
// own, beside its host code); test/kernel_specs.test.ts checks each declaration against its WGSL.
import type { KernelSpec } from '../core/kernel.js';
import { MATMUL_KERNELS } from './ops/matmul.js';
import { ACTIVATION, ACTIVATION_BACKWARD } from './ops/activation.js';
import { SUM_AXIS, SUM_REDUCE } from './ops/reduce.js';
import { BCE_WITH_LOGITS, CROSS_ENTROPY, LOSS_MEAN, MSE, SMOOTH_L1 } from './ops/loss.js';
import { ADAM, RMSPROP, SGD, STEP_ADVANCE } from './ops/optim.js';
import { GRAD_CLAMP, GRAD_NORM_FINISH, GRAD_NORM_PARTIAL, GRAD_SCALE, SEGMENT_NORMS } from './ops/grad_norm.js';
import { BIDIR_MERGE, BIDIR_MERGE_BACKWARD, SEQUENCE_MASK, TRANSPOSE01 } from './ops/sequence.js';
import { DROPOUT } from './ops/dropout.js';
import { EMBEDDING, EMBEDDING_BACKWARD } from './ops/embedding.js';
import { KERNELS as OP_KERNELS } from '../ops/index.js';

export const KERNELS: readonly KernelSpec[] = [
  ...Object.values(MATMUL_KERNELS),
  ACTIVATION,
  ACTIVATION_BACKWARD,
  SUM_AXIS,
  SUM_REDUCE,
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
  TRANSPOSE01,
  BIDIR_MERGE,
  BIDIR_MERGE_BACKWARD,
  SEQUENCE_MASK,
  DROPOUT,
  EMBEDDING,
  EMBEDDING_BACKWARD,
  ...OP_KERNELS,
];
