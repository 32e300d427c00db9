// Gradient clipping in place: scaling by gradNorm's coefficient and clamping to ±clipValue; the public methods and checks.
import { ValueError, describeValue } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';

export interface GradClipMethods {
  /** grad *= gscale[1] in place (PyTorch's clip_grad_norm_ scaling). */
  gradScale(grad: Tensor, gscale: Tensor): void;
  /** grad = clamp(grad, -clipValue, clipValue) in place. */
  gradClamp(grad: Tensor, clipValue: number): void;
}

export function clipValueCheck(clipValue: number): void {
  if (!(clipValue > 0) || !Number.isFinite(clipValue))
    throw new ValueError('clipValue', 'a positive finite number', describeValue(clipValue));
}
