// L1Loss, HuberLoss and SmoothL1Loss, one elementwise loss: their options, public methods and option checks.
import { checkOptions } from '../../core/checks.js';
import { ValueError, describeValue } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { LossResult, Reduction, StepMask } from '../loss/spec.js';

/** torch.nn.HuberLoss's keyword options. */
export interface HuberOptions {
  /** Where the loss turns from quadratic to linear; > 0, default 1. */
  delta?: number;
}

/** torch.nn.SmoothL1Loss's keyword options. */
export interface SmoothL1Options {
  /** Where the loss turns from quadratic to linear; ≥ 0 (0: L1Loss), default 1. */
  beta?: number;
}

export interface SmoothL1Methods {
  /**
   * Mean absolute error (torch.nn.L1Loss) of y against target (same shape) and dLoss/dy (sign(y − target), 0 at a tie).
   * `steps` as for mse: the padding counts for nothing, whatever it holds; 'mean' over the valid elements.
   */
  l1(y: Tensor, target: Tensor, reduction: Reduction, steps?: StepMask): LossResult;
  /** torch.nn.HuberLoss: 0.5·d² where |d| < delta, else delta·(|d| − 0.5·delta); options.delta > 0 (default 1). `steps` as for l1. */
  huber(y: Tensor, target: Tensor, reduction: Reduction, options?: HuberOptions, steps?: StepMask): LossResult;
  /** torch.nn.SmoothL1Loss: 0.5·d²/beta where |d| < beta, else |d| − 0.5·beta (HuberLoss / beta); options.beta ≥ 0 (default 1; 0 is L1). `steps` as for l1. */
  smoothL1(y: Tensor, target: Tensor, reduction: Reduction, options?: SmoothL1Options, steps?: StepMask): LossResult;
}

/** huber's options: delta > 0 (torch refuses 0 too); returns it (default 1). */
export function huberOptionChecks(options: HuberOptions | undefined): number {
  checkOptions('huber options', options, ['delta']);
  const delta = options?.delta ?? 1;
  if (!(typeof delta === 'number' && Number.isFinite(delta) && delta > 0))
    throw new ValueError('delta', 'a finite number > 0', describeValue(delta));
  return delta;
}

/** smoothL1's options: beta ≥ 0 (0 is L1Loss, as torch); returns it (default 1). */
export function smoothL1OptionChecks(options: SmoothL1Options | undefined): number {
  checkOptions('smoothL1 options', options, ['beta']);
  const beta = options?.beta ?? 1;
  if (!(typeof beta === 'number' && Number.isFinite(beta) && beta >= 0))
    throw new ValueError('beta', 'a finite number ≥ 0', describeValue(beta));
  return beta;
}
