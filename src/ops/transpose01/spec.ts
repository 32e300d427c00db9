// Swapping a sequence's two leading axes: what ctx.transpose01 takes, and its argument checks.
import { expectTensor } from '../../core/checks.js';
import { ShapeError, describeShape } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';

export interface Transpose01Methods {
  /** Swaps two axes: [A, B, C] → [B, A, C] (batch-first ⇄ time-major); with a leading batch axis [N, A, B, C] → [N, B, A, C]. */
  transpose01(x: Tensor): Tensor;
}

/** [A, B, C] or [N, A, B, C] → the sizes, N = 1 for rank 3. */
export function transposeDims(x: Tensor): { N: number; A: number; B: number; C: number; out: number[] } {
  expectTensor('x', x);
  if (x.shape.length !== 3 && x.shape.length !== 4)
    throw new ShapeError(
      'x',
      'rank 3 [A, B, C] or rank 4 [N, A, B, C]',
      `rank ${x.shape.length} (shape ${describeShape(x.shape)})`,
    );
  const [N, A, B, C] = x.shape.length === 3 ? [1, ...x.shape] : x.shape;
  return { N, A, B, C, out: x.shape.length === 3 ? [B, A, C] : [N, B, A, C] };
}
