// Per-parameter gradient norms: the public method and its checks.
import { expectTensor } from '../../core/checks.js';
import { ShapeError, ValueError, describeShape } from '../../core/errors.js';
import { expectRank } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

export interface SegmentNormsMethods {
  /** L2 norm of each (offset, length) segment of x; segments [count, 2] (per-parameter gradient norms). */
  segmentNorms(x: Tensor, segments: Tensor): Tensor;
}

/** segments [count, 2] over x (< 2^24 elements); with the table on the host, each pair inside x. Returns count. */
export function segmentChecks(x: Tensor, segments: Tensor, table: ArrayLike<number> | null): number {
  expectTensor('x', x);
  expectTensor('segments', segments);
  expectRank('segments', segments.shape, 2);
  if (segments.shape[1] !== 2)
    throw new ShapeError('segments', '[count, 2] (offset, length) pairs', describeShape(segments.shape));
  if (x.size >= 2 ** 24)
    throw new ShapeError('x', 'fewer than 2^24 elements (segment offsets travel as exact f32)', `${x.size}`);
  if (table) {
    for (let s = 0; s < table.length; s += 2) {
      if (
        !Number.isInteger(table[s]) ||
        !Number.isInteger(table[s + 1]) ||
        table[s] < 0 ||
        table[s] + table[s + 1] > x.size
      ) {
        throw new ValueError(
          `segments[${s / 2}]`,
          `an (offset, length) pair inside [0, ${x.size})`,
          `(${table[s]}, ${table[s + 1]})`,
        );
      }
    }
  }
  return segments.shape[0];
}
