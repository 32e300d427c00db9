// The WebGPU backend: tensors in pooled f32 storage buffers, every op one or more WGSL dispatches
// recorded into one command encoder; work reaches the GPU only at flush() or a readback.
import { installOps } from '../core/op.js';
import { OPS, type OpMethods } from '../ops/index.js';
import type { GpuDevice, MatmulVariant } from '../core/device.js';
import type { AdapterSummary, Counters } from '../core/device.js';
import type { Backend } from '../ops/index.js';
import type { RecurrentConfig } from '../ops/recurrent/spec.js';
import {
  checkAllocation,
  checkData,
  checkOwned,
  counterChecks,
  expectArrayLike,
  viewAtChecks,
} from '../core/checks.js';
import {
  DeviceLostError,
  GpuValidationError,
  ShapeError,
  UnsupportedFeatureError,
  ValueError,
  describeShape,
} from '../core/errors.js';
import { checkShape, numel, type Shape } from '../core/shapes.js';
import { Tensor, type TensorStorage } from '../core/tensor.js';
import { KernelRegistry, type Compiled, type Constants } from './registry.js';
import { BufferPool } from './pool.js';
import { packParams, type KernelSpec } from '../core/kernel.js';
import type { AcquiredDevice } from './device.js';
import { GpuProfiler, type KernelTime } from './profiler.js';
import {
  RECURRENT_VARIANTS,
  SPLIT_WG,
  recurrentPlan,
  type RecurrentKernel,
  type RecurrentVariant,
} from '../ops/recurrent/webgpu.js';

export class GpuStorage implements TensorStorage {
  constructor(
    readonly buffer: GPUBuffer,
    readonly byteLength: number,
    private readonly onRelease: (b: GPUBuffer) => void,
    readonly byteOffset = 0,
  ) {}
  release(): void {
    this.onRelease(this.buffer);
  }
}

const GPU_LIMIT = "this adapter's maxStorageBufferBindingSize and maxBufferSize, 4 bytes an element";

export interface WebGpuBackendOptions {
  /** Matmul kernel; 'auto' picks 'blocked' on CPU-backed adapters and 'tiled' on real GPUs (measured, see bench/). */
  matmulVariant?: MatmulVariant | 'auto';
  /**
   * Recurrent step kernels; 'auto' picks 'blocked' on CPU-backed adapters (measured there) and, on GPUs,
   * 'split-subgroup' where the adapter has the `subgroups` feature, else 'split' (see README, "Recurrent kernel variants").
   */
  recurrentVariant?: RecurrentVariant | 'auto';
}

/** A recorded command waiting to be encoded: a dispatch (its pipeline compiled, or still compiling), or a copy or clear. */
type Recorded =
  | {
      spec: KernelSpec;
      constants: Constants;
      group: GPUBindGroup;
      groups: readonly [number, number?, number?];
      compiled?: Compiled;
      pending?: Promise<Compiled>;
    }
  | { command: (enc: GPUCommandEncoder) => void };

export interface WebGpuBackend extends OpMethods {}
export class WebGpuBackend implements Backend, GpuDevice {
  readonly kind = 'webgpu' as const;
  readonly adapter: AdapterSummary;
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  /** @internal Pipelines, uniforms and work counters (read them through counters()). */
  readonly registry: KernelRegistry;
  matmulVariant: MatmulVariant;
  private recurrent: RecurrentVariant = 'blocked';

