// The CPU reference backend: plain TypeScript in f64, chosen explicitly with createContext({ backend: 'cpu' }).
import { installOps } from '../core/op.js';
import { OPS, type OpMethods } from '../ops/index.js';
import type { CpuDevice } from '../core/device.js';
import type { AdapterSummary, Counters } from '../core/device.js';
import type { Backend } from '../ops/index.js';
import { DeviceLostError, ShapeError, describeShape } from '../core/errors.js';
import {
  checkAllocation,
  checkData,
  checkOwned,
  counterChecks,
  expectArrayLike,
  viewAtChecks,
} from '../core/checks.js';
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
