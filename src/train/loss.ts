// The losses a Trainer takes by name, with their torch keyword options, and the check of that option.
import { checkData, checkOptions, expectObject, optionNames } from '../core/checks.js';
import { crossEntropyOptionChecks, type CrossEntropyOptions } from '../ops/cross_entropy/spec.js';
import {
  huberOptionChecks,
  smoothL1OptionChecks,
  type HuberOptions,
  type SmoothL1Options,
} from '../ops/smooth_l1/spec.js';
import { ValueError, describeValue } from '../core/errors.js';
import type { Sequential } from '../nn/sequential.js';

/**
 * The losses by name, as torch.nn: MSELoss, CrossEntropyLoss (logits and class indices), BCEWithLogitsLoss
 * (logits and 0/1 or soft targets of the output's shape, multi-label), L1Loss, HuberLoss, SmoothL1Loss.
 */
export type LossName = 'mse' | 'crossEntropy' | 'bceWithLogits' | 'l1' | 'huber' | 'smoothL1';

/** BCEWithLogitsLoss's options in a Trainer: posWeight as host numbers, one per output. */
export interface BceWithLogitsLossOptions {
  /** [O] weights of the positive term per output (torch's pos_weight): > 1 trades precision for recall. */
  posWeight?: ArrayLike<number>;
}

/**
 * A loss with its torch keyword options, e.g. `{ name: 'huber', delta: 2 }` or
 * `{ name: 'crossEntropy', ignoreIndex: -100, labelSmoothing: 0.1 }`; a bare name takes torch's defaults.
 */
export type LossConfig =
  | { name: 'mse' }
  | { name: 'l1' }
  | ({ name: 'crossEntropy' } & CrossEntropyOptions)
  | ({ name: 'bceWithLogits' } & BceWithLogitsLossOptions)
  | ({ name: 'huber' } & HuberOptions)
  | ({ name: 'smoothL1' } & SmoothL1Options);

const LOSS_NAMES: readonly LossName[] = ['mse', 'crossEntropy', 'bceWithLogits', 'l1', 'huber', 'smoothL1'];
const LOSS_OPTIONS: Record<LossName, readonly string[]> = {
  mse: [],
  l1: [],
  crossEntropy: optionNames<CrossEntropyOptions>({ ignoreIndex: true, labelSmoothing: true }),
  bceWithLogits: optionNames<BceWithLogitsLossOptions>({ posWeight: true }),
  huber: optionNames<HuberOptions>({ delta: true }),
  smoothL1: optionNames<SmoothL1Options>({ beta: true }),
};

/** The loss option as a LossConfig, its options checked as the backend will (posWeight against the model's outputs). */
/** The loss option checked; `model` (a Sequential, or null for a teacher-forced model) sizes bceWithLogits's posWeight. */
export function checkLoss(loss: unknown, model: Sequential | null): LossConfig {
  const names = LOSS_NAMES.map((n) => `'${n}'`).join(', ');
  if (typeof loss === 'string') {
    if (!(LOSS_NAMES as readonly string[]).includes(loss))
      throw new ValueError('loss', `one of ${names}, or { name, …options }`, JSON.stringify(loss));
    return { name: loss } as LossConfig;
  }
  expectObject('loss', loss, `one of ${names}, or { name, …options }`);
  const name = loss.name as LossName;
  if (!LOSS_NAMES.includes(name)) throw new ValueError('loss.name', `one of ${names}`, describeValue(loss.name));
  checkOptions(`${name} loss options`, loss, ['name', ...LOSS_OPTIONS[name]]);
  const config = loss as LossConfig;
  if (config.name === 'crossEntropy')
    crossEntropyOptionChecks({ ignoreIndex: config.ignoreIndex, labelSmoothing: config.labelSmoothing });
  if (config.name === 'huber') huberOptionChecks({ delta: config.delta });
  if (config.name === 'smoothL1') smoothL1OptionChecks({ beta: config.beta });
  if (config.name === 'bceWithLogits' && config.posWeight !== undefined && model) {
    const O = model.outputSize();
    checkData('posWeight', config.posWeight, O);
    for (let i = 0; i < O; i++)
      if (!Number.isFinite(config.posWeight[i]))
        throw new ValueError(`posWeight[${i}]`, 'a finite number', describeValue(config.posWeight[i]));
    return { ...config, posWeight: Array.from(config.posWeight) };
  }
  return { ...config }; // later changes to the caller's object must not change this trainer's loss
}
