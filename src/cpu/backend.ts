// The CPU reference backend: plain TypeScript in f64, chosen explicitly with createContext({ backend: 'cpu' }).
import { installOps } from '../core/op.js';
import { OPS, type OpMethods } from '../ops/index.js';
import type { CpuDevice } from '../core/device.js';
import type {
  AdamHyper,
  AdapterSummary,
  Backend,
  Counters,
  GemmArgs,
  LossResult,
  MatmulOptions,
  Reduction,
  BceWithLogitsOptions,
  CrossEntropyOptions,
  HuberOptions,
  SmoothL1Options,
  RmspropHyper,
  SgdHyper,
  StepMask,
  SumAxisOptions,
  DropoutConfig,
} from '../backend.js';
import { toActivation, type ActivationLike } from '../activation.js';
import { DeviceLostError, ShapeError, describeShape } from '../core/errors.js';
import {
  checkAllocation,
  checkData,
  checkOwned,
  counterChecks,
  expectArrayLike,
  checkSameShape,
  dropoutChecks,
  embeddingChecks,
  checkPaddingRow,
  gemmDims,
  lossChecks,
  crossEntropyOptionChecks,
  bceOptionChecks,
  huberOptionChecks,
  smoothL1OptionChecks,
  rmspropChecks,
  matmulDims,
  clipValueCheck,
  gradNormChecks,
  mergeChecks,
  segmentChecks,
  transposeDims,
  optimizerChecks,
  sequenceMaskChecks,
  stepMaskChecks,
  sumAxisDims,
  viewAtChecks,
} from '../core/checks.js';
import { expectShape } from '../core/shapes.js';
import { transpose01Forward } from './transpose01.js';
import { bidirMergeBackward, bidirMergeForward } from './bidir_merge.js';
import { checkLengths } from '../core/lengths.js';
import { sequenceMaskForward, validRows } from './sequence_mask.js';
import { checkShape, numel, type Shape } from '../core/shapes.js';
import { Tensor, type TensorStorage } from '../core/tensor.js';
import { activationBackward, activationForward } from './activation.js';
import { matmulForward, type MatmulDims } from './matmul.js';
import { sumAxisForward } from './sum_axis.js';
import { sumReduceForward } from './sum_reduce.js';
import { mseForwardBackward } from './mse.js';
import { crossEntropyForwardBackward } from './cross_entropy.js';
import { smoothL1ForwardBackward } from './smooth_l1.js';
import { bceWithLogitsForwardBackward } from './bce_with_logits.js';
import { rmspropUpdate } from './rmsprop.js';
import { sgdUpdate } from './sgd.js';
import { adamUpdate } from './adam.js';
import { gradNormForward } from './grad_norm.js';
import { gradClampForward, gradScaleForward } from './grad_clip.js';
import { segmentNormsForward } from './segment_norms.js';
import { dropoutForward } from './dropout.js';
import { embeddingBackward, embeddingForward } from './embedding.js';

const CPU_LIMIT = "the CPU backend's maxTensorElements";

export class CpuStorage implements TensorStorage {
  constructor(
    readonly data: Float64Array,
    private readonly onRelease: () => void,
  ) {}
  release(): void {
    this.onRelease();
  }
}

export type CpuTensor = Tensor<CpuStorage>;

export interface CpuBackend extends OpMethods {}
export class CpuBackend implements Backend, CpuDevice {
  readonly kind = 'cpu' as const;
  readonly adapter: AdapterSummary = {
    backend: 'cpu',
    vendor: 'webgpu-rnn',
    architecture: 'f64 reference',
    device: 'CPU',
    description: 'CPU reference backend (f64)',
    software: true,
  };
  /**
   * The f64 reference is for checking: 2^30 elements (8 GiB) per tensor. Past that some engines refuse
   * the typed array and most machines run out of memory.
   */
  readonly maxTensorElements = 2 ** 30;
  private live = 0;
  private destroyed = false;

  /** @internal */
  wrap(data: Float64Array, shape: Shape): CpuTensor {
    this.live++;
    return new Tensor(this, shape, new CpuStorage(data, () => this.live--));
  }

