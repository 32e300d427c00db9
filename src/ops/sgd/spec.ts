// SGD (torch.optim.SGD's update): its hyper-parameters and public method.
import type { Tensor } from '../../core/tensor.js';

/** SGD's hyper-parameters fixed for the optimizer's life; the learning rate comes separately (it may change every step). */
export interface SgdHyper {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface SgdMethods {
  /**
   * In-place SGD update. gscale [4] = (pre-clip norm, clip coefficient, skip flag, loss) from gradNorm
   * (skip ≠ 0 leaves everything unchanged); step [1] counts the updates done so far; lr [1] is the
   * learning rate, a tensor so that a schedule can rewrite it between steps without new uniforms.
   */
  sgdStep(
    param: Tensor,
    grad: Tensor,
    momentumBuf: Tensor,
    gscale: Tensor,
    step: Tensor,
    lr: Tensor,
    hyper: SgdHyper,
  ): void;
}
