// CPU twin of shaders/transpose01.wgsl: [N, A, B, C] → [N, B, A, C].

export function transpose01Forward(x: Float64Array, A: number, B: number, C: number, N = 1): Float64Array {
  const out = new Float64Array(N * A * B * C);
  for (let n = 0; n < N; n++) {
    for (let a = 0; a < A; a++)
      for (let b = 0; b < B; b++)
        for (let c = 0; c < C; c++) out[((n * B + b) * A + a) * C + c] = x[((n * A + a) * B + b) * C + c];
  }
  return out;
}
