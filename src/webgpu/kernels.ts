// Every kernel the WebGPU backend dispatches, collected from the op families in ./ops (each declares its
// own, beside its host code); test/kernel_specs.test.ts checks each declaration against its WGSL.
import type { KernelSpec } from '../core/kernel.js';
import { KERNELS as OP_KERNELS } from '../ops/index.js';

export const KERNELS: readonly KernelSpec[] = [...OP_KERNELS];
