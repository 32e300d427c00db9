// Global gradient norm and clip coefficient (PyTorch clip_grad_norm_): the public method and its checks.
import { expectOptionalTensor } from '../../core/checks.js';
import { ValueError, describeValue } from '../../core/errors.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

export interface GradNormMethods {
  /**
   * Global norm of a flat gradient buffer and the clip coefficient, as gscale [4] = (norm, coef =
   * min(maxNorm / (norm + 1e-6), 1) as PyTorch, skip = 1 when the norm or the loss is not finite, loss).
   */
  gradNorm(grads: Tensor, maxNorm: number, normType: 2 | 'inf', loss: Tensor | null): Tensor;
}

/** maxNorm > 0 (Infinity: measure only), normType 2 or 'inf', loss null or a [1] tensor. */
export function gradNormChecks(maxNorm: number, normType: unknown, loss: Tensor | null): void {
  if (!(maxNorm > 0))
    throw new ValueError('maxNorm', 'a positive number (Infinity: measure without clipping)', describeValue(maxNorm));
  if (normType !== 2 && normType !== 'inf') throw new ValueError('normType', "2 or 'inf'", JSON.stringify(normType));
  expectOptionalTensor('loss', loss);
  if (loss) expectShape('loss', loss.shape, [1]);
}