  private readonly pool: BufferPool;
  private readonly stagingFree: GPUBuffer[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private encodedKernels = new Set<string>();
  /**
   * Commands recorded since a dispatch whose pipeline was still compiling, in order: replayed into the encoder
   * at the next flush (a readback first waits for the pipelines, so nothing compiles synchronously).
   */
  private waiting: Recorded[] | null = null;
  private pendingErrors: Array<Promise<string | null>> = [];
  private uncaptured: string[] = [];
  private lost: string | null = null;
  private readonly lostNotice: Promise<void>;
  private destroyed = false;
  /** Bound where a kernel's read-only input is unused (for example no bias). */
  readonly unusedRead: GPUBufferBinding;
  /** Bound where a kernel's writable output is unused (one buffer cannot be both in a dispatch). */
  readonly unusedWrite: GPUBufferBinding;
  private readonly subgroupMaxSize: number | undefined;
  private profiler: GpuProfiler | null = null;

  /** @internal Made by createContext(). */
  constructor(acquired: AcquiredDevice, options: WebGpuBackendOptions = {}) {
    this.device = acquired.device;
    this.adapter = acquired.summary;
    this.limits = acquired.device.limits;
    this.registry = new KernelRegistry(this.device);
    this.pool = new BufferPool(this.device, this.limits.maxBufferSize);
    const variant = options.matmulVariant ?? 'auto';
    this.matmulVariant = variant === 'auto' ? (this.adapter.software ? 'blocked' : 'tiled') : variant;
    this.subgroupMaxSize = acquired.subgroupMaxSize;
    this.recurrentVariant = options.recurrentVariant ?? 'auto';
    this.unusedRead = {
      buffer: this.device.createBuffer({ label: 'unused binding', size: 256, usage: GPUBufferUsage.STORAGE }),
    };
    this.unusedWrite = {
      buffer: this.device.createBuffer({ label: 'unused writable binding', size: 256, usage: GPUBufferUsage.STORAGE }),
    };
    this.lostNotice = this.device.lost.then((info) => {
      if (!this.destroyed) this.lost = `${info.reason}: ${info.message}`;
      else this.lost = 'destroyed';
    });
    this.device.addEventListener('uncapturederror', (ev) => {
      this.uncaptured.push((ev as GPUUncapturedErrorEvent).error.message);
    });
  }

  /** The recurrent step kernels in use (see WebGpuBackendOptions.recurrentVariant); settable, checked. */
  get recurrentVariant(): RecurrentVariant {
    return this.recurrent;
  }

  set recurrentVariant(variant: RecurrentVariant | 'auto') {
    if (variant !== 'auto' && !RECURRENT_VARIANTS.includes(variant)) {
      throw new ValueError(
        'recurrentVariant',
        `'auto', ${RECURRENT_VARIANTS.map((v) => `'${v}'`).join(', ')}`,
        JSON.stringify(variant),
      );
    }
    const subgroups = this.device.features.has('subgroups') && (this.subgroupMaxSize ?? 0) <= SPLIT_WG;
    if (variant === 'split-subgroup' && !subgroups) {
      throw new UnsupportedFeatureError(
        `recurrentVariant 'split-subgroup' needs the adapter's 'subgroups' feature with subgroups of at most ${SPLIT_WG} invocations ` +
          `(this adapter: ${this.device.features.has('subgroups') ? `subgroups up to ${this.subgroupMaxSize}` : 'no subgroups'}); use 'split' or 'blocked'`,
      );
    }
    this.recurrent =
      variant !== 'auto' ? variant : this.adapter.software ? 'blocked' : subgroups ? 'split-subgroup' : 'split';
  }

  /** Which kernel a recurrent layer of these sizes runs with the current variant, and on which path (benchmarks report it). */
  recurrentPlan(
    config: RecurrentConfig,
    dims: { B: number; D: 1 | 2; H: number },
  ): { variant: RecurrentVariant; persistent: boolean; kernel: RecurrentKernel } {
    return recurrentPlan(this, config, dims);
  }

  // ---- tensors --------------------------------------------------------------------------------

  get maxTensorElements(): number {
    return Math.floor(Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize) / 4);
  }

  private alive(): void {
    if (this.lost !== null || this.destroyed) {
      throw new DeviceLostError(
        `WebGPU device lost (${this.lost ?? 'destroyed'}): create a new context with createContext() and reload the weights (loadStateDict)`,
      );
    }
  }

  /** A tensor with uninitialised contents (for kernel outputs that write every element). */
  empty(shape: Shape, label = 'tensor'): Tensor<GpuStorage> {
    return this.allocate(shape, label, false);
  }

  /** A new tensor; `forUpload`: in a buffer that no recorded work can use (see BufferPool.acquire). */
  private allocate(shape: Shape, label: string, forUpload: boolean): Tensor<GpuStorage> {
    this.alive();
    checkShape('shape', shape);
    checkAllocation(
      label === 'tensor' ? 'shape' : `${label} shape`,
      numel(shape),
      this.maxTensorElements,
      GPU_LIMIT,
      `${describeShape(shape)} = ${numel(shape)}`,
    );
    const bytes = numel(shape) * 4;
    const buffer = this.pool.acquire(bytes, label, forUpload);
    return new Tensor(this, shape, new GpuStorage(buffer, bytes, (b) => this.pool.release(b)));
  }

  tensor(data: ArrayLike<number>, shape: Shape): Tensor {
    checkShape('shape', shape);
    checkData('data', data, numel(shape));
    // While work is recorded, a buffer it cannot use: the upload then needs no flush (one submit per step).
    const t = this.allocate(shape, 'tensor', this.recording);
    this.upload(t, data);
    return t;
  }

