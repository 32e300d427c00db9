// The CPU reference backend: plain TypeScript in f64, chosen explicitly with createContext({ backend: 'cpu' }).
import { installOps } from '../core/op.js';
import { OPS, type OpMethods } from '../ops/index.js';
import type { CpuDevice } from '../core/device.js';
import type {
  AdamHyper,
  AdapterSummary,
  Backend,
  Counters,
  LossResult,
  RecurrentWeights,
  Reduction,
  BceWithLogitsOptions,
  CrossEntropyOptions,
  HuberOptions,
  SmoothL1Options,
  RmspropHyper,
  RecurrentLayerCache,
  RecurrentConfig,
  LayerStates,
  FinalStates,
  SgdHyper,
  StateSlice,
  StepMask,
} from '../backend.js';
import { DeviceLostError, ShapeError, ValueError, describeShape, describeValue } from '../core/errors.js';
import {
  checkAllocation,
  checkData,
  checkOwned,
  counterChecks,
  expectArrayLike,
  lossChecks,
  crossEntropyOptionChecks,
  bceOptionChecks,
  huberOptionChecks,
  smoothL1OptionChecks,
  rmspropChecks,
  clipValueCheck,
  gradNormChecks,
  segmentChecks,
  optimizerChecks,
  recurrentChecks,
  gatesOf,
  lengthsTensorCheck,
  stepMaskChecks,
  viewAtChecks,
  type RnnLayerDims,
} from '../core/checks.js';
import { expectShape } from '../core/shapes.js';
import { rnnLayerBackward, rnnLayerForward, type RnnForwardResult } from './rnn.js';
import { checkLengths } from '../core/lengths.js';
import { sequenceMaskForward, validRows } from '../ops/sequence_mask/cpu.js';
import { lstmLayerBackward, lstmLayerForward, type LstmForwardResult } from './lstm.js';
import { gruLayerBackward, gruLayerForward, type GruForwardResult } from './gru.js';
import { checkShape, numel, type Shape } from '../core/shapes.js';
import { Tensor, type TensorStorage } from '../core/tensor.js';
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

  copy(src: Tensor, dst: Tensor, dstOffset: number): void {
    const s = this.data(src, 'src');
    const d = this.data(dst, 'dst');
    if (!Number.isInteger(dstOffset) || dstOffset < 0 || dstOffset + src.size > d.length) {
      throw new ShapeError('dst', `room for ${src.size} values at element ${dstOffset}`, `${d.length} elements`);
    }
    d.set(s, dstOffset);
  }

  recurrentLayerForward(
    x: Tensor,
    w: RecurrentWeights,
    config: RecurrentConfig,
    init: LayerStates,
    final: FinalStates,
    lengths?: Tensor,
  ): RecurrentLayerCache {
    const G = gatesOf(config.cell);
    const dims = recurrentChecks(
      x,
      w,
      config.D,
      config.H,
      G,
      { h0: init.h, c0: init.c, hN: final.h, cN: final.c },
      this.maxTensorElements,
    );
    lengthsTensorCheck(lengths, dims.B);
    const lens = lengths ? checkLengths('lengths', this.data(lengths, 'lengths'), dims.B, dims.T) : null;
    const h0 = init.h ? this.slice(init.h, dims, 'h0').slice() : null;
    const xd = this.data(x, 'x');
    const weights = this.weights(w);
    const shape = [dims.T, dims.B, dims.D * dims.H];
    // The layer's output: the carried states past each row's length are zeroed (see src/cpu/rnn.ts).
    const out = (output: Float64Array) =>
      this.wrap(lens ? sequenceMaskForward(output, dims.T, dims.B, dims.D * dims.H, lens) : output, shape);
    if (config.cell === 'lstm') {
      if (!final.c) throw new ValueError('final.c', 'a slice for the LSTM cell state', 'none');
      const c0 = init.c ? this.slice(init.c, dims, 'c0').slice() : null;
      const res = lstmLayerForward(xd, dims, weights, h0, c0, lens);
      this.slice(final.h, dims, 'hN').set(res.hN);
      this.slice(final.c, dims, 'cN').set(res.cN);
      return new CpuRecurrentCache(x, w, config, dims, h0, c0, { kind: 'lstm', res }, out(res.output), lens);
    }
    if (config.cell === 'gru') {
      const res = gruLayerForward(xd, dims, weights, h0, lens);
      this.slice(final.h, dims, 'hN').set(res.hN);
      return new CpuRecurrentCache(x, w, config, dims, h0, null, { kind: 'gru', res }, out(res.output), lens);
    }
    const res = rnnLayerForward(xd, dims, weights, h0, config.activation, lens);
    this.slice(final.h, dims, 'hN').set(res.hN);
    return new CpuRecurrentCache(x, w, config, dims, h0, null, { kind: 'rnn', res }, out(res.output), lens);
  }

  recurrentLayerBackward(
    cache: RecurrentLayerCache,
    dOut: Tensor,
    dFinal: LayerStates,
    grads: RecurrentWeights,
    dInit: FinalStates,
    inputGrad: boolean,
    dhRecord?: Tensor,
  ): Tensor | null {
    if (!(cache instanceof CpuRecurrentCache))
      throw new ValueError('cache', 'the cache of a CPU recurrentLayerForward', describeValue(cache));
    const { dims } = cache;
    recurrentChecks(
      cache.x,
      grads,
      dims.D,
      dims.H,
      gatesOf(cache.config.cell),
      { dhN: dFinal.h, dcN: dFinal.c, dh0: dInit.h, dc0: dInit.c },
      this.maxTensorElements,
    );
    expectShape('dOut', dOut.shape, [dims.T, dims.B, dims.D * dims.H]);
    const g = this.weights(grads);
    const x = this.data(cache.x, 'x');
    const w = this.weights(cache.w);
    const dOutData = this.data(dOut, 'dOut');
    const dhN = dFinal.h ? this.slice(dFinal.h, dims, 'dhN') : null;
    if (dhRecord) expectShape('dhRecord', dhRecord.shape, [dims.T, dims.B, dims.D * dims.H]);
    const rec = dhRecord ? this.data(dhRecord, 'dhRecord') : null;
    let dx: Float64Array;
    if (cache.fwd.kind === 'lstm') {
      if (!dInit.c) throw new ValueError('dInit.c', 'a slice for the LSTM cell-state gradient', 'none');
      const dcN = dFinal.c ? this.slice(dFinal.c, dims, 'dcN') : null;
      const r = lstmLayerBackward(
        x,
        dims,
        w,
        cache.h0,
        cache.c0,
        cache.fwd.res,
        dOutData,
        dhN,
        dcN,
        g,
        rec,
        cache.lengths,
      );
      this.slice(dInit.h, dims, 'dh0').set(r.dh0);
      this.slice(dInit.c, dims, 'dc0').set(r.dc0);
      dx = r.dx;
    } else if (cache.fwd.kind === 'gru') {
      const r = gruLayerBackward(x, dims, w, cache.h0, cache.fwd.res, dOutData, dhN, g, rec, cache.lengths);
      this.slice(dInit.h, dims, 'dh0').set(r.dh0);
      dx = r.dx;
    } else {
      const r = rnnLayerBackward(
        x,
        dims,
        w,
        cache.h0,
        cache.config.activation,
        cache.fwd.res,
        dOutData,
        dhN,
        g,
        rec,
        cache.lengths,
      );
      this.slice(dInit.h, dims, 'dh0').set(r.dh0);
      dx = r.dx;
    }
    return inputGrad ? this.wrap(dx, cache.x.shape) : null;
  }

  private weights(w: RecurrentWeights) {
    return {
      wih: this.data(w.wih, 'weight_ih'),
      whh: this.data(w.whh, 'weight_hh'),
      bih: w.bih ? this.data(w.bih, 'bias_ih') : null,
      bhh: w.bhh ? this.data(w.bhh, 'bias_hh') : null,
    };
  }

  private slice(s: StateSlice, dims: RnnLayerDims, argument: string): Float64Array {
    return this.data(s.tensor, argument).subarray(s.offset, s.offset + dims.D * dims.B * dims.H);
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

class CpuRecurrentCache implements RecurrentLayerCache {
  constructor(
    readonly x: Tensor,
    readonly w: RecurrentWeights,
    readonly config: RecurrentConfig,
    readonly dims: RnnLayerDims,
    readonly h0: Float64Array | null, // copies: the caller may change its state tensors before backward
    readonly c0: Float64Array | null,
    readonly fwd:
      | { kind: 'rnn'; res: RnnForwardResult }
      | { kind: 'lstm'; res: LstmForwardResult }
      | { kind: 'gru'; res: GruForwardResult },
    readonly output: Tensor,
    readonly lengths: Int32Array | null,
  ) {}
  release(): void {
    this.output.release();
  }
}

installOps(CpuBackend.prototype, OPS, 'cpu');
