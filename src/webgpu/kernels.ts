// Every WGSL kernel: its source (snippets prepended, no other templating) and its bindings.
// Binding 0 is always the kernel's uniform Params; storage bindings follow in order.
import activationFns from '../../shaders/activation_fns.wgsl?raw';
import activation from '../../shaders/activation.wgsl?raw';
import activationBackward from '../../shaders/activation_backward.wgsl?raw';
import matmulCommon from '../../shaders/matmul_common.wgsl?raw';
import matmulTiled from '../../shaders/matmul_tiled.wgsl?raw';
import matmulBlocked from '../../shaders/matmul_blocked.wgsl?raw';
import sumAxis from '../../shaders/sum_axis.wgsl?raw';
import sumReduce from '../../shaders/sum_reduce.wgsl?raw';
import mse from '../../shaders/mse.wgsl?raw';
import crossEntropy from '../../shaders/cross_entropy.wgsl?raw';
import sgd from '../../shaders/sgd.wgsl?raw';
import adam from '../../shaders/adam.wgsl?raw';
import stepAdvance from '../../shaders/step_advance.wgsl?raw';
import gradNorm from '../../shaders/grad_norm.wgsl?raw';
import gradClip from '../../shaders/grad_clip.wgsl?raw';
import segmentNorms from '../../shaders/segment_norms.wgsl?raw';
import transpose01 from '../../shaders/transpose01.wgsl?raw';
import bidirMerge from '../../shaders/bidir_merge.wgsl?raw';
import bidirMergeBackward from '../../shaders/bidir_merge_backward.wgsl?raw';
import recurrentGrid from '../../shaders/recurrent_grid.wgsl?raw';
import rnnForward from '../../shaders/rnn_forward.wgsl?raw';
import rnnBackward from '../../shaders/rnn_backward.wgsl?raw';
import lstmForward from '../../shaders/lstm_forward.wgsl?raw';
import lstmBackward from '../../shaders/lstm_backward.wgsl?raw';

export type StorageAccess = 'read' | 'rw';

export interface KernelSpec {
  code: string;
  /** Storage bindings 1..n after the uniform at binding 0. */
  storage: readonly StorageAccess[];
  /** Entry point (default 'main'). */
  entry?: string;
}

// Recurrent kernels (RNN and LSTM share the binding layouts): at most 8 storage buffers, the WebGPU default limit.
const rnnForwardStorage: StorageAccess[] = ['read', 'read', 'read', 'read', 'rw', 'rw', 'rw'];
const rnnBackwardStorage: StorageAccess[] = ['read', 'read', 'read', 'read', 'read', 'rw', 'rw', 'rw'];

const matmulStorage: StorageAccess[] = ['read', 'read', 'read', 'rw'];

export const KERNELS = {
  activation: { code: activationFns + activation, storage: ['read', 'rw'] },
  activation_backward: { code: activationFns + activationBackward, storage: ['read', 'read', 'read', 'rw'] },
  matmul_tiled: { code: activationFns + matmulCommon + matmulTiled, storage: matmulStorage },
  matmul_blocked: { code: activationFns + matmulCommon + matmulBlocked, storage: matmulStorage },
  sum_axis: { code: sumAxis, storage: ['read', 'rw'] },
  sum_reduce: { code: sumReduce, storage: ['read', 'rw'] },
  mse: { code: mse, storage: ['read', 'read', 'rw', 'rw'] },
  cross_entropy: { code: crossEntropy, storage: ['read', 'read', 'rw', 'rw'] },
  sgd: { code: sgd, storage: ['rw', 'read', 'rw', 'read', 'read', 'read'] },
  adam: { code: adam, storage: ['rw', 'read', 'rw', 'rw', 'read', 'read', 'read'] },
  step_advance: { code: stepAdvance, storage: ['rw', 'read'] },
  grad_norm_partial: { code: gradNorm, storage: ['read', 'read', 'rw'], entry: 'partial' },
  grad_norm_finish: { code: gradNorm, storage: ['read', 'read', 'rw'], entry: 'finish' },
  segment_norms: { code: segmentNorms, storage: ['read', 'read', 'rw'] },
  grad_scale: { code: gradClip, storage: ['read', 'rw'], entry: 'scale' },
  grad_clamp: { code: gradClip, storage: ['read', 'rw'], entry: 'clamp_values' },
  transpose01: { code: transpose01, storage: ['read', 'rw'] },
  bidir_merge: { code: bidirMerge, storage: ['read', 'rw'] },
  bidir_merge_backward: { code: bidirMergeBackward, storage: ['read', 'read', 'rw'] },
  rnn_step: { code: activationFns + recurrentGrid + rnnForward, storage: rnnForwardStorage, entry: 'step' },
  rnn_sequence: { code: activationFns + recurrentGrid + rnnForward, storage: rnnForwardStorage, entry: 'sequence' },
  rnn_step_backward: { code: activationFns + recurrentGrid + rnnBackward, storage: rnnBackwardStorage, entry: 'step' },
  rnn_sequence_backward: { code: activationFns + recurrentGrid + rnnBackward, storage: rnnBackwardStorage, entry: 'sequence' },
  lstm_step: { code: activationFns + recurrentGrid + lstmForward, storage: rnnForwardStorage, entry: 'step' },
  lstm_sequence: { code: activationFns + recurrentGrid + lstmForward, storage: rnnForwardStorage, entry: 'sequence' },
  lstm_step_backward: { code: activationFns + recurrentGrid + lstmBackward, storage: rnnBackwardStorage, entry: 'step' },
  lstm_sequence_backward: { code: activationFns + recurrentGrid + lstmBackward, storage: rnnBackwardStorage, entry: 'sequence' },
} satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;

export type MatmulVariant = 'tiled' | 'blocked';
export const MATMUL_VARIANTS: readonly MatmulVariant[] = ['tiled', 'blocked'];
