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
import recurrentSteps from '../../shaders/recurrent_steps.wgsl?raw';
import recurrentGrid from '../../shaders/recurrent_grid.wgsl?raw';
import recurrentSplitTree from '../../shaders/recurrent_split_tree.wgsl?raw';
import recurrentSplitSubgroup from '../../shaders/recurrent_split_subgroup.wgsl?raw';
import rnnForward from '../../shaders/rnn_forward.wgsl?raw';
import rnnForwardBlocked from '../../shaders/rnn_forward_blocked.wgsl?raw';
import rnnForwardSplit from '../../shaders/rnn_forward_split.wgsl?raw';
import rnnForwardRows from '../../shaders/rnn_forward_rows.wgsl?raw';
import rnnBackward from '../../shaders/rnn_backward.wgsl?raw';
import rnnBackwardBlocked from '../../shaders/rnn_backward_blocked.wgsl?raw';
import rnnBackwardSplit from '../../shaders/rnn_backward_split.wgsl?raw';
import rnnBackwardRows from '../../shaders/rnn_backward_rows.wgsl?raw';
import lstmForward from '../../shaders/lstm_forward.wgsl?raw';
import lstmForwardBlocked from '../../shaders/lstm_forward_blocked.wgsl?raw';
import lstmForwardSplit from '../../shaders/lstm_forward_split.wgsl?raw';
import lstmForwardRows from '../../shaders/lstm_forward_rows.wgsl?raw';
import lstmBackward from '../../shaders/lstm_backward.wgsl?raw';
import lstmBackwardBlocked from '../../shaders/lstm_backward_blocked.wgsl?raw';
import lstmBackwardSplit from '../../shaders/lstm_backward_split.wgsl?raw';
import lstmBackwardRows from '../../shaders/lstm_backward_rows.wgsl?raw';

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

/**
 * The recurrent kernels of one cell: per pass (forward, backward), the shared part (parameters, bindings,
 * epilogue) + each variant's body. Names: <cell>_<kernel>[_backward] with kernel one of
 *   step / sequence             register-blocked, per step / persistent (recurrent_grid.wgsl)
 *   split_step                  dot products split across a workgroup, tree reduction
 *   split_subgroup_step         the same, subgroupAdd reduction (needs the `subgroups` feature)
 *   rows_sequence               persistent, one invocation per output row, W_hh read coalesced
 */
function recurrentKernels<C extends 'rnn' | 'lstm'>(
  cell: C,
  forward: string, forwardBlocked: string, forwardSplit: string, forwardRows: string,
  backward: string, backwardBlocked: string, backwardSplit: string, backwardRows: string,
) {
  const pass = (shared: string, blocked: string, split: string, rows: string, storage: StorageAccess[]) => {
    const common = activationFns + recurrentSteps + shared;
    return {
      step: { code: common + recurrentGrid + blocked, storage, entry: 'step' },
      sequence: { code: common + recurrentGrid + blocked, storage, entry: 'sequence' },
      split_step: { code: recurrentSplitTree + common + split, storage, entry: 'step' },
      // `enable subgroups;` must open the module: the subgroup snippet goes first.
      split_subgroup_step: { code: recurrentSplitSubgroup + common + split, storage, entry: 'step' },
      rows_sequence: { code: common + rows, storage, entry: 'sequence' },
    };
  };
  const f = pass(forward, forwardBlocked, forwardSplit, forwardRows, rnnForwardStorage);
  const b = pass(backward, backwardBlocked, backwardSplit, backwardRows, rnnBackwardStorage);
  const kernels: Record<string, KernelSpec> = {};
  for (const [kernel, spec] of Object.entries(f)) kernels[`${cell}_${kernel}`] = spec;
  for (const [kernel, spec] of Object.entries(b)) kernels[`${cell}_${kernel}_backward`] = spec;
  return kernels as Record<`${C}_${RecurrentKernel}${'' | '_backward'}`, KernelSpec>;
}

/** The kernels of a recurrent step, by shape (see recurrentKernels). */
export type RecurrentKernel = 'step' | 'sequence' | 'split_step' | 'split_subgroup_step' | 'rows_sequence';

/**
 * Recurrent step kernel variants: 'blocked' (register blocks, each invocation loops over all H inputs:
 * shaped for CPU-backed adapters), 'split' (each dot product split across a workgroup, tree reduction)
 * and 'split-subgroup' (the same with subgroupAdd). The split variants run their persistent path on
 * the GPU-shaped one-workgroup kernel (rows_sequence).
 */
export type RecurrentVariant = 'blocked' | 'split' | 'split-subgroup';
export const RECURRENT_VARIANTS: readonly RecurrentVariant[] = ['blocked', 'split', 'split-subgroup'];

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
  sgd: { code: sgd, storage: ['rw', 'read', 'rw', 'read', 'read'] },
  adam: { code: adam, storage: ['rw', 'read', 'rw', 'rw', 'read', 'read'] },
  step_advance: { code: stepAdvance, storage: ['rw', 'read'] },
  grad_norm_partial: { code: gradNorm, storage: ['read', 'read', 'rw'], entry: 'partial' },
  grad_norm_finish: { code: gradNorm, storage: ['read', 'read', 'rw'], entry: 'finish' },
  segment_norms: { code: segmentNorms, storage: ['read', 'read', 'rw'] },
  grad_scale: { code: gradClip, storage: ['read', 'rw'], entry: 'scale' },
  grad_clamp: { code: gradClip, storage: ['read', 'rw'], entry: 'clamp_values' },
  transpose01: { code: transpose01, storage: ['read', 'rw'] },
  bidir_merge: { code: bidirMerge, storage: ['read', 'rw'] },
  bidir_merge_backward: { code: bidirMergeBackward, storage: ['read', 'read', 'rw'] },
  ...recurrentKernels('rnn', rnnForward, rnnForwardBlocked, rnnForwardSplit, rnnForwardRows, rnnBackward, rnnBackwardBlocked, rnnBackwardSplit, rnnBackwardRows),
  ...recurrentKernels('lstm', lstmForward, lstmForwardBlocked, lstmForwardSplit, lstmForwardRows, lstmBackward, lstmBackwardBlocked, lstmBackwardSplit, lstmBackwardRows),
} satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;

export type MatmulVariant = 'tiled' | 'blocked';
export const MATMUL_VARIANTS: readonly MatmulVariant[] = ['tiled', 'blocked'];
