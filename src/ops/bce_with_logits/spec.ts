// torch.nn.BCEWithLogitsLoss: its options, public method and option checks.
import { checkOptions, expectTensor, optionNames } from '../../core/checks.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';
import type { LossResult, Reduction, StepMask } from '../loss/spec.js';

/** torch.nn.BCEWithLogitsLoss's keyword options. */
export interface BceWithLogitsOptions {
  /** [C], weighs the positive term of class c (the logits' last axis): > 1 raises recall, as torch's pos_weight. */
  posWeight?: Tensor;
}

export interface BceWithLogitsMethods {
  /**
   * torch.nn.BCEWithLogitsLoss of logits against targets of the same shape (probabilities, 0/1 for
   * multi-label classification) and dLoss/dlogits; stable for any finite logit. 'mean' is over all elements
   * (with `steps`, as for l1: over the valid steps' elements, the padding's logits and targets unread).
   */
  bceWithLogits(
    logits: Tensor,
    targets: Tensor,
    reduction: Reduction,
    options?: BceWithLogitsOptions,
    steps?: StepMask,
  ): LossResult;
}

const BCE_OPTIONS = optionNames<BceWithLogitsOptions>({ posWeight: true });

/** bceWithLogits's options: posWeight a Tensor [C] along the logits' last axis. */
export function bceOptionChecks(options: BceWithLogitsOptions | undefined, C: number): Tensor | null {
  checkOptions('bceWithLogits options', options, BCE_OPTIONS);
  const pw = options?.posWeight;
  if (pw === undefined) return null;
  expectTensor('posWeight', pw);
  expectShape('posWeight', pw.shape, [C]);
  return pw;
}
