// CPU twin of shaders/matmul_*.wgsl: C = act(α·op(A)·op(B) + β·C + bias), in f64.
import type { Activation } from '../activation.js';
import { activate } from './activation.js';

export interface MatmulDims {
  M: number;
  N: number;
  K: number;
  transA: boolean; // A stored [K, M] instead of [M, K]
  transB: boolean; // B stored [N, K] instead of [K, N]
}

export interface MatmulEpilogue {
  alpha: number;
  beta: number; // 0: c is not read
  bias?: Float64Array; // [N]
  activation: Activation;
}

/** Writes into c [M, N] (read too when beta ≠ 0). */
export function matmulForward(a: Float64Array, b: Float64Array, c: Float64Array, d: MatmulDims, e: MatmulEpilogue): void {
  const { M, N, K, transA, transB } = d;
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) {
        const av = transA ? a[k * M + m] : a[m * K + k];
        const bv = transB ? b[n * K + k] : b[k * N + n];
        acc += av * bv;
      }
      let v = e.alpha * acc;
      if (e.beta !== 0) v += e.beta * c[m * N + n];
      if (e.bias) v += e.bias[n];
      c[m * N + n] = activate(v, e.activation);
    }
  }
}
