// Top-k per row: what ctx.topk takes and returns, and its argument checks (shared by both sides).
import { ShapeError, ValueError, describeShape, describeValue } from '../../core/errors.js';
import { expectTensor } from '../../core/checks.js';
import type { Tensor } from '../../core/tensor.js';

export interface TopkMethods {
  /**
   * The k largest entries of each row of x [..., N] (rows along the last axis), in descending order, ties
   * to the lowest index (a NaN ranks above +Infinity, as in torch.topk): values [..., k] and their indices
   * [..., k] (f32 integers, ready for an Embedding). 1 ≤ k ≤ N.
   */
  topk(x: Tensor, k: number): { values: Tensor; indices: Tensor };
}

/** topk: x of rank ≥ 1 with N < 2^24 per row (indices are f32), k an integer in [1, N]; returns R rows and N. */
export function topkChecks(x: Tensor, k: number): { R: number; N: number } {
  expectTensor('x', x);
  if (x.shape.length < 1) throw new ShapeError('x', '[..., N] of rank ≥ 1', describeShape(x.shape));
  const N = x.shape.at(-1)!;
  if (N >= 2 ** 24)
    throw new ShapeError(
      'x',
      'fewer than 2^24 entries per row (indices are f32, exact integers only below 2^24)',
      describeShape(x.shape),
    );
  if (!Number.isInteger(k) || k < 1 || k > N)
    throw new ValueError(
      'k',
      `an integer in [1, ${N}] (the row length of x ${describeShape(x.shape)})`,
      describeValue(k),
    );
  return { R: x.size / N, N };
}
