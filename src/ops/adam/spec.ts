// Adam and AdamW (torch.optim.Adam / AdamW's update): their hyper-parameters and public method.
import type { Tensor } from '../../core/tensor.js';

/** Adam's hyper-parameters fixed for the optimizer's life; the learning rate comes separately (it may change every step). */
export interface AdamHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean; // AdamW
}

export interface AdamMethods {
  /** In-place Adam / AdamW update, same conventions as sgdStep. */
  adamStep(
    param: Tensor,
    grad: Tensor,
    m: Tensor,
    v: Tensor,
    gscale: Tensor,
    step: Tensor,
    lr: Tensor,
    hyper: AdamHyper,
  ): void;
}
