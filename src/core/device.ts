// What an op needs from a backend, and nothing more. Ops (src/ops/<op>/) are written against these
// interfaces and import only core, so the backends can build their method tables from the ops'
// registry (src/ops/index.ts) without an import circle.
import type { Shape } from './shapes.js';
import type { Tensor } from './tensor.js';
import type { Constants, KernelSpec } from './kernel.js';

export type BackendKind = 'webgpu' | 'cpu';

/** Work counters: what a step really cost. */
export interface Counters {
  dispatches: number;
  submits: number;
  readbacks: number;
  uploads: number;
  pipelinesCreated: number;
}

export interface AdapterSummary {
  backend: BackendKind;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU-backed adapters (lavapipe, SwiftShader) and the CPU backend. */
  software: boolean;
}

/** Tensors and their lifetime, recording and bookkeeping: what every backend has besides its ops. */
export interface DeviceBase {
  readonly kind: BackendKind;
  readonly adapter: AdapterSummary;
  /** The most elements one tensor can hold here; larger requests get a ShapeError naming this limit. */
  readonly maxTensorElements: number;

  tensor(data: ArrayLike<number>, shape: Shape): Tensor;
  zeros(shape: Shape): Tensor;
  /** A tensor whose contents are undefined until written (kernel outputs that write every element). */
  empty(shape: Shape): Tensor;
  /** Overwrites a tensor's contents from the host. */
  write(t: Tensor, data: ArrayLike<number>): void;
  /** Sets a step counter of dropout or sampling (a [1] tensor) to `step`, a u32 as the kernels read it. */
  writeCounter(t: Tensor, step: number): void;
  /** A view of `size(shape)` elements of `base` from element `offset` (a kernel can bind it on the GPU when offset is a multiple of 64). */
  viewAt(base: Tensor, offset: number, shape: Shape): Tensor;
  /** Sets every element to 0 (recorded in order with the other work). */
  clear(t: Tensor): void;
  /** Copies a tensor back to the host (one readback on the GPU). */
  read(t: Tensor): Promise<Float64Array>;
  /** Several tensors in one readback. */
  readMany(ts: readonly Tensor[]): Promise<Float64Array[]>;
  /** Copies all of src into dst from element dstOffset (recorded in order; no dispatch). */
  copy(src: Tensor, dst: Tensor, dstOffset: number): void;

  /** Sends recorded work to the GPU (a no-op on the CPU). */
  flush(): void;
  counters(): Counters;
  resetCounters(): void;
  /** Tensors currently alive (allocated and not released). */
  liveTensors(): number;
  /** Frees every GPU object; the context is unusable afterwards. */
  destroy(): void;
}

/** The CPU reference backend as its ops see it: f64 arrays. */
export interface CpuDevice extends DeviceBase {
  readonly kind: 'cpu';
  /** A tensor's f64 elements (live, owned by this backend: checked, naming `argument`). */
  data(t: Tensor, argument: string): Float64Array;
  /** @internal A new tensor holding `data`. */
  wrap(data: Float64Array, shape: Shape): Tensor;
}

/** Where a tensor lives on the GPU: a range of a pooled buffer. */
export interface GpuBufferRange {
  readonly buffer: GPUBuffer;
  readonly byteOffset: number;
  readonly byteLength: number;
}

/** The matmul kernels: 'tiled' (workgroup tiles, for GPUs) or 'blocked' (register blocks, for CPU-backed adapters). */
export type MatmulVariant = 'tiled' | 'blocked';

/**
 * Recurrent step kernel variants: 'blocked' (register blocks, each invocation loops over all H inputs:
 * shaped for CPU-backed adapters), 'split' (each dot product split across a workgroup, tree reduction)
 * and 'split-subgroup' (the same with subgroupAdd). The split variants run their persistent path on the
 * GPU-shaped one-workgroup kernel (`rows`). See WebGpuBackendOptions.recurrentVariant.
 */
export type RecurrentVariant = 'blocked' | 'split' | 'split-subgroup';

/** The WebGPU backend as its ops see it: allocation, bindings and dispatch. */
export interface GpuDevice extends DeviceBase {
  readonly kind: 'webgpu';
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  /** The matmul kernel every product on this device runs with. */
  readonly matmulVariant: MatmulVariant;
  /** The recurrent step kernels every recurrent layer on this device runs with. */
  readonly recurrentVariant: RecurrentVariant;
  /** @internal Bound where a kernel's read-only input is unused (for example no bias). */
  readonly unusedRead: GPUBufferBinding;
  /** @internal Bound where a kernel's writable output is unused (one buffer cannot be both in a dispatch). */
  readonly unusedWrite: GPUBufferBinding;
  /** @internal A tensor with uninitialised contents, its GPU objects labelled. */
  empty(shape: Shape, label?: string): Tensor;
  /** @internal A tensor's buffer range, after checking that this backend owns it. */
  storage(t: Tensor, argument: string): GpuBufferRange;
  /** @internal A tensor bound to a kernel; `argument` names it in errors. */
  binding(t: Tensor, argument: string): GPUBufferBinding;
  /** @internal Refuses a written tensor that shares a buffer with one of the inputs. */
  checkNoAlias(written: Tensor, writtenName: string, inputs: Record<string, Tensor | undefined>): void;
  /** @internal A 1-D grid of n invocations, folded into 2-D past the per-dimension workgroup limit. */
  grid1d(n: number, wg: number): { groups: [number, number]; rowStride: number };
  /**
   * @internal Records one dispatch of `spec`: uniforms and buffers by the names the spec declares. A buffer
   * bound writable must not also be bound elsewhere in the same dispatch (WebGPU forbids the aliasing).
   */
  dispatch<P extends string, S extends string>(
    spec: KernelSpec<P, S>,
    constants: Constants,
    params: Readonly<Record<P, number>>,
    storage: Readonly<Record<S, GPUBufferBinding>>,
    groups: readonly [number, number?, number?],
  ): void;
}
