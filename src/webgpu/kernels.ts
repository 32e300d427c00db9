// Every WGSL kernel: its source (snippets prepended, no other templating) and its bindings.
// Binding 0 is always the kernel's uniform Params; storage bindings follow in order.
import activationFns from '../../shaders/activation_fns.wgsl?raw';
import activation from '../../shaders/activation.wgsl?raw';
import activationBackward from '../../shaders/activation_backward.wgsl?raw';
import matmulCommon from '../../shaders/matmul_common.wgsl?raw';
import matmulTiled from '../../shaders/matmul_tiled.wgsl?raw';
import matmulBlocked from '../../shaders/matmul_blocked.wgsl?raw';
import sumAxis from '../../shaders/sum_axis.wgsl?raw';
import sumSquares from '../../shaders/sum_squares.wgsl?raw';

export type StorageAccess = 'read' | 'rw';

export interface KernelSpec {
  code: string;
  /** Storage bindings 1..n after the uniform at binding 0. */
  storage: readonly StorageAccess[];
}

const matmulStorage: StorageAccess[] = ['read', 'read', 'read', 'rw'];

export const KERNELS = {
  activation: { code: activationFns + activation, storage: ['read', 'rw'] },
  activation_backward: { code: activationFns + activationBackward, storage: ['read', 'read', 'read', 'rw'] },
  matmul_tiled: { code: activationFns + matmulCommon + matmulTiled, storage: matmulStorage },
  matmul_blocked: { code: activationFns + matmulCommon + matmulBlocked, storage: matmulStorage },
  sum_axis: { code: sumAxis, storage: ['read', 'rw'] },
  sum_squares: { code: sumSquares, storage: ['read', 'rw'] },
} satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;

export type MatmulVariant = 'tiled' | 'blocked';
export const MATMUL_VARIANTS: readonly MatmulVariant[] = ['tiled', 'blocked'];
