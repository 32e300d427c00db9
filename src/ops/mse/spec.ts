// Mean squared error (torch.nn.MSELoss): its public method.
import type { Tensor } from '../../core/tensor.js';
import type { LossResult, Reduction, StepMask } from '../loss/spec.js';

export interface MseMethods {
  /**
   * Mean squared error of y against target (same shape) and dLoss/dy. With `steps`, y is a batch of
   * sequences [T, B, C] ([B, T, C] batch-first) and the steps past each row's length count for nothing
   * (no loss, zero gradient); 'mean' divides by the valid elements, steps.count·C.
   */
  mse(y: Tensor, target: Tensor, reduction: Reduction, steps?: StepMask): LossResult;
}
