// CPU twin of shaders/sequence_mask.wgsl, in f64: the steps past each batch row's length zeroed.

/** The rows t·B + b (b·T + t batch-first) of [T, B, ·] whose step t is within its length, in order. */
export function validRows(T: number, B: number, lengths: ArrayLike<number>, batchFirst = false): number[] {
  const rows: number[] = [];
  for (let i = 0; i < T * B; i++) {
    const [t, b] = batchFirst ? [i % T, Math.floor(i / T)] : [Math.floor(i / B), i % B];
    if (t < lengths[b]) rows.push(i);
  }
  return rows;
}

/** x [T, B, C] ([B, T, C] batch-first) → a copy with the steps t ≥ lengths[b] of row b zeroed. */
export function sequenceMaskForward(
  x: Float64Array,
  T: number,
  B: number,
  C: number,
  lengths: ArrayLike<number>,
  batchFirst = false,
): Float64Array {
  const y = x.slice();
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = batchFirst ? b * T + t : t * B + b;
      if (t >= lengths[b]) y.fill(0, row * C, (row + 1) * C);
    }
  }
  return y;
}
