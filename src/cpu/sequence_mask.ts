// CPU twin of shaders/sequence_mask.wgsl, in f64: the steps past each batch row's length zeroed.

/** x [T, B, C] ([B, T, C] batch-first) → a copy with the steps t ≥ lengths[b] of row b zeroed. */
export function sequenceMaskForward(x: Float64Array, T: number, B: number, C: number, lengths: ArrayLike<number>, batchFirst = false): Float64Array {
  const y = x.slice();
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = batchFirst ? b * T + t : t * B + b;
      if (t >= lengths[b]) y.fill(0, row * C, (row + 1) * C);
    }
  }
  return y;
}
