// The CPU reference backend: plain TypeScript in f64, chosen explicitly with createContext({ backend: 'cpu' }).
import type { AdamHyper, AdapterSummary, Backend, Counters, GemmArgs, LossResult, MatmulOptions, Reduction, SgdHyper, SumAxisOptions } from '../backend.js';
import { toActivation, type ActivationLike } from '../activation.js';
import { checkData, checkOwned, checkSameShape, gemmDims, lossChecks, matmulDims, optimizerChecks, sumAxisDims, viewAtChecks } from '../checks.js';
import { checkShape, numel, type Shape } from '../shapes.js';
import { Tensor, type TensorStorage } from '../tensor.js';
import { activationBackward, activationForward } from './activation.js';
import { matmulForward, type MatmulDims } from './matmul.js';
import { sumAxisForward } from './sum_axis.js';
import { sumReduceForward } from './sum_reduce.js';
import { mseForwardBackward } from './mse.js';
import { crossEntropyForwardBackward } from './cross_entropy.js';
import { sgdUpdate } from './sgd.js';
import { adamUpdate } from './adam.js';

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

export class CpuBackend implements Backend {
  readonly kind = 'cpu' as const;
  readonly adapter: AdapterSummary = {
    backend: 'cpu',
    vendor: 'webgpu-rnn',
    architecture: 'f64 reference',
    device: 'CPU',
    description: 'CPU reference backend (f64)',
    software: true,
  };
  private live = 0;

  private wrap(data: Float64Array, shape: Shape): CpuTensor {
    this.live++;
    return new Tensor(this, shape, new CpuStorage(data, () => this.live--));
  }

  data(t: Tensor, argument: string): Float64Array {
    checkOwned(this, argument, t);
    return (t.storage as CpuStorage).data;
  }

  tensor(data: ArrayLike<number>, shape: Shape): Tensor {
    checkShape('shape', shape);
    checkData('data', data, numel(shape));
    return this.wrap(Float64Array.from(data), shape);
  }

  zeros(shape: Shape): Tensor {
    checkShape('shape', shape);
    return this.wrap(new Float64Array(numel(shape)), shape);
  }

  write(t: Tensor, data: ArrayLike<number>): void {
    const d = this.data(t, 'tensor');
    checkData('data', data, t.size);
    d.set(data);
  }

  viewAt(base: Tensor, offset: number, shape: Shape): Tensor {
    const size = viewAtChecks(base, offset, shape, 1);
    const data = this.data(base, 'base').subarray(offset, offset + size);
    return new Tensor(this, shape, new CpuStorage(data, () => {}), true);
  }

  clear(t: Tensor): void {
    this.data(t, 'tensor').fill(0);
  }

  async read(t: Tensor): Promise<Float64Array> {
    return this.data(t, 'tensor').slice();
  }

  async readMany(ts: readonly Tensor[]): Promise<Float64Array[]> {
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

  private runGemm(dims: MatmulDims, a: Tensor, b: Tensor, out: Tensor, o: Pick<GemmArgs, 'alpha' | 'beta' | 'bias' | 'activation'>): void {
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
    sumAxisForward(this.data(x, 'x'), R, C, axis, this.data(out, 'out'), beta);
    return out;
  }

  sumSquares(ts: readonly Tensor[]): Tensor {
    const total = sumReduceForward(ts.map((t, i) => this.data(t, `tensors[${i}]`)), true);
    return this.wrap(Float64Array.of(total), [1]);
  }

  sum(x: Tensor, scale = 1): Tensor {
    return this.wrap(Float64Array.of(sumReduceForward([this.data(x, 'x')], false, scale)), [1]);
  }

  mse(y: Tensor, target: Tensor, reduction: Reduction): LossResult {
    lossChecks('mse', y, target, reduction);
    const r = mseForwardBackward(this.data(y, 'y'), this.data(target, 'target'), reduction);
    return { loss: this.wrap(Float64Array.of(r.loss), [1]), grad: this.wrap(r.dy, y.shape) };
  }

  crossEntropy(logits: Tensor, targets: Tensor, reduction: Reduction): LossResult {
    const { B, C } = lossChecks('crossEntropy', logits, targets, reduction);
    const r = crossEntropyForwardBackward(this.data(logits, 'logits'), this.data(targets, 'targets'), B, C, reduction);
    return { loss: this.wrap(Float64Array.of(r.loss), [1]), grad: this.wrap(r.dlogits, logits.shape) };
  }

  sgdStep(param: Tensor, grad: Tensor, momentumBuf: Tensor, gscale: Tensor, step: Tensor, hyper: SgdHyper): void {
    optimizerChecks(param, grad, [momentumBuf], gscale, step);
    const coef = this.data(gscale, 'gscale')[1];
    sgdUpdate(this.data(param, 'param'), this.data(grad, 'grad'), this.data(momentumBuf, 'momentumBuf'), coef, this.data(step, 'step')[0], hyper);
  }

  adamStep(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, gscale: Tensor, step: Tensor, hyper: AdamHyper): void {
    optimizerChecks(param, grad, [m, v], gscale, step);
    const coef = this.data(gscale, 'gscale')[1];
    adamUpdate(this.data(param, 'param'), this.data(grad, 'grad'), this.data(m, 'm'), this.data(v, 'v'), coef, this.data(step, 'step')[0], hyper);
  }

  advanceStep(step: Tensor): void {
    this.data(step, 'step')[0] += 1;
  }

  flush(): void {}
  counters(): Counters {
    return { dispatches: 0, submits: 0, readbacks: 0, uploads: 0, pipelinesCreated: 0 };
  }
  resetCounters(): void {}
  liveTensors(): number {
    return this.live;
  }
  destroy(): void {}
}
