// Sums: what ctx.sumAxis, ctx.sumSquares and ctx.sum take, and their argument checks.
import { expectOptionalTensor, expectTensor, optionNames } from '../../core/checks.js';
import { ValueError, describeValue } from '../../core/errors.js';
import { expectRank, expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

export interface SumAxisOptions {
  /** Tensor to write into; with beta ≠ 0 the sum is added to β·out (gradient accumulation). */
  out?: Tensor;
  beta?: number;
  /** Sum the squares of the elements. */
  square?: boolean;
}

export const SUM_AXIS_OPTIONS = optionNames<SumAxisOptions>({ out: true, beta: true, square: true });

export interface ReduceMethods {
  /** Sum of a matrix [R, C] along axis 0 (→ [C]) or 1 (→ [R]). */
  sumAxis(x: Tensor, axis: 0 | 1, options?: SumAxisOptions): Tensor;
  /** Σ over all tensors of x², as a [1] tensor (deterministic two-stage reduction on the GPU). */
  sumSquares(ts: readonly Tensor[]): Tensor;
  /** scale · Σ x as a [1] tensor (the same deterministic reduction). */
  sum(x: Tensor, scale?: number): Tensor;
}

export function sumAxisDims(x: Tensor, axis: 0 | 1, out?: Tensor, beta = 0): { R: number; C: number; outLen: number } {
  expectTensor('x', x);
  expectOptionalTensor('out', out);
  expectRank('x', x.shape, 2);
  if (axis !== 0 && axis !== 1) throw new ValueError('axis', '0 or 1', describeValue(axis));
  const [R, C] = x.shape;
  const outLen = axis === 0 ? C : R;
  if (out) expectShape('out', out.shape, [outLen]);
  if (beta !== 0 && !out) throw new ValueError('out', 'a tensor when beta ≠ 0', 'none');
  return { R, C, outLen };
}
