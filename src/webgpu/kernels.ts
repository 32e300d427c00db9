// Every kernel the WebGPU backend dispatches, collected from the op families in ./ops (each declares its
// own, beside its host code); test/kernel_specs.test.ts checks each declaration against its WGSL.
import type { KernelSpec } from '../core/kernel.js';
import { MATMUL_KERNELS } from './ops/matmul.js';
import { ACTIVATION, ACTIVATION_BACKWARD } from './ops/activation.js';
import { SUM_AXIS, SUM_REDUCE } from './ops/reduce.js';
import { BIDIR_MERGE, BIDIR_MERGE_BACKWARD, SEQUENCE_MASK, TRANSPOSE01 } from './ops/sequence.js';
import { RECURRENT_KERNELS } from './ops/recurrent.js';
import { DROPOUT } from './ops/dropout.js';
import { EMBEDDING, EMBEDDING_BACKWARD } from './ops/embedding.js';
import { KERNELS as OP_KERNELS } from '../ops/index.js';

export const KERNELS: readonly KernelSpec[] = [
  ...Object.values(MATMUL_KERNELS),
  ACTIVATION,
  ACTIVATION_BACKWARD,
  SUM_AXIS,
  SUM_REDUCE,
  TRANSPOSE01,
  BIDIR_MERGE,
  BIDIR_MERGE_BACKWARD,
  SEQUENCE_MASK,
  DROPOUT,
  EMBEDDING,
  EMBEDDING_BACKWARD,
  ...OP_KERNELS,
  ...Object.values(RECURRENT_KERNELS).flatMap((cell) =>
    [cell.forward, cell.backward].flatMap((pass) => Object.values(pass)),
  ),
];
