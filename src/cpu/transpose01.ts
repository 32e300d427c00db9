// CPU twin of shaders/transpose01.wgsl: [A, B, C] → [B, A, C].

export function transpose01Forward(x: Float64Array, A: number, B: number, C: number): Float64Array {
  const out = new Float64Array(A * B * C);
  for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) out[(b * A + a) * C + c] = x[(a * B + b) * C + c];
  return out;
}
