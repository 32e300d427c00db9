// The WebGPU backend: tensors in pooled f32 storage buffers, every op one or more WGSL dispatches
// recorded into one command encoder; work reaches the GPU only at flush() or a readback.
import type {
  AdamHyper,
  AdapterSummary,
  Backend,
  Counters,
  GemmArgs,
  LossResult,
  MatmulOptions,
  RecurrentWeights,
  Reduction,
  RecurrentLayerCache,
  RecurrentConfig,
  LayerStates,
  FinalStates,
  SgdHyper,
  SumAxisOptions,
} from '../backend.js';
import { ACTIVATION_IDS, toActivation, type ActivationLike } from '../activation.js';
import { checkData, checkOwned, checkSameShape, gemmDims, lossChecks, matmulDims, clipValueCheck, gradNormChecks, mergeChecks, segmentChecks, transposeDims, optimizerChecks, recurrentChecks, gatesOf, sumAxisDims, viewAtChecks, type RnnLayerDims } from '../checks.js';
import { expectShape } from '../shapes.js';
import { MERGE_IDS } from '../cpu/bidir_merge.js';
import { DeviceLostError, GpuValidationError, ShapeError, UnsupportedFeatureError, ValueError, describeShape } from '../errors.js';
import { checkShape, numel, type Shape } from '../shapes.js';
import { Tensor, type TensorStorage } from '../tensor.js';
import { KernelRegistry, type Constants } from './registry.js';
import { BufferPool } from './pool.js';
import { RECURRENT_VARIANTS, type KernelName, type MatmulVariant, type RecurrentKernel, type RecurrentVariant } from './kernels.js';
import { releaseNodeGpu, type AcquiredDevice } from './device.js';
import type { MatmulDims } from '../cpu/matmul.js';

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

/** A field of a kernel's uniform Params struct, in declaration order. */
type Field = ['u32' | 'f32', number];

function packParams(fields: readonly Field[]): ArrayBuffer {
  const bytes = Math.ceil((fields.length * 4) / 16) * 16;
  const buf = new ArrayBuffer(bytes);
  const view = new DataView(buf);
  fields.forEach(([type, v], i) => (type === 'u32' ? view.setUint32(i * 4, v, true) : view.setFloat32(i * 4, v, true)));
  return buf;
}

const ELEMENTWISE_WG = 256;
const BLOCKED_WG = 8; // matmul_blocked: 8×8 invocations, 8×4 outputs each
const REDUCE_WG = 256;
const REDUCE_MAX_GROUPS = 64;
const ROW_WG = 64; // cross_entropy: one invocation per row
const RNN_STEP_WG = 64;
const RNN_SEQUENCE_WG = 256;
const SPLIT_WG = 64; // split kernels: invocations sharing each dot product (a power of two ≥ any subgroup)
const SPLIT_MAX_OUT = 16; // outputs per split tile (MAX_OUT in recurrent_split_*.wgsl)
const ROWS_MAX_WG = 1024; // the GPU-shaped persistent kernel: one invocation per output row, up to this many
// The persistent (one-workgroup) time loop saves a dispatch per step but runs on one workgroup: it wins
// while a step's recurrent work D·B·G·H² (multiply-adds) stays small. The threshold is per adapter class.
// Software (lavapipe, one workgroup = one core), measured with the register-blocked kernels (T = 64,
// forward + backward, persistent vs per-step, ms): LSTM B=8 H=32 (32K MACs/step) 6.8 vs 11.7; RNN B=8
// H=64 (32K) 5.3 vs 10.4; LSTM B=16 H=32 (65K) 12.3 vs 14.6; LSTM B=4 H=64 (65K) 12.0 vs 9.8; LSTM
// B=1 H=128 (65K, T=256) 127 vs 83.
// GPU: a first guess, to be measured (scripts/gpu-probe.sh). On an H100 a dependent dispatch costs
// ~4.5 µs and one workgroup steps a coalesced 512×128 matvec (65K MACs) in ~3 µs, so the persistent
// kernel should win up to about twice that work.
const PERSISTENT_MAX_WORK = { software: 32768, gpu: 131072 } as const;

export interface WebGpuBackendOptions {
  /** Matmul kernel; 'auto' picks 'blocked' on CPU-backed adapters and 'tiled' on real GPUs (measured, see bench/). */
  matmulVariant?: MatmulVariant | 'auto';
  /**
   * Recurrent step kernels; 'auto' picks 'blocked' on CPU-backed adapters (measured there) and, on GPUs,
   * 'split-subgroup' where the adapter has the `subgroups` feature, else 'split' (see README, "Kernel variants").
   */
  recurrentVariant?: RecurrentVariant | 'auto';
}

export class WebGpuBackend implements Backend {
  readonly kind = 'webgpu' as const;
  readonly adapter: AdapterSummary;
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  readonly registry: KernelRegistry;
  matmulVariant: MatmulVariant;
  private recurrent: RecurrentVariant = 'blocked';

