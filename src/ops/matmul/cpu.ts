// CPU twin of matmul_*.wgsl: C = act(α·op(A)·op(B) + β·C + bias), in f64.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { toActivation, type Activation } from '../activation/spec.js';
import { activate } from '../activation/cpu.js';
import { gemmDims, matmulDims, type GemmArgs, type GemmEpilogue, type MatmulDims, type MatmulOptions } from './spec.js';

export interface MatmulEpilogue {
  alpha: number;
  beta: number; // 0: c is not read
  bias?: Float64Array; // [N]
  activation: Activation;
}

/** Writes the [M, N] block of c (read too when beta ≠ 0). */
export function matmulForward(
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  d: MatmulDims,
  e: MatmulEpilogue,
): void {
  const { M, N, K, transA, transB, lda, ldb, ldc, offA, offB, offC } = d;
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) {
        const av = transA ? a[offA + k * lda + m] : a[offA + m * lda + k];
        const bv = transB ? b[offB + n * ldb + k] : b[offB + k * ldb + n];
        acc += av * bv;
      }
      const i = offC + m * ldc + n;
      let v = e.alpha * acc;
      if (e.beta !== 0) v += e.beta * c[i];
      if (e.bias) v += e.bias[n];
      c[i] = activate(v, e.activation);
    }
  }
}

export function matmul(cpu: CpuDevice, a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const dims = matmulDims(a, b, options);
  const out = options.out ?? cpu.zeros([dims.M, dims.N]);
  runGemm(cpu, dims, a, b, out, options);
  return out;
}

export function gemm(cpu: CpuDevice, args: GemmArgs): void {
  runGemm(cpu, gemmDims(args), args.a, args.b, args.out, args);
}

function runGemm(cpu: CpuDevice, dims: MatmulDims, a: Tensor, b: Tensor, out: Tensor, o: GemmEpilogue): void {
  matmulForward(cpu.data(a, 'a'), cpu.data(b, 'b'), cpu.data(out, 'out'), dims, {
    alpha: o.alpha ?? 1,
    beta: o.beta ?? 0,
    bias: o.bias ? cpu.data(o.bias, 'bias') : undefined,
    activation: toActivation('activation', o.activation ?? 'identity'),
  });
}