  /** As a destroyed WebGPU context: every later call throws DeviceLostError, so code runs the same on either backend. */
  private alive(): void {
    if (this.destroyed)
      throw new DeviceLostError(
        'CPU context destroyed: create a new context with createContext() and reload the weights (loadStateDict)',
      );
  }

  data(t: Tensor, argument: string): Float64Array {
    this.alive();
    checkOwned(this, argument, t);
    return (t.storage as CpuStorage).data;
  }

  tensor(data: ArrayLike<number>, shape: Shape): Tensor {
    this.checkSize(shape);
    checkData('data', data, numel(shape));
    return this.wrap(Float64Array.from(data), shape);
  }

  zeros(shape: Shape): Tensor {
    this.checkSize(shape);
    return this.wrap(new Float64Array(numel(shape)), shape);
  }

  private checkSize(shape: Shape): void {
    this.alive();
    checkShape('shape', shape);
    checkAllocation(
      'shape',
      numel(shape),
      this.maxTensorElements,
      CPU_LIMIT,
      `${describeShape(shape)} = ${numel(shape)}`,
    );
  }

  empty(shape: Shape): Tensor {
    return this.zeros(shape);
  }

  write(t: Tensor, data: ArrayLike<number>): void {
    const d = this.data(t, 'tensor');
    checkData('data', data, t.size);
    d.set(data);
  }

  writeCounter(t: Tensor, step: number): void {
    counterChecks(this, t, step);
    this.data(t, 'tensor')[0] = step;
  }

  viewAt(base: Tensor, offset: number, shape: Shape): Tensor {
    const size = viewAtChecks(base, offset, shape);
    const data = this.data(base, 'base').subarray(offset, offset + size);
    return new Tensor(this, shape, new CpuStorage(data, () => {}), base.base ?? base);
  }

  clear(t: Tensor): void {
    this.data(t, 'tensor').fill(0);
  }

  async read(t: Tensor): Promise<Float64Array> {
    return this.data(t, 'tensor').slice();
  }

