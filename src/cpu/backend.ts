// The CPU reference backend: plain TypeScript in f64, chosen explicitly with createContext({ backend: 'cpu' }).
import { installOps } from '../core/op.js';
import { OPS, type OpMethods } from '../ops/index.js';
import type { CpuDevice } from '../core/device.js';
import type {
  AdapterSummary,
  Backend,
  Counters,
  RecurrentWeights,
  RecurrentLayerCache,
  RecurrentConfig,
  LayerStates,
  FinalStates,
  StateSlice,
} from '../backend.js';
import { DeviceLostError, ShapeError, ValueError, describeShape, describeValue } from '../core/errors.js';
import {
  checkAllocation,
  checkData,
  checkOwned,
  counterChecks,
  expectArrayLike,
  recurrentChecks,
  gatesOf,
  lengthsTensorCheck,
  viewAtChecks,
  type RnnLayerDims,
} from '../core/checks.js';
import { expectShape } from '../core/shapes.js';
import { rnnLayerBackward, rnnLayerForward, type RnnForwardResult } from './rnn.js';
import { checkLengths } from '../core/lengths.js';
import { sequenceMaskForward } from '../ops/sequence_mask/cpu.js';
import { lstmLayerBackward, lstmLayerForward, type LstmForwardResult } from './lstm.js';
import { gruLayerBackward, gruLayerForward, type GruForwardResult } from './gru.js';
import { checkShape, numel, type Shape } from '../core/shapes.js';
import { Tensor, type TensorStorage } from '../core/tensor.js';

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