  private readonly pool: BufferPool;
  private readonly stagingFree: GPUBuffer[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private encodedKernels = new Set<string>();
  private pendingErrors: Array<Promise<string | null>> = [];
  private uncaptured: string[] = [];
  private lost: string | null = null;
  private readonly lostNotice: Promise<void>;
  private destroyed = false;
  private readonly dummy: GPUBuffer; // for unused read-only bindings
  private readonly dummyOut: GPUBuffer; // for unused writable bindings (one buffer cannot be both in a dispatch)
  private readonly fromNode: boolean;
  private readonly subgroupMaxSize: number | undefined;

  constructor(acquired: AcquiredDevice & { fromNode: boolean }, options: WebGpuBackendOptions = {}) {
    this.device = acquired.device;
    this.adapter = acquired.summary;
    this.limits = acquired.device.limits;
    this.fromNode = acquired.fromNode;
    this.registry = new KernelRegistry(this.device);
    this.pool = new BufferPool(this.device, this.limits.maxBufferSize);
    const variant = options.matmulVariant ?? 'auto';
    this.matmulVariant = variant === 'auto' ? (this.adapter.software ? 'blocked' : 'tiled') : variant;
    this.subgroupMaxSize = acquired.subgroupMaxSize;
    this.recurrentVariant = options.recurrentVariant ?? 'auto';
    this.dummy = this.device.createBuffer({ label: 'unused binding', size: 256, usage: GPUBufferUsage.STORAGE });
    this.dummyOut = this.device.createBuffer({ label: 'unused writable binding', size: 256, usage: GPUBufferUsage.STORAGE });
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
      throw new ValueError('recurrentVariant', `'auto', ${RECURRENT_VARIANTS.map((v) => `'${v}'`).join(', ')}`, JSON.stringify(variant));
    }
    const subgroups = this.device.features.has('subgroups') && (this.subgroupMaxSize ?? 0) <= SPLIT_WG;
    if (variant === 'split-subgroup' && !subgroups) {
      throw new UnsupportedFeatureError(
        `recurrentVariant 'split-subgroup' needs the adapter's 'subgroups' feature with subgroups of at most ${SPLIT_WG} invocations ` +
          `(this adapter: ${this.device.features.has('subgroups') ? `subgroups up to ${this.subgroupMaxSize}` : 'no subgroups'}); use 'split' or 'blocked'`,
      );
    }
    this.recurrent = variant !== 'auto' ? variant : this.adapter.software ? 'blocked' : subgroups ? 'split-subgroup' : 'split';
  }

  // ---- tensors --------------------------------------------------------------------------------

  private alive(): void {
    if (this.lost !== null || this.destroyed) {
      throw new DeviceLostError(
        `WebGPU device lost (${this.lost ?? 'destroyed'}): create a new context with createContext() and reload the weights (loadStateDict)`,
      );
    }
  }