  /** Overwrites a tensor's contents from the host. Flushes recorded work first, which may still read it. */
  write(t: Tensor, data: ArrayLike<number>): void {
    this.alive(); // an upload to a destroyed device is dropped silently by WebGPU: refuse it as every other call
    checkOwned(this, 'tensor', t);
    checkData('data', data, t.size);
    if (this.recording) this.flush();
    this.upload(t, data);
  }

  private upload(t: Tensor, data: ArrayLike<number>): void {
    const s = t.storage as GpuStorage;
    this.device.queue.writeBuffer(s.buffer, s.byteOffset, Float32Array.from(data));
    this.registry.counters.uploads++;
  }

  writeCounter(t: Tensor, step: number): void {
    this.alive();
    counterChecks(this, t, step);
    if (this.recording) this.flush();
    const s = t.storage as GpuStorage;
    this.device.queue.writeBuffer(s.buffer, s.byteOffset, Uint32Array.of(step)); // the kernels read the bits as a u32
    this.registry.counters.uploads++;
  }

  zeros(shape: Shape): Tensor {
    const t = this.empty(shape);
    this.clear(t);
    return t;
  }

  clear(t: Tensor): void {
    const s = this.storage(t, 'tensor');
    this.encode((enc) => enc.clearBuffer(s.buffer, s.byteOffset, s.byteLength));
  }

  viewAt(base: Tensor, offset: number, shape: Shape): Tensor {
    const s = this.storage(base, 'base');
    const size = viewAtChecks(base, offset, shape);
    return new Tensor(
      this,
      shape,
      new GpuStorage(s.buffer, size * 4, () => {}, s.byteOffset + offset * 4),
      base.base ?? base,
    );
  }

  /** A tensor's GPU storage, after checking that this backend owns it. */
  storage(t: Tensor, argument: string): GpuStorage {
    this.alive();
    checkOwned(this, argument, t);
    return t.storage as GpuStorage;
  }

  async read(t: Tensor): Promise<Float64Array> {
    checkOwned(this, 'tensor', t);
    return (await this.readMany([t]))[0];
  }

