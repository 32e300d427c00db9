// CPU twin of sequence_mask.wgsl, in f64: the steps past each batch row's length zeroed.
import type { CpuDevice } from '../../core/device.js';
import { checkLengths } from '../../core/lengths.js';
import type { Tensor } from '../../core/tensor.js';
import { sequenceMaskChecks } from './spec.js';

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

export function sequenceMask(cpu: CpuDevice, x: Tensor, lengths: Tensor, batchFirst = false): Tensor {
  const [T, B, C] = sequenceMaskChecks(x, lengths, batchFirst);
  return cpu.wrap(
    sequenceMaskForward(
      cpu.data(x, 'x'),
      T,
      B,
      C,
      checkLengths('lengths', cpu.data(lengths, 'lengths'), B, T),
      batchFirst,
    ),
    x.shape,
  );
}
