// Softmax cross-entropy (torch.nn.CrossEntropyLoss with class-index targets): its options, public method,
// option checks and the host check of class targets.
import { checkOptions, optionNames } from '../../core/checks.js';
import { ValueError, describeValue } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { LossResult, Reduction, StepMask } from '../loss/spec.js';

/** torch.nn.CrossEntropyLoss's keyword options (class-index targets). */
export interface CrossEntropyOptions {
  /**
   * Rows whose target equals this index add nothing to the loss or the gradient, and 'mean' divides by
   * the rows that remain (every row ignored: NaN, as torch). Unset (the default) ignores nothing: unlike
   * torch's default of -100, pass `ignoreIndex: -100` to get it.
   */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target distribution is (1 − ε)·onehot + ε/C, as torch's label_smoothing. */
  labelSmoothing?: number;
}

export interface CrossEntropyMethods {
  /**
   * Softmax cross-entropy of logits [B, C] against class indices [B] and dLoss/dlogits
   * (torch.nn.CrossEntropyLoss with ignoreIndex and labelSmoothing). With `steps` the B = T·B' rows are a
   * batch of sequences (time-major, or batch-first) and the rows past each sequence's length count for
   * nothing, whatever their targets; 'mean' divides by the valid rows (not ignored).
   */
  crossEntropy(
    logits: Tensor,
    targets: Tensor,
    reduction: Reduction,
    options?: CrossEntropyOptions,
    steps?: StepMask,
  ): LossResult;
}

const CROSS_ENTROPY_OPTIONS = optionNames<CrossEntropyOptions>({ ignoreIndex: true, labelSmoothing: true });

/** crossEntropy's options: ignoreIndex an integer f32 holds exactly (targets live in f32), labelSmoothing in [0, 1]. */
export function crossEntropyOptionChecks(options: CrossEntropyOptions | undefined): void {
  checkOptions('crossEntropy options', options, CROSS_ENTROPY_OPTIONS);
  const { ignoreIndex, labelSmoothing } = options ?? {};
  if (ignoreIndex !== undefined && !(Number.isInteger(ignoreIndex) && Math.abs(ignoreIndex) <= 2 ** 24)) {
    throw new ValueError(
      'ignoreIndex',
      'an integer in [-2^24, 2^24] (e.g. -100, as torch)',
      describeValue(ignoreIndex),
    );
  }
  if (
    labelSmoothing !== undefined &&
    !(typeof labelSmoothing === 'number' && labelSmoothing >= 0 && labelSmoothing <= 1)
  ) {
    throw new ValueError('labelSmoothing', 'a number in [0, 1]', describeValue(labelSmoothing));
  }
}

/** Class targets must be integers in [0, C) or ignoreIndex: checked on the host before they reach a kernel. */
export function checkClassTargets(argument: string, targets: ArrayLike<number>, C: number, ignoreIndex?: number): void {
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t !== ignoreIndex && (!Number.isInteger(t) || t < 0 || t >= C)) {
      const ignored = ignoreIndex === undefined ? '' : ` or the ignoreIndex ${ignoreIndex}`;
      throw new ValueError(`${argument}[${i}]`, `an integer class index in [0, ${C - 1}]${ignored}`, describeValue(t));
    }
  }
}
