// CPU twin of shaders/matmul_*.wgsl: C = act(α·op(A)·op(B) + β·C + bias), in f64.
import type { Activation } from '../activation.js';
import { activate } from './activation.js';

export interface MatmulDims {
  M: number;
  N: number;
  K: number;
  transA: boolean; // A stored [K, M] instead of [M, K]
  transB: boolean; // B stored [N, K] instead of [K, N]
  lda: number; // row strides as stored (BLAS leading dimensions)
  ldb: number;
  ldc: number;
  offA: number; // element offsets of the first element
  offB: number;
  offC: number;
}

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
