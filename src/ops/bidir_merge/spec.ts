// Merging a bidirectional layer's two directions: the merge modes, what ctx.bidirMerge and
// ctx.bidirMergeBackward take, and their argument checks.
import { expectOptionalTensor, expectTensor } from '../../core/checks.js';
import { ShapeError, ValueError, describeShape } from '../../core/errors.js';
import { expectRank, expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

/** How a bidirectional layer's two directions make one output: concatenated [fwd; bwd] (PyTorch), or summed, multiplied, averaged (Keras). */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export interface BidirMergeMethods {
  /** Merges the directions of a bidirectional output x [T, B, 2H] → [T, B, H] ('sum' | 'mul' | 'ave'). */
  bidirMerge(x: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor;
  /** Gradient of bidirMerge: dY [T, B, H] → dX [T, B, 2H]. */
  bidirMergeBackward(x: Tensor, dy: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor;
}

/** x [T, B, 2H], a mode other than concat, dy [T, B, H] when given; returns H. */
export function mergeChecks(x: Tensor, mode: string, dy?: Tensor): number {
  expectTensor('x', x);
  expectOptionalTensor('dy', dy);
  if (mode !== 'sum' && mode !== 'mul' && mode !== 'ave')
    throw new ValueError('mode', "'sum', 'mul' or 'ave'", JSON.stringify(mode));
  expectRank('x', x.shape, 3);
  if (x.shape[2] % 2 !== 0) throw new ShapeError('x', '[T, B, 2H] (an even last dimension)', describeShape(x.shape));
  const H = x.shape[2] / 2;
  if (dy) expectShape('dy', dy.shape, [x.shape[0], x.shape[1], H]);
  return H;
}