  async readMany(ts: readonly Tensor[]): Promise<Float64Array[]> {
    this.alive();
    expectArrayLike('tensors', ts, 'a list of tensors');
    const storages = ts.map((t, i) => this.storage(t, `tensors[${i}]`));
    const offsets: number[] = [];
    let total = 0;
    for (const s of storages) {
      offsets.push(total);
      total += s.byteLength;
    }
    const staging = this.staging(total);
    storages.forEach((s, i) =>
      this.encode((enc) => enc.copyBufferToBuffer(s.buffer, s.byteOffset, staging, offsets[i], s.byteLength)),
    );
    await this.pipelinesReady();
    this.flush();
    this.registry.counters.readbacks++;
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, total);
    } catch (e) {
      // A lost device fails the map first and reports the loss a moment later: say which it was.
      await Promise.race([this.lostNotice, new Promise((resolve) => setTimeout(resolve, 1000))]);
      this.alive();
      throw e;
    }
    const all = new Float32Array(staging.getMappedRange(0, total).slice(0));
    staging.unmap();
    this.stagingFree.push(staging);
    await this.checkErrors();
    return ts.map((t, i) => Float64Array.from(all.subarray(offsets[i] / 4, offsets[i] / 4 + t.size)));
  }

  private staging(bytes: number): GPUBuffer {
    const i = this.stagingFree.findIndex((b) => b.size >= bytes);
    if (i >= 0) return this.stagingFree.splice(i, 1)[0];
    return this.device.createBuffer({
      label: 'readback staging',
      size: Math.max(256, Math.ceil(bytes / 256) * 256),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  // ---- recording and submitting -----------------------------------------------------------

  private ensureEncoder(): GPUCommandEncoder {
    this.alive();
    if (!this.encoder) this.encoder = this.device.createCommandEncoder({ label: 'webgpu-rnn step' });
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Work recorded and not yet submitted. */
  private get recording(): boolean {
    return this.encoder !== null || this.waiting !== null;
  }

  /** An encoder command outside compute passes (copy, clear): now, or after the dispatches waiting for pipelines. */
  private encode(command: (enc: GPUCommandEncoder) => void): void {
    if (this.waiting) {
      this.waiting.push({ command });
      return;
    }
    this.endPass();
    command(this.ensureEncoder());
  }

  private encodeDispatch(compiled: Compiled, group: GPUBindGroup, groups: readonly [number, number?, number?]): void {
    if (this.profiler?.full()) this.flush();
    if (!this.pass)
      this.pass = this.ensureEncoder().beginComputePass(
        this.profiler?.pass(compiled.label.split('|')[0]) ?? { label: 'webgpu-rnn compute' },
      );
    this.pass.setPipeline(compiled.pipeline);
    this.pass.setBindGroup(0, group);
    this.pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    if (this.profiler) this.endPass(); // profiling: one dispatch per pass, timestamps around it
  }

  /** Waits until every pipeline the waiting commands need is compiled. */
  private async pipelinesReady(): Promise<void> {
    for (const r of this.waiting ?? []) if ('pending' in r && r.compiled === undefined) r.compiled = await r.pending;
    // Commands recorded while this waited were awaited by the loop above (it reads the growing list).
  }

  /** The waiting commands into the encoder, in order; a pipeline still compiling is compiled now. */
  private replayWaiting(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = null;
    for (const r of waiting) {
      if ('command' in r) {
        this.endPass();
        r.command(this.ensureEncoder());
      } else {
        this.encodeDispatch(r.compiled ?? this.registry.pipeline(r.spec, r.constants), r.group, r.groups);
      }
    }
  }

  /**
   * @internal
   * Records one dispatch of `spec` (for the ops in ./ops): uniforms and buffers by the names the spec
   * declares. A buffer bound writable must not also be bound elsewhere in the same dispatch (WebGPU forbids the aliasing).
   */
  dispatch<P extends string, S extends string>(
    spec: KernelSpec<P, S>,
    constants: Constants,
    params: Readonly<Record<P, number>>,
    storage: Readonly<Record<S, GPUBufferBinding>>,
    groups: readonly [number, number?, number?],
  ): void {
    this.alive();
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    for (const g of groups) {
      if (g !== undefined && g > maxDim) {
        throw new ValueError(
          `${spec.name} dispatch`,
          `at most ${maxDim} workgroups per dimension (adapter limit)`,
          String(g),
        );
      }
    }
    const bindings = spec.storage.map(([name]) => {
      const b = storage[name];
      if (b === undefined) throw new ValueError(`${spec.name} bindings`, `a buffer for ${name}`, 'none');
      return b;
    });
    const signature = this.registry.signature(spec, constants);
    const uniform = this.registry.uniform(spec.name, packParams(spec, params));
    const key = bindings.map((b) => `${this.pool.id(b.buffer as GPUBuffer)}:${b.offset ?? 0}:${b.size ?? 0}`).join('/');
    const group = this.registry.bindGroup(signature, uniform.buffer, uniform.key, bindings, key);
    // Profiling times every dispatch as it is encoded: its pipelines are compiled at once.
    const compiled = this.profiler
      ? this.registry.pipeline(spec, constants, signature.label)
      : this.registry.pipelineSoon(spec, constants, signature.label);
    if (compiled instanceof Promise || this.waiting) {
      this.endPass();
      (this.waiting ??= []).push(
        compiled instanceof Promise
          ? { spec, constants, group, groups, pending: compiled }
          : { spec, constants, group, groups, compiled },
      );
    } else {
      this.encodeDispatch(compiled, group, groups);
    }
    this.encodedKernels.add(signature.label);
    this.registry.counters.dispatches++;
  }

  /** A 1-D grid of n invocations, folded into 2-D past the per-dimension workgroup limit. */
  grid1d(n: number, wg: number): { groups: [number, number]; rowStride: number } {
    const total = Math.max(1, Math.ceil(n / wg));
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    const gx = Math.min(total, maxDim);
    return { groups: [gx, Math.ceil(total / gx)], rowStride: gx * wg };
  }

  flush(): void {
    this.replayWaiting();
    this.endPass();
    if (!this.encoder) return;
    const kernels = [...this.encodedKernels].join(', ');
    const afterSubmit = this.profiler?.resolve(this.encoder);
    this.device.pushErrorScope('validation');
    const commands = this.encoder.finish();
    this.device.queue.submit([commands]);
    this.pool.submitted();
    afterSubmit?.();
    this.pendingErrors.push(
      this.device.popErrorScope().then((e) => (e ? `${e.message} (kernels in this submit: ${kernels})` : null)),
    );
    this.encoder = null;
    this.encodedKernels = new Set();
    this.registry.counters.submits++;
  }

  /**
   * Profiling mode (needs the `timestamp-query` feature): from here until stopProfiling, every dispatch
   * runs in a compute pass of its own with GPU timestamps around it. Slower: not for timing whole steps.
   */
  startProfiling(): void {
    if (!this.device.features.has('timestamp-query')) {
      throw new UnsupportedFeatureError(
        "profiling needs the adapter's 'timestamp-query' feature, which this adapter does not offer",
      );
    }
    if (this.profiler) throw new ValueError('startProfiling', 'profiling not already running', 'a second start');
    this.flush();
    this.profiler = new GpuProfiler(this.device);
  }

  /** Ends profiling mode: GPU milliseconds and dispatches per kernel since startProfiling, most expensive first. */
  async stopProfiling(): Promise<KernelTime[]> {
    const profiler = this.profiler;
    if (!profiler)
      throw new ValueError('stopProfiling', 'a profiling run started with startProfiling()', 'none running');
    this.flush();
    this.profiler = null;
    try {
      await this.checkErrors();
      return await profiler.results();
    } finally {
      profiler.destroy();
    }
  }

  /** Waits for submitted work and raises the first GPU validation error it caused. */
  async sync(): Promise<void> {
    await this.pipelinesReady();
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
  }

  private async checkErrors(): Promise<void> {
    const results = await Promise.all([...this.registry.pendingErrors.splice(0), ...this.pendingErrors.splice(0)]);
    const errors = [...results.filter((e): e is string => e !== null), ...this.uncaptured.splice(0)];
    if (errors.length > 0) throw new GpuValidationError(`WebGPU validation error: ${errors.join('; ')}`);
    this.alive();
  }

  // ---- for the ops in ./ops ----------------------------------------------------------------------

  /** A tensor bound to a kernel; `argument` names it in errors. */
  binding(t: Tensor, argument: string): GPUBufferBinding {
    const s = this.storage(t, argument);
    const align = this.limits.minStorageBufferOffsetAlignment;
    if (s.byteOffset % align !== 0) {
      throw new ValueError(
        argument,
        `a view starting at a multiple of ${align / 4} elements to be bound in a kernel`,
        `element offset ${s.byteOffset / 4}`,
      );
    }
    return { buffer: s.buffer, offset: s.byteOffset, size: s.byteLength };
  }

  /** Refuses a written tensor that shares a buffer with one of the inputs. */
  checkNoAlias(written: Tensor, writtenName: string, inputs: Record<string, Tensor | undefined>): void {
    for (const [name, t] of Object.entries(inputs)) {
      if (t && (t.storage as GpuStorage).buffer === (written.storage as GpuStorage).buffer) {
        throw new ValueError(
          writtenName,
          `a tensor in another buffer than ${name} (WebGPU forbids reading and writing one buffer in a dispatch)`,
          'views of the same buffer',
        );
      }
    }
  }

  copy(src: Tensor, dst: Tensor, dstOffset: number): void {
    const from = this.storage(src, 'src');
    const to = this.storage(dst, 'dst');
    if (!Number.isInteger(dstOffset) || dstOffset < 0 || dstOffset + src.size > dst.size) {
      throw new ShapeError('dst', `room for ${src.size} values at element ${dstOffset}`, `${dst.size} elements`);
    }
    this.encode((enc) =>
      enc.copyBufferToBuffer(from.buffer, from.byteOffset, to.buffer, to.byteOffset + dstOffset * 4, from.byteLength),
    );
  }

  // ---- bookkeeping ----------------------------------------------------------------------------

  counters(): Counters {
    return { ...this.registry.counters };
  }

  resetCounters(): void {
    const c = this.registry.counters;
    c.dispatches = c.submits = c.readbacks = c.uploads = c.pipelinesCreated = 0;
  }

  liveTensors(): number {
    return this.pool.inUse;
  }

  /** GPU buffers created by the pool so far and their bytes (growth, not reuse). */
  poolStats(): { created: number; inUse: number; bytes: number } {
    return { created: this.pool.created, inUse: this.pool.inUse, bytes: this.pool.bytesAllocated };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.encoder = null;
    this.pass = null;
    this.waiting = null;
    this.pool.destroyAll();
    this.registry.destroy();
    for (const b of this.stagingFree) b.destroy();
    (this.unusedRead.buffer as GPUBuffer).destroy();
    (this.unusedWrite.buffer as GPUBuffer).destroy();
    this.device.destroy();
  }
}

installOps(WebGpuBackend.prototype, OPS, 'webgpu');