  async readMany(ts: readonly Tensor[]): Promise<Float64Array[]> {
    expectArrayLike('tensors', ts, 'a list of tensors');
    return ts.map((t, i) => this.data(t, `tensors[${i}]`).slice());
  }

  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    const dims = matmulDims(a, b, options);
    const out = options.out ?? this.zeros([dims.M, dims.N]);
    this.runGemm(dims, a, b, out, options);
    return out;
  }

  gemm(args: GemmArgs): void {
    this.runGemm(gemmDims(args), args.a, args.b, args.out, args);
  }

  private runGemm(
    dims: MatmulDims,
    a: Tensor,
    b: Tensor,
    out: Tensor,
    o: Pick<GemmArgs, 'alpha' | 'beta' | 'bias' | 'activation'>,
  ): void {
    matmulForward(this.data(a, 'a'), this.data(b, 'b'), this.data(out, 'out'), dims, {
      alpha: o.alpha ?? 1,
      beta: o.beta ?? 0,
      bias: o.bias ? this.data(o.bias, 'bias') : undefined,
      activation: toActivation('activation', o.activation ?? 'identity'),
    });
  }

  activation(a: Tensor, activation: ActivationLike): Tensor {
    const act = toActivation('activation', activation);
    return this.wrap(activationForward(this.data(a, 'a'), act), a.shape);
  }

  activationBackward(a: Tensor, h: Tensor, dh: Tensor, activation: ActivationLike): Tensor {
    const act = toActivation('activation', activation);
    checkSameShape('h', h, a, 'a');
    checkSameShape('dh', dh, a, 'a');
    return this.wrap(activationBackward(this.data(a, 'a'), this.data(h, 'h'), this.data(dh, 'dh'), act), a.shape);
  }

  sumAxis(x: Tensor, axis: 0 | 1, options: SumAxisOptions = {}): Tensor {
    const beta = options.beta ?? 0;
    const { R, C, outLen } = sumAxisDims(x, axis, options.out, beta);
    const out = options.out ?? this.zeros([outLen]);
    sumAxisForward(this.data(x, 'x'), R, C, axis, this.data(out, 'out'), beta, options.square ?? false);
    return out;
  }

  sumSquares(ts: readonly Tensor[]): Tensor {
    expectArrayLike('tensors', ts, 'a list of tensors');
    const total = sumReduceForward(
      ts.map((t, i) => this.data(t, `tensors[${i}]`)),
      true,
    );
    return this.wrap(Float64Array.of(total), [1]);
  }

  sum(x: Tensor, scale = 1): Tensor {
    return this.wrap(Float64Array.of(sumReduceForward([this.data(x, 'x')], false, scale)), [1]);
  }

  mse(y: Tensor, target: Tensor, reduction: Reduction, steps?: StepMask): LossResult {
    lossChecks('mse', y, target, reduction);
    return this.elementwiseLoss(y, target, reduction, steps, (a, b, r) => {
      const { loss, dy } = mseForwardBackward(a, b, r);
      return { loss, grad: dy };
    });
  }

  l1(y: Tensor, target: Tensor, reduction: Reduction, steps?: StepMask): LossResult {
    lossChecks('l1', y, target, reduction);
    return this.smoothL1Loss(y, target, reduction, 0, 1, steps);
  }

  huber(y: Tensor, target: Tensor, reduction: Reduction, options?: HuberOptions, steps?: StepMask): LossResult {
    lossChecks('huber', y, target, reduction);
    const delta = huberOptionChecks(options);
    return this.smoothL1Loss(y, target, reduction, delta, delta, steps);
  }

  smoothL1(y: Tensor, target: Tensor, reduction: Reduction, options?: SmoothL1Options, steps?: StepMask): LossResult {
    lossChecks('smoothL1', y, target, reduction);
    return this.smoothL1Loss(y, target, reduction, smoothL1OptionChecks(options), 1, steps);
  }

  /** L1, Huber and SmoothL1 are one elementwise loss (src/cpu/smooth_l1.ts): scale · SmoothL1(beta). */
  private smoothL1Loss(
    y: Tensor,
    target: Tensor,
    reduction: Reduction,
    beta: number,
    scale: number,
    steps: StepMask | undefined,
  ): LossResult {
    return this.elementwiseLoss(y, target, reduction, steps, (a, b, r) => {
      const { loss, dy } = smoothL1ForwardBackward(a, b, r, beta, scale);
      return { loss, grad: dy };
    });
  }

  bceWithLogits(
    logits: Tensor,
    targets: Tensor,
    reduction: Reduction,
    options?: BceWithLogitsOptions,
    steps?: StepMask,
  ): LossResult {
    const { C } = lossChecks('bceWithLogits', logits, targets, reduction);
    const pw = bceOptionChecks(options, C);
    return this.elementwiseLoss(logits, targets, reduction, steps, (a, b, r) => {
      const { loss, dlogits } = bceWithLogitsForwardBackward(a, b, pw && this.data(pw, 'posWeight'), r);
      return { loss, grad: dlogits };
    });
  }

  /**
   * An elementwise loss over all of y, or with `steps` over the valid steps only: their rows gathered
   * (whatever the padding holds), the loss summed there, the gradient scattered back with zeros elsewhere;
   * 'mean' divides by the valid elements, steps.count·C.
   */
  private elementwiseLoss(
    y: Tensor,
    target: Tensor,
    reduction: Reduction,
    steps: StepMask | undefined,
    loss: (y: Float64Array, target: Float64Array, reduction: Reduction) => { loss: number; grad: Float64Array },
  ): LossResult {
    const [yd, td] = [this.data(y, 'y'), this.data(target, 'target')];
    if (!steps) {
      const r = loss(yd, td, reduction);
      return { loss: this.wrap(Float64Array.of(r.loss), [1]), grad: this.wrap(r.grad, y.shape) };
    }
    const { T, B } = stepMaskChecks(y, false, steps);
    const C = y.shape[2];
    const lengths = checkLengths('steps.lengths', this.data(steps.lengths, 'steps.lengths'), B, T);
    const rows = validRows(T, B, lengths, steps.batchFirst);
    const gather = (d: Float64Array) =>
      Float64Array.from(rows.flatMap((i) => Array.from(d.subarray(i * C, (i + 1) * C))));
    const r = loss(gather(yd), gather(td), 'sum');
    const scale = reduction === 'mean' ? 1 / (steps.count * C) : 1;
    const grad = new Float64Array(y.size);
    rows.forEach((i, k) =>
      grad.set(
        r.grad.subarray(k * C, (k + 1) * C).map((v) => scale * v),
        i * C,
      ),
    );
    return { loss: this.wrap(Float64Array.of(scale * r.loss), [1]), grad: this.wrap(grad, y.shape) };
  }

  crossEntropy(
    logits: Tensor,
    targets: Tensor,
    reduction: Reduction,
    options?: CrossEntropyOptions,
    steps?: StepMask,
  ): LossResult {
    const { B, C } = lossChecks('crossEntropy', logits, targets, reduction);
    crossEntropyOptionChecks(options);
    if (!steps) {
      const r = crossEntropyForwardBackward(
        this.data(logits, 'logits'),
        this.data(targets, 'targets'),
        B,
        C,
        reduction,
        options,
      );
      return { loss: this.wrap(Float64Array.of(r.loss), [1]), grad: this.wrap(r.dlogits, logits.shape) };
    }
    // Only the valid rows, whatever the padding's targets; their gradients scattered back, zeros elsewhere.
    const { T, B: rows } = stepMaskChecks(logits, true, steps);
    const lengths = checkLengths('steps.lengths', this.data(steps.lengths, 'steps.lengths'), rows, T);
    const valid = validRows(T, rows, lengths, steps.batchFirst);
    const l = this.data(logits, 'logits');
    const tg = this.data(targets, 'targets');
    const validLogits = Float64Array.from(valid.flatMap((i) => Array.from(l.subarray(i * C, (i + 1) * C))));
    const r = crossEntropyForwardBackward(
      validLogits,
      Float64Array.from(valid, (i) => tg[i]),
      valid.length,
      C,
      reduction,
      options,
    );
    const grad = new Float64Array(B * C);
    valid.forEach((i, k) => grad.set(r.dlogits.subarray(k * C, (k + 1) * C), i * C));
    return { loss: this.wrap(Float64Array.of(r.loss), [1]), grad: this.wrap(grad, logits.shape) };
  }

  sgdStep(
    param: Tensor,
    grad: Tensor,
    momentumBuf: Tensor,
    gscale: Tensor,
    step: Tensor,
    lr: Tensor,
    hyper: SgdHyper,
  ): void {
    optimizerChecks(param, grad, [momentumBuf], gscale, step, lr);
    sgdUpdate(
      this.data(param, 'param'),
      this.data(grad, 'grad'),
      this.data(momentumBuf, 'momentumBuf'),
      this.data(gscale, 'gscale'),
      this.data(step, 'step')[0],
      this.data(lr, 'lr')[0],
      hyper,
    );
  }

  adamStep(
    param: Tensor,
    grad: Tensor,
    m: Tensor,
    v: Tensor,
    gscale: Tensor,
    step: Tensor,
    lr: Tensor,
    hyper: AdamHyper,
  ): void {
    optimizerChecks(param, grad, [m, v], gscale, step, lr);
    adamUpdate(
      this.data(param, 'param'),
      this.data(grad, 'grad'),
      this.data(m, 'm'),
      this.data(v, 'v'),
      this.data(gscale, 'gscale'),
      this.data(step, 'step')[0],
      this.data(lr, 'lr')[0],
      hyper,
    );
  }

  rmspropStep(
    param: Tensor,
    grad: Tensor,
    squareAvg: Tensor,
    gradAvg: Tensor,
    momentumBuf: Tensor,
    gscale: Tensor,
    lr: Tensor,
    hyper: RmspropHyper,
  ): void {
    rmspropChecks(param, grad, squareAvg, gradAvg, momentumBuf, gscale, lr, hyper);
    const data = (t: Tensor, name: string, used: boolean) => (used ? this.data(t, name) : new Float64Array(0));
    rmspropUpdate(
      this.data(param, 'param'),
      this.data(grad, 'grad'),
      this.data(squareAvg, 'squareAvg'),
      data(gradAvg, 'gradAvg', hyper.centered),
      data(momentumBuf, 'momentumBuf', hyper.momentum > 0),
      this.data(gscale, 'gscale'),
      this.data(lr, 'lr')[0],
      hyper,
    );
  }

  advanceStep(step: Tensor, gscale: Tensor): void {
    const [s, g] = [this.data(step, 'step'), this.data(gscale, 'gscale')];
    if (g[2] === 0) s[0] += 1;
  }

  gradNorm(grads: Tensor, maxNorm: number, normType: 2 | 'inf', loss: Tensor | null): Tensor {
    this.data(grads, 'grads');
    gradNormChecks(maxNorm, normType, loss);
    return this.wrap(
      gradNormForward(this.data(grads, 'grads'), maxNorm, normType, loss ? this.data(loss, 'loss')[0] : null),
      [4],
    );
  }

  segmentNorms(x: Tensor, segments: Tensor): Tensor {
    const table = this.data(segments, 'segments');
    segmentChecks(x, segments, table);
    return this.wrap(segmentNormsForward(this.data(x, 'x'), table), [segments.shape[0]]);
  }

  gradScale(grad: Tensor, gscale: Tensor): void {
    const [g, s] = [this.data(grad, 'grad'), this.data(gscale, 'gscale')];
    expectShape('gscale', gscale.shape, [4]);
    gradScaleForward(g, s);
  }

  gradClamp(grad: Tensor, clipValue: number): void {
    clipValueCheck(clipValue);
    gradClampForward(this.data(grad, 'grad'), clipValue);
  }

  transpose01(x: Tensor): Tensor {
    const { N, A, B, C, out } = transposeDims(x);
    return this.wrap(transpose01Forward(this.data(x, 'x'), A, B, C, N), out);
  }

  bidirMerge(x: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor {
    const H = mergeChecks(x, mode);
    return this.wrap(bidirMergeForward(this.data(x, 'x'), H, mode), [x.shape[0], x.shape[1], H]);
  }

  bidirMergeBackward(x: Tensor, dy: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor {
    const H = mergeChecks(x, mode, dy);
    return this.wrap(bidirMergeBackward(this.data(x, 'x'), this.data(dy, 'dy'), H, mode), x.shape);
  }

  dropout(x: Tensor, step: Tensor, nextStep: Tensor, config: DropoutConfig): Tensor {
    dropoutChecks(x, step, nextStep, config);
    const counter = this.data(step, 'step')[0];
    const y = this.wrap(dropoutForward(this.data(x, 'x'), config, counter), x.shape);
    this.data(nextStep, 'nextStep')[0] = (counter + 1) >>> 0; // a u32, as on the GPU
    return y;
  }

  sequenceMask(x: Tensor, lengths: Tensor, batchFirst = false): Tensor {
    const [T, B, C] = sequenceMaskChecks(x, lengths, batchFirst);
    return this.wrap(
      sequenceMaskForward(
        this.data(x, 'x'),
        T,
        B,
        C,
        checkLengths('lengths', this.data(lengths, 'lengths'), B, T),
        batchFirst,
      ),
      x.shape,
    );
  }

  embedding(weight: Tensor, ids: Tensor): Tensor {
    const { V, E } = embeddingChecks(weight, ids);
    return this.wrap(embeddingForward(this.data(weight, 'weight'), this.data(ids, 'ids'), V, E), [...ids.shape, E]);
  }

  embeddingBackward(ids: Tensor, dOut: Tensor, dWeight: Tensor, paddingIdx: number | null): void {
    const { V, E } = embeddingChecks(dWeight, ids, dOut);
    checkPaddingRow(paddingIdx, V);
    embeddingBackward(this.data(dOut, 'dOut'), this.data(ids, 'ids'), V, E, paddingIdx, this.data(dWeight, 'dWeight'));
  }

  copy(src: Tensor, dst: Tensor, dstOffset: number): void {
    const s = this.data(src, 'src');
    const d = this.data(dst, 'dst');
    if (!Number.isInteger(dstOffset) || dstOffset < 0 || dstOffset + src.size > d.length) {
      throw new ShapeError('dst', `room for ${src.size} values at element ${dstOffset}`, `${d.length} elements`);
    }
    d.set(s, dstOffset);
  }

  flush(): void {}
  counters(): Counters {
    return { dispatches: 0, submits: 0, readbacks: 0, uploads: 0, pipelinesCreated: 0 };
  }
  resetCounters(): void {}
  liveTensors(): number {
    return this.live;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

installOps(CpuBackend.prototype, OPS, 'cpu');
