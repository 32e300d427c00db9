// CPU twin of shaders/sequence_mask.wgsl, in f64: the steps past each batch row's length zeroed.

/** x [T, B, C] → a copy with y[t, b, :] = 0 for t ≥ lengths[b]. */
export function sequenceMaskForward(x: Float64Array, T: number, B: number, C: number, lengths: ArrayLike<number>): Float64Array {
  const y = x.slice();
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t >= lengths[b]) y.fill(0, (t * B + b) * C, (t * B + b + 1) * C);
  return y;
}
