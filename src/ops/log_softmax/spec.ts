// Log-softmax over the last axis: what ctx.logSoftmax takes and gives, and its argument checks.
import { expectTensor } from '../../core/checks.js';
import { ShapeError, describeShape } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';

export interface LogSoftmaxMethods {
  /**
   * log softmax of every row of x [R, C] (numerically stable: x − max − log Σ exp(x − max)), as torch's
   * log_softmax(x, dim=-1): a decoder's log-probabilities from its logits. A new tensor [R, C].
   */
  logSoftmax(x: Tensor): Tensor;
}

/** x [R, C] with C ≥ 1 → R and C. */
export function logSoftmaxDims(x: Tensor): { R: number; C: number } {
  expectTensor('x', x);
  if (x.shape.length !== 2 || x.shape[1] < 1)
    throw new ShapeError('x', 'a matrix [R, C] with C ≥ 1 (rows of logits)', describeShape(x.shape));
  return { R: x.shape[0], C: x.shape[1] };
}