  /** A tensor with uninitialised contents (for kernel outputs that write every element). */
  empty(shape: Shape, label = 'tensor'): Tensor<GpuStorage> {
    this.alive();
    checkShape('shape', shape);
    const bytes = numel(shape) * 4;
    const max = Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize);
    if (bytes > max) {
      throw new ShapeError('shape', `at most ${max / 4} elements (this adapter's maxStorageBufferBindingSize)`, `${describeShape(shape)} = ${bytes / 4}`);
    }
    const buffer = this.pool.acquire(bytes, label);
    return new Tensor(this, shape, new GpuStorage(buffer, bytes, (b) => this.pool.release(b)));
  }

  tensor(data: ArrayLike<number>, shape: Shape): Tensor {
    checkShape('shape', shape);
    checkData('data', data, numel(shape));
    const t = this.empty(shape);
    this.write(t, data);
    return t;
  }

  /** Overwrites a tensor's contents from the host. Flushes recorded work first, which may still read it. */
  write(t: Tensor, data: ArrayLike<number>): void {
    checkOwned(this, 'tensor', t);
    checkData('data', data, t.size);
    if (this.encoder) this.flush();
    const s = t.storage as GpuStorage;
    this.device.queue.writeBuffer(s.buffer, s.byteOffset, Float32Array.from(data));
    this.registry.counters.uploads++;
  }

  zeros(shape: Shape): Tensor {
    const t = this.empty(shape);
    this.clear(t);
    return t;
  }

  clear(t: Tensor): void {
    const s = this.storage(t, 'tensor');
    this.endPass();
    this.ensureEncoder().clearBuffer(s.buffer, s.byteOffset, s.byteLength);
  }

  viewAt(base: Tensor, offset: number, shape: Shape): Tensor {
    const s = this.storage(base, 'base');
    const size = viewAtChecks(base, offset, shape);
    return new Tensor(this, shape, new GpuStorage(s.buffer, size * 4, () => {}, s.byteOffset + offset * 4), true);
  }

  private storage(t: Tensor, argument: string): GpuStorage {
    checkOwned(this, argument, t);
    return t.storage as GpuStorage;
  }

  async read(t: Tensor): Promise<Float64Array> {
    return (await this.readMany([t]))[0];
  }

  async readMany(ts: readonly Tensor[]): Promise<Float64Array[]> {
    this.alive();
    const storages = ts.map((t, i) => this.storage(t, `tensors[${i}]`));
    const offsets: number[] = [];
    let total = 0;
    for (const s of storages) {
      offsets.push(total);
      total += s.byteLength;
    }
    const staging = this.staging(total);
    this.endPass();
    const enc = this.ensureEncoder();
    storages.forEach((s, i) => enc.copyBufferToBuffer(s.buffer, s.byteOffset, staging, offsets[i], s.byteLength));
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

  /**
   * Records one dispatch. `storage` follows the kernel's binding order; a buffer bound writable
   * must not also be bound elsewhere in the same dispatch (WebGPU forbids the aliasing).
   */
  dispatch(name: KernelName, constants: Constants, params: readonly Field[], storage: readonly GPUBufferBinding[], groups: readonly [number, number?, number?]): void {
    this.alive();
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    for (const g of groups) {
      if (g !== undefined && g > maxDim) {
        throw new ValueError(`${name} dispatch`, `at most ${maxDim} workgroups per dimension (adapter limit)`, String(g));
      }
    }
    const compiled = this.registry.pipeline(name, constants);
    const uniform = this.registry.uniform(name, packParams(params));
    const key = storage.map((b) => `${this.pool.id(b.buffer as GPUBuffer)}:${b.offset ?? 0}:${b.size ?? 0}`).join('/');
    const group = this.registry.bindGroup(compiled, uniform.buffer, uniform.key, storage, key);
    if (!this.pass) this.pass = this.ensureEncoder().beginComputePass({ label: 'webgpu-rnn compute' });
    this.pass.setPipeline(compiled.pipeline);
    this.pass.setBindGroup(0, group);
    this.pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    this.encodedKernels.add(compiled.label);
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
    this.endPass();
    if (!this.encoder) return;
    const kernels = [...this.encodedKernels].join(', ');
    this.device.pushErrorScope('validation');
    const commands = this.encoder.finish();
    this.device.queue.submit([commands]);
    this.pendingErrors.push(this.device.popErrorScope().then((e) => (e ? `${e.message} (kernels in this submit: ${kernels})` : null)));
    this.encoder = null;
    this.encodedKernels = new Set();
    this.registry.counters.submits++;
  }

  /** Waits for submitted work and raises the first GPU validation error it caused. */
  async sync(): Promise<void> {
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

  // ---- ops ------------------------------------------------------------------------------------

  private binding(t: Tensor, argument: string): GPUBufferBinding {
    const s = this.storage(t, argument);
    const align = this.limits.minStorageBufferOffsetAlignment;
    if (s.byteOffset % align !== 0) {
      throw new ValueError(argument, `a view starting at a multiple of ${align / 4} elements to be bound in a kernel`, `element offset ${s.byteOffset / 4}`);
    }
    return { buffer: s.buffer, offset: s.byteOffset, size: s.byteLength };
  }

  private checkNoAlias(written: Tensor, writtenName: string, inputs: Record<string, Tensor | undefined>): void {
    for (const [name, t] of Object.entries(inputs)) {
      if (t && (t.storage as GpuStorage).buffer === (written.storage as GpuStorage).buffer) {
        throw new ValueError(writtenName, `a tensor in another buffer than ${name} (WebGPU forbids reading and writing one buffer in a dispatch)`, 'views of the same buffer');
      }
    }
  }

  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    const d = matmulDims(a, b, options);
    const out = options.out ?? this.empty([d.M, d.N], 'matmul out');
    this.runGemm(d, a, b, out, options);
    return out;
  }

  gemm(args: GemmArgs): void {
    this.runGemm(gemmDims(args), args.a, args.b, args.out, args);
  }

  private runGemm(d: MatmulDims, a: Tensor, b: Tensor, out: Tensor, o: Pick<GemmArgs, 'alpha' | 'beta' | 'bias' | 'activation'>): void {
    const act = toActivation('activation', o.activation ?? 'identity');
    this.storage(out, 'out');
    this.checkNoAlias(out, 'out', { a, b, bias: o.bias });
    const variant = this.matmulVariant;
    const groups: [number, number] =
      variant === 'tiled'
        ? [Math.ceil(d.N / 64), Math.ceil(d.M / 64)]
        : [Math.ceil(d.N / (4 * BLOCKED_WG)), Math.ceil(d.M / (8 * BLOCKED_WG))];
    this.dispatch(
      `matmul_${variant}`,
      { TRANS_A: d.transA, TRANS_B: d.transB, HAS_BIAS: !!o.bias, ACT: ACTIVATION_IDS[act.name] },
      [
        ['u32', d.M],
        ['u32', d.N],
        ['u32', d.K],
        ['f32', o.alpha ?? 1],
        ['f32', o.beta ?? 0],
        ['f32', act.param],
        ['u32', d.lda],
        ['u32', d.ldb],
        ['u32', d.ldc],
        ['u32', d.offA],
        ['u32', d.offB],
        ['u32', d.offC],
      ],
      [this.binding(a, 'a'), this.binding(b, 'b'), o.bias ? this.binding(o.bias, 'bias') : { buffer: this.dummy }, this.binding(out, 'out')],
      groups,
    );
  }

  activation(a: Tensor, activation: ActivationLike): Tensor {
    const act = toActivation('activation', activation);
    this.storage(a, 'a');
    const h = this.empty(a.shape, 'activation out');
    const { groups, rowStride } = this.grid1d(a.size, ELEMENTWISE_WG);
    this.dispatch(
      'activation',
      { ACT: ACTIVATION_IDS[act.name], WG: ELEMENTWISE_WG },
      [['u32', a.size], ['u32', rowStride], ['f32', act.param]],
      [this.binding(a, 'a'), this.binding(h, 'h')],
      groups,
    );
    return h;
  }

  activationBackward(a: Tensor, h: Tensor, dh: Tensor, activation: ActivationLike): Tensor {
    const act = toActivation('activation', activation);
    checkSameShape('h', h, a, 'a');
    checkSameShape('dh', dh, a, 'a');
    const da = this.empty(a.shape, 'activation grad');
    const { groups, rowStride } = this.grid1d(a.size, ELEMENTWISE_WG);
    this.dispatch(
      'activation_backward',
      { ACT: ACTIVATION_IDS[act.name], WG: ELEMENTWISE_WG },
      [['u32', a.size], ['u32', rowStride], ['f32', act.param]],
      [this.binding(a, 'a'), this.binding(h, 'h'), this.binding(dh, 'dh'), this.binding(da, 'da')],
      groups,
    );
    return da;
  }

  sumAxis(x: Tensor, axis: 0 | 1, options: SumAxisOptions = {}): Tensor {
    const beta = options.beta ?? 0;
    const { R, C, outLen } = sumAxisDims(x, axis, options.out, beta);
    const out = options.out ?? this.empty([outLen], 'sum out');
    this.storage(out, 'out');
    this.checkNoAlias(out, 'out', { x });
    const { groups, rowStride } = this.grid1d(outLen, ELEMENTWISE_WG);
    this.dispatch(
      'sum_axis',
      { AXIS: axis, WG: ELEMENTWISE_WG, SQUARE: options.square ?? false },
      [['u32', R], ['u32', C], ['u32', rowStride], ['f32', beta]],
      [this.binding(x, 'x'), this.binding(out, 'out')],
      groups,
    );
    return out;
  }

  sumSquares(ts: readonly Tensor[]): Tensor {
    return this.reduce(ts, true, 1, 'sum_squares');
  }

  sum(x: Tensor, scale = 1): Tensor {
    return this.reduce([x], false, scale, 'sum');
  }

  /** scale · Σ over tensors of x (or x²): stage 1 writes each tensor's partials side by side, stage 2 sums them. */
  private reduce(ts: readonly Tensor[], square: boolean, scale: number, label: string): Tensor {
    if (ts.length === 0) throw new ValueError('tensors', 'at least one tensor', 'an empty list');
    const plan = ts.map((t, i) => {
      this.storage(t, `tensors[${i}]`);
      return { t, ...reducePlan(t.size) };
    });
    const totalPartials = plan.reduce((s, p) => s + p.groups, 0);
    const partials = this.empty([totalPartials], `${label} partials`);
    let offset = 0;
    for (const p of plan) {
      this.dispatch(
        'sum_reduce',
        { SQUARE: square },
        [['u32', p.t.size], ['u32', p.chunk], ['u32', offset], ['f32', 1]],
        [this.binding(p.t, 'tensor'), this.binding(partials, 'partials')],
        [p.groups],
      );
      offset += p.groups;
    }
    const out = this.empty([1], `${label} total`);
    this.dispatch(
      'sum_reduce',
      { SQUARE: false },
      [['u32', totalPartials], ['u32', totalPartials], ['u32', 0], ['f32', scale]],
      [this.binding(partials, 'partials'), this.binding(out, 'out')],
      [1],
    );
    partials.release(); // later commands in this encoder may reuse it; they run after these
    return out;
  }

  mse(y: Tensor, target: Tensor, reduction: Reduction): LossResult {
    lossChecks('mse', y, target, reduction);
    const scale = reduction === 'mean' ? 1 / y.size : 1;
    const grad = this.empty(y.shape, 'mse grad');
    const sq = this.empty(y.shape, 'mse squares');
    const { groups, rowStride } = this.grid1d(y.size, ELEMENTWISE_WG);
    this.dispatch(
      'mse',
      { WG: ELEMENTWISE_WG },
      [['u32', y.size], ['u32', rowStride], ['f32', scale]],
      [this.binding(y, 'y'), this.binding(target, 'target'), this.binding(grad, 'grad'), this.binding(sq, 'sq')],
      groups,
    );
    const loss = this.sum(sq, scale);
    sq.release();
    return { loss, grad };
  }

  crossEntropy(logits: Tensor, targets: Tensor, reduction: Reduction): LossResult {
    const { B, C } = lossChecks('crossEntropy', logits, targets, reduction);
    const scale = reduction === 'mean' ? 1 / B : 1;
    const grad = this.empty(logits.shape, 'cross_entropy grad');
    const rowLoss = this.empty([B], 'cross_entropy row loss');
    const { groups, rowStride } = this.grid1d(B, ROW_WG);
    this.dispatch(
      'cross_entropy',
      { WG: ROW_WG },
      [['u32', B], ['u32', C], ['u32', rowStride], ['f32', scale]],
      [this.binding(logits, 'logits'), this.binding(targets, 'targets'), this.binding(grad, 'grad'), this.binding(rowLoss, 'rowLoss')],
      groups,
    );
    const loss = this.sum(rowLoss, scale);
    rowLoss.release();
    return { loss, grad };
  }

  sgdStep(param: Tensor, grad: Tensor, momentumBuf: Tensor, gscale: Tensor, step: Tensor, h: SgdHyper): void {
    optimizerChecks(param, grad, [momentumBuf], gscale, step);
    const { groups, rowStride } = this.grid1d(param.size, ELEMENTWISE_WG);
    this.dispatch(
      'sgd',
      { WG: ELEMENTWISE_WG },
      [['u32', param.size], ['u32', rowStride], ['f32', h.lr], ['f32', h.momentum], ['f32', h.dampening], ['f32', h.weightDecay], ['u32', h.nesterov ? 1 : 0]],
      [this.binding(param, 'param'), this.binding(grad, 'grad'), this.binding(momentumBuf, 'momentumBuf'), this.binding(gscale, 'gscale'), this.binding(step, 'step')],
      groups,
    );
  }

  adamStep(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, gscale: Tensor, step: Tensor, h: AdamHyper): void {
    optimizerChecks(param, grad, [m, v], gscale, step);
    const { groups, rowStride } = this.grid1d(param.size, ELEMENTWISE_WG);
    this.dispatch(
      'adam',
      { WG: ELEMENTWISE_WG },
      [['u32', param.size], ['u32', rowStride], ['f32', h.lr], ['f32', h.beta1], ['f32', h.beta2], ['f32', h.eps], ['f32', h.weightDecay], ['u32', h.decoupled ? 1 : 0]],
      [this.binding(param, 'param'), this.binding(grad, 'grad'), this.binding(m, 'm'), this.binding(v, 'v'), this.binding(gscale, 'gscale'), this.binding(step, 'step')],
      groups,
    );
  }

  advanceStep(step: Tensor, gscale: Tensor): void {
    expectShape('gscale', gscale.shape, [4]);
    this.dispatch('step_advance', {}, [], [this.binding(step, 'step'), this.binding(gscale, 'gscale')], [1]);
  }

  gradNorm(grads: Tensor, maxNorm: number, normType: 2 | 'inf', loss: Tensor | null): Tensor {
    gradNormChecks(maxNorm, normType, loss);
    const n = grads.size;
    const { groups, chunk } = reducePlan(n);
    const partials = this.empty([groups], 'grad_norm partials');
    const gscale = this.empty([4], 'gscale');
    const inf = normType === 'inf';
    // max_norm = Infinity (measure only) is sent as the largest f32: coef = min(huge / total, 1) = 1.
    const maxNormF32 = Math.min(maxNorm, 3.4e38);
    this.dispatch('grad_norm_partial', { INF: inf }, [['u32', n], ['u32', chunk], ['f32', maxNormF32], ['u32', 0]], [this.binding(grads, 'grads'), { buffer: this.dummy }, this.binding(partials, 'partials')], [groups]);
    this.dispatch(
      'grad_norm_finish',
      { INF: inf },
      [['u32', groups], ['u32', groups], ['f32', maxNormF32], ['u32', loss ? 1 : 0]],
      [this.binding(partials, 'partials'), loss ? this.binding(loss, 'loss') : { buffer: this.dummy }, this.binding(gscale, 'gscale')],
      [1],
    );
    partials.release();
    return gscale;
  }

  /** The segment table is only bounds-checked on the CPU; here its shape and x's size (dispatch() refuses > 65535 segments). */
  segmentNorms(x: Tensor, segments: Tensor): Tensor {
    const count = segmentChecks(x, segments, null);
    const out = this.empty([count], 'segment norms');
    this.dispatch('segment_norms', {}, [['u32', count]], [this.binding(x, 'x'), this.binding(segments, 'segments'), this.binding(out, 'out')], [count]);
    return out;
  }

  gradScale(grad: Tensor, gscale: Tensor): void {
    expectShape('gscale', gscale.shape, [4]);
    const { groups, rowStride } = this.grid1d(grad.size, ELEMENTWISE_WG);
    this.dispatch('grad_scale', { WG: ELEMENTWISE_WG }, [['u32', grad.size], ['u32', rowStride], ['f32', 0]], [this.binding(gscale, 'gscale'), this.binding(grad, 'grad')], groups);
  }

  gradClamp(grad: Tensor, clipValue: number): void {
    clipValueCheck(clipValue);
    const { groups, rowStride } = this.grid1d(grad.size, ELEMENTWISE_WG);
    this.dispatch('grad_clamp', { WG: ELEMENTWISE_WG }, [['u32', grad.size], ['u32', rowStride], ['f32', clipValue]], [{ buffer: this.dummy }, this.binding(grad, 'grad')], groups);
  }

  transpose01(x: Tensor): Tensor {
    const { N, A, B, C, out: shape } = transposeDims(x);
    const out = this.empty(shape, 'transpose01 out');
    const { groups, rowStride } = this.grid1d(x.size, ELEMENTWISE_WG);
    this.dispatch('transpose01', { WG: ELEMENTWISE_WG }, [['u32', A], ['u32', B], ['u32', C], ['u32', rowStride], ['u32', N]], [this.binding(x, 'x'), this.binding(out, 'out')], groups);
    return out;
  }

  bidirMerge(x: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor {
    const H = mergeChecks(x, mode);
    const y = this.empty([x.shape[0], x.shape[1], H], 'bidir_merge out');
    const { groups, rowStride } = this.grid1d(y.size, ELEMENTWISE_WG);
    this.dispatch('bidir_merge', { MODE: MERGE_IDS[mode], WG: ELEMENTWISE_WG }, [['u32', y.size], ['u32', H], ['u32', rowStride]], [this.binding(x, 'x'), this.binding(y, 'y')], groups);
    return y;
  }

  bidirMergeBackward(x: Tensor, dy: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor {
    const H = mergeChecks(x, mode, dy);
    const dx = this.empty(x.shape, 'bidir_merge grad');
    const { groups, rowStride } = this.grid1d(dy.size, ELEMENTWISE_WG);
    this.dispatch(
      'bidir_merge_backward',
      { MODE: MERGE_IDS[mode], WG: ELEMENTWISE_WG },
      [['u32', dy.size], ['u32', H], ['u32', rowStride]],
      [this.binding(x, 'x'), this.binding(dy, 'dy'), this.binding(dx, 'dx')],
      groups,
    );
    return dx;
  }

  copy(src: Tensor, dst: Tensor, dstOffset: number): void {
    const from = this.storage(src, 'src');
    const to = this.storage(dst, 'dst');
    if (!Number.isInteger(dstOffset) || dstOffset < 0 || dstOffset + src.size > dst.size) {
      throw new ShapeError('dst', `room for ${src.size} values at element ${dstOffset}`, `${dst.size} elements`);
    }
    this.endPass();
    this.ensureEncoder().copyBufferToBuffer(from.buffer, from.byteOffset, to.buffer, to.byteOffset + dstOffset * 4, from.byteLength);
  }

  recurrentLayerForward(x: Tensor, w: RecurrentWeights, config: RecurrentConfig, init: LayerStates, final: FinalStates): RecurrentLayerCache {
    const G = gatesOf(config.cell);
    const dims = recurrentChecks(x, w, config.D, config.H, G, { h0: init.h, c0: init.c, hN: final.h, cN: final.c });
    const lstm = config.cell === 'lstm';
    const { T, B, I, H, D } = dims;
    const DH = D * H;
    // An LSTM's h and c blocks share one binding: c sits c_stride elements after h, alike in init and final.
    const cStride = lstm ? pairedStride('final', final) : 0;
    if (lstm && init.h && pairedStride('init', init) !== cStride) {
      throw new ValueError('init.c', `the same h-to-c distance as final (${cStride})`, String(init.c!.offset - init.h.offset));
    }
    if (init.h) this.checkNoAlias(final.h.tensor, 'final', { init: init.h.tensor });
    // Input projection for all steps, all gates and both directions: ONE matmul, b_ih in its epilogue.
    const proj = this.matmul(x.view([T * B, I]), w.wih, { transB: true, bias: w.bih });
    // Padded sequences (see rnn_forward.wgsl); the start is padded so the output view is bindable.
    const align = this.limits.minStorageBufferOffsetAlignment / 4;
    const pad = (align - ((B * DH) % align)) % align;
    const seqLen = (T + 2) * B * DH;
    const seq = this.empty([pad + (lstm ? 2 : 1) * seqLen], lstm ? 'lstm h and c sequences' : 'rnn h sequence');
    const cOff = pad + seqLen;
    const aux = this.empty([T * B, D * G * H], lstm ? 'lstm gates' : 'rnn pre-activations');
    const fields = (s: number): Field[] =>
      lstm
        ? [['u32', T], ['u32', B], ['u32', H], ['u32', D], ['u32', s], ['u32', init.h?.offset ?? 0], ['u32', final.h.offset], ['u32', cStride], ['u32', init.h ? 1 : 0], ['u32', pad], ['u32', cOff]]
        : [['u32', T], ['u32', B], ['u32', H], ['u32', D], ['u32', s], ['u32', init.h?.offset ?? 0], ['u32', final.h.offset], ['u32', pad], ['u32', init.h ? 1 : 0], ['f32', config.activation.param]];
    const bindings = [
      this.binding(proj, 'proj'),
      w.bhh ? this.binding(w.bhh, 'bias_hh') : { buffer: this.dummy },
      init.h ? this.binding(init.h.tensor, 'init') : { buffer: this.dummy },
      this.binding(seq, 'sequence'),
      this.binding(aux, lstm ? 'gates' : 'apre'),
      this.binding(final.h.tensor, 'final'),
    ];
    this.timeLoop('forward', config, dims, { HAS_BIAS: !!w.bhh }, fields, w.whh, bindings);
    proj.release();
    const output = this.viewAt(seq, pad + B * DH, [T, B, DH]);
    return new GpuRecurrentCache(x, w, config, dims, seq, pad, cOff, aux, output);
  }

  recurrentLayerBackward(cache: RecurrentLayerCache, dOut: Tensor, dFinal: LayerStates, grads: RecurrentWeights, dInit: FinalStates, inputGrad: boolean, dhRecord?: Tensor): Tensor | null {
    if (!(cache instanceof GpuRecurrentCache)) throw new ValueError('cache', 'the cache of a WebGPU recurrentLayerForward', String(cache));
    const { dims, config } = cache;
    const lstm = config.cell === 'lstm';
    const G = gatesOf(config.cell);
    const { T, B, I, H, D } = dims;
    const DH = D * H;
    const GH = D * G * H;
    recurrentChecks(cache.x, grads, D, H, G, { dhN: dFinal.h, dcN: dFinal.c, dh0: dInit.h, dc0: dInit.c });
    expectShape('dOut', dOut.shape, [T, B, DH]);
    const cStride = lstm ? pairedStride('dInit', dInit) : 0;
    if (lstm && dFinal.h && pairedStride('dFinal', dFinal) !== cStride) {
      throw new ValueError('dFinal.c', `the same h-to-c distance as dInit (${cStride})`, String(dFinal.c!.offset - dFinal.h.offset));
    }
    if (dFinal.h) this.checkNoAlias(dInit.h.tensor, 'dInit', { dFinal: dFinal.h.tensor });
    // δ for all steps [T·B, D·G·H]; an LSTM keeps its carried dc·f [D, B, H] after it.
    const carryOff = T * B * GH;
    const delta = this.empty([carryOff + (lstm ? D * B * H : 0)], 'recurrent delta');
    const deltaMat = lstm ? this.viewAt(delta, 0, [T * B, GH]) : delta.view([T * B, GH]);
    if (dhRecord) expectShape('dhRecord', dhRecord.shape, [T, B, DH]);
    const fields = (s: number): Field[] =>
      lstm
        ? [['u32', T], ['u32', B], ['u32', H], ['u32', D], ['u32', s], ['u32', dFinal.h?.offset ?? 0], ['u32', dInit.h.offset], ['u32', cStride], ['u32', dFinal.h ? 1 : 0], ['u32', cache.pad], ['u32', cache.cOff], ['u32', carryOff]]
        : [['u32', T], ['u32', B], ['u32', H], ['u32', D], ['u32', s], ['u32', dFinal.h?.offset ?? 0], ['u32', dInit.h.offset], ['u32', cache.pad], ['u32', dFinal.h ? 1 : 0], ['f32', config.activation.param]];
    const bindings = [
      this.binding(dOut, 'dOut'),
      this.binding(cache.aux, lstm ? 'gates' : 'apre'),
      this.binding(cache.seq, 'sequence'),
      dFinal.h ? this.binding(dFinal.h.tensor, 'dFinal') : { buffer: this.dummy },
      this.binding(delta, 'delta'),
      this.binding(dInit.h.tensor, 'dInit'),
      dhRecord ? this.binding(dhRecord, 'dhRecord') : { buffer: this.dummyOut },
    ];
    this.timeLoop('backward', config, dims, { RECORD: !!dhRecord }, fields, cache.w.whh, bindings);

    // Shared weights: each gradient is ONE matmul / reduction over all T·B rows of δ.
    this.matmul(deltaMat, cache.x.view([T * B, I]), { transA: true, out: grads.wih, beta: 1 }); // dW_ih += δᵀ X, both directions
    for (let d = 0; d < D; d++) {
      // dW_hh[d] += δ[:, d]ᵀ · h_prev[d]; h_prev is the h sequence shifted by one step (two rows for d = 1).
      this.gemm({
        a: deltaMat, b: cache.seq, out: grads.whh, M: G * H, N: H, K: T * B, transA: true,
        lda: GH, offsetA: d * G * H, ldb: DH, offsetB: cache.pad + (d === 0 ? 0 : 2) * B * DH + d * H, ldc: H, offsetOut: d * G * H * H, beta: 1,
      });
    }
    if (grads.bih) this.sumAxis(deltaMat, 0, { out: grads.bih, beta: 1 });
    if (grads.bhh) this.sumAxis(deltaMat, 0, { out: grads.bhh, beta: 1 });
    let dx: Tensor | null = null;
    if (inputGrad) {
      dx = this.empty([T, B, I], 'recurrent dInput');
      this.gemm({ a: deltaMat, b: cache.w.wih, out: dx, M: T * B, N: I, K: GH }); // Σ_d δ_d W_ih[d]
    }
    delta.release();
    return dx;
  }

  /**
   * Records a recurrent layer's time loop with the current variant: one dispatch per step (T forward,
   * T + 1 backward: the last writes the initial-state gradients), or the persistent kernel once.
   * `bindings` are the kernel's storage bindings except W_hh (binding 2), which is bound here as the
   * kernel reads it: as stored, or transposed to [D, H, G·H] by one dispatch.
   */
  private timeLoop(pass: 'forward' | 'backward', config: RecurrentConfig, dims: RnnLayerDims, extra: Constants, fields: (s: number) => Field[], whh: Tensor, bindings: GPUBufferBinding[]): void {
    const { persistent, kernel } = this.recurrentPlan(config, dims);
    const name = `${config.cell}_${kernel}${pass === 'backward' ? '_backward' : ''}` as KernelName;
    const { D, B, H } = dims;
    const G = gatesOf(config.cell);
    const constants: Constants = { ...extra, ...this.recurrentShape(pass, config, dims, kernel) };
    if (config.cell === 'rnn') constants.ACT = ACTIVATION_IDS[config.activation.name];
    // Each kernel's header says how it reads W_hh: the blocked and rows kernels transposed going forward
    // (neighbouring units contiguous), the split kernels transposed going backward (the summed index contiguous).
    const transposed = (pass === 'forward') === (kernel !== 'split_step' && kernel !== 'split_subgroup_step');
    const w = transposed ? this.transpose01(whh.view([D, G * H, H, 1])) : whh;
    const all = [bindings[0], this.binding(w, 'weight_hh'), ...bindings.slice(1)];
    if (persistent) {
      this.dispatch(name, constants, fields(0), all, [1]);
    } else {
      const tiles = kernel === 'step' ? Math.ceil(this.recurrentInvocations(config, dims) / RNN_STEP_WG) : D * Math.ceil(B / (constants.BR as number)) * Math.ceil(H / (constants.U as number));
      const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
      const groups: [number, number] = [Math.min(tiles, maxDim), Math.ceil(tiles / maxDim)];
      const steps = pass === 'forward' ? dims.T : dims.T + 1;
      for (let s = 0; s < steps; s++) this.dispatch(name, constants, fields(s), all, groups);
    }
    if (transposed) w.release();
  }

  /** Which kernel a recurrent layer of these sizes runs with the current variant, and on which path (benchmarks report it). */
  recurrentPlan(config: RecurrentConfig, dims: Pick<RnnLayerDims, 'B' | 'D' | 'H'>): { variant: RecurrentVariant; persistent: boolean; kernel: RecurrentKernel } {
    const variant = this.recurrent;
    const persistent = this.usePersistent(config, dims);
    const kernel: RecurrentKernel = persistent
      ? variant === 'blocked' ? 'sequence' : 'rows_sequence'
      : variant === 'blocked' ? 'step' : variant === 'split' ? 'split_step' : 'split_subgroup_step';
    return { variant, persistent, kernel };
  }

  /** The shape constants of a recurrent kernel: workgroup size and its blocking or tiling. */
  private recurrentShape(pass: 'forward' | 'backward', config: RecurrentConfig, dims: RnnLayerDims, kernel: RecurrentKernel): Constants {
    const G = gatesOf(config.cell);
    if (kernel === 'step') return { WG: RNN_STEP_WG, BB: batchBlock(config, dims.B) };
    if (kernel === 'sequence') return { WG: this.sequenceWorkgroup(config, dims), BB: batchBlock(config, dims.B) };
    if (kernel === 'rows_sequence') {
      const units = dims.D * dims.B * dims.H;
      // One invocation per output: gate rows forward, units backward.
      const outputs = pass === 'forward' ? G * units : units;
      const wg = Math.min(ROWS_MAX_WG, this.limits.maxComputeInvocationsPerWorkgroup, Math.max(32, 2 ** Math.ceil(Math.log2(outputs))));
      return config.cell === 'lstm' ? { WG: wg, UNITS: units, ROWS: G * units } : { WG: wg, UNITS: units };
    }
    // Split tiles: BR batch rows × U units, with BR·U (backward) or G·BR·U (forward) ≤ SPLIT_MAX_OUT outputs.
    const BR = dims.B >= 4 ? 4 : dims.B >= 2 ? 2 : 1;
    const U = pass === 'forward' ? SPLIT_MAX_OUT / (4 * G) : SPLIT_MAX_OUT / 4;
    return { WG: SPLIT_WG, BR, U };
  }

  /** Invocations of one recurrent step: each takes BB batch rows × 4 units. */
  private recurrentInvocations(config: RecurrentConfig, dims: RnnLayerDims): number {
    return dims.D * Math.ceil(dims.B / batchBlock(config, dims.B)) * Math.ceil(dims.H / 4);
  }

  /** The persistent kernel's workgroup: as many invocations as blocks (idle ones still pay at every barrier), 32 to 256. */
  private sequenceWorkgroup(config: RecurrentConfig, dims: RnnLayerDims): number {
    const blocks = this.recurrentInvocations(config, dims);
    return Math.min(RNN_SEQUENCE_WG, Math.max(32, 2 ** Math.ceil(Math.log2(blocks))));
  }

  /**
   * The persistent path: forced by config.path, or (auto) while a step's work is under this adapter
   * class's threshold. The GPU-shaped persistent kernel keeps a step's rows in workgroup memory: a size
   * that does not fit is refused when forced and never chosen by auto.
   */
  private usePersistent(config: RecurrentConfig, dims: Pick<RnnLayerDims, 'B' | 'D' | 'H'>): boolean {
    const path = config.path ?? 'auto';
    if (path !== 'auto' && path !== 'step' && path !== 'persistent') throw new ValueError('path', "'auto', 'step' or 'persistent'", JSON.stringify(path));
    if (path === 'step') return false;
    const G = gatesOf(config.cell);
    const staged = this.recurrent === 'blocked' ? 0 : 4 * dims.D * dims.B * dims.H * (config.cell === 'lstm' ? 1 + G : 1);
    const fits = staged <= this.limits.maxComputeWorkgroupStorageSize;
    if (path === 'persistent') {
      if (!fits) {
        throw new ValueError('path', `a layer whose step fits one workgroup's memory for the persistent '${this.recurrent}' kernel (${this.limits.maxComputeWorkgroupStorageSize} bytes)`, `'persistent' with D·B·H = ${dims.D * dims.B * dims.H} (${staged} bytes)`);
      }
      return true;
    }
    const work = dims.D * dims.B * G * dims.H * dims.H;
    return fits && work <= PERSISTENT_MAX_WORK[this.adapter.software ? 'software' : 'gpu'];
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
    this.pool.destroyAll();
    this.registry.destroy();
    for (const b of this.stagingFree) b.destroy();
    this.dummy.destroy();
    this.dummyOut.destroy();
    this.device.destroy();
    if (this.fromNode) releaseNodeGpu();
  }
}

class GpuRecurrentCache implements RecurrentLayerCache {
  constructor(
    readonly x: Tensor,
    readonly w: RecurrentWeights,
    readonly config: RecurrentConfig,
    readonly dims: RnnLayerDims,
    readonly seq: Tensor, // padded h sequence (and, for an LSTM, the c sequence from cOff)
    readonly pad: number,
    readonly cOff: number,
    readonly aux: Tensor, // rnn: pre-activations [T·B, D·H]; lstm: gates [T·B, D·4H]
    readonly output: Tensor, // view of the h sequence rows 1..T
  ) {}
  release(): void {
    this.seq.release();
    this.aux.release();
  }
}

/** Workgroups of a two-stage reduction over n values and the chunk each one sums. */
function reducePlan(n: number): { groups: number; chunk: number } {
  const groups = Math.min(REDUCE_MAX_GROUPS, Math.ceil(n / (REDUCE_WG * 8)));
  return { groups, chunk: Math.ceil(n / groups) };
}

/**
 * Batch rows per invocation of the register-blocked recurrent kernels: up to 4 for the RNN (4 vec4
 * accumulators), up to 2 for the LSTM (4 gates × 2 rows = 8, as many as matmul_blocked keeps).
 */
function batchBlock(config: RecurrentConfig, B: number): number {
  const max = config.cell === 'lstm' ? 2 : 4;
  return Math.min(max, B >= 4 ? 4 : B >= 2 ? 2 : 1);
}

/** An LSTM's c slice sits in h's tensor, after it: the distance from h to c. */
function pairedStride(argument: string, st: LayerStates): number {
  if (!st.h || !st.c) throw new ValueError(`${argument}`, 'both h and c slices for an LSTM, or neither', `${st.h ? 'h' : 'no h'} and ${st.c ? 'c' : 'no c'}`);
  if (st.c.tensor !== st.h.tensor || st.c.offset <= st.h.offset) {
    throw new ValueError(`${argument}.c`, 'a slice of the same tensor as h, after it (the GPU binds both as one buffer)', 'another tensor or an earlier offset');
  }
  return st.c.offset - st.h.offset;
}
