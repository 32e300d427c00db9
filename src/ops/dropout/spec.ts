// Inverted dropout: what ctx.dropout takes (DropoutConfig) and its argument checks.
import { checkOptions, expectObject, expectTensor, optionNames } from '../../core/checks.js';
import { ValueError, describeValue } from '../../core/errors.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

/** Where a dropout call's masks come from: p, the model's seed and the site's stream number. */
export interface DropoutConfig {
  /** Probability of zeroing an element, in [0, 1]. */
  p: number;
  /** An integer; its low and high 32 bits are Philox's key. */
  seed: number;
  /** The dropout site within its model (a u32): each site draws its own masks. */
  stream: number;
}

export interface DropoutMethods {
  /**
   * Inverted dropout (torch.nn.Dropout in training): y = x ⊙ mask / (1 − p), the mask drawn from
   * Philox4x32-10 at (config.seed, config.stream, step, element index), the same on every adapter and
   * on the CPU. `step` [1] holds the step counter (opaque: made by zeros(), advanced only here) and
   * step + 1 is written into `nextStep` [1]; alternating the two between calls gives a fresh mask each
   * call with unchanging uniforms. dL/dx is the same call on dL/dy with the same two tensors.
   */
  dropout(x: Tensor, step: Tensor, nextStep: Tensor, config: DropoutConfig): Tensor;
}

/** A dropout probability: a number in [0, 1] (1 zeroes everything, as PyTorch). */
export function checkDropoutP(argument: string, p: unknown): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new ValueError(argument, 'a probability in [0, 1]', describeValue(p));
}

/** A dropout call: p in [0, 1], an integer seed, a u32 stream, one-element step tensors, neither of them x. */
export function dropoutChecks(x: Tensor, step: Tensor, nextStep: Tensor, config: DropoutConfig): void {
  expectTensor('x', x);
  expectTensor('step', step);
  expectTensor('nextStep', nextStep);
  expectObject('config', config, '{ p, seed, stream }');
  checkOptions('config', config, optionNames<DropoutConfig>({ p: true, seed: true, stream: true }));
  checkDropoutP('p', config.p);
  if (!Number.isSafeInteger(config.seed)) throw new ValueError('seed', 'an integer', describeValue(config.seed));
  if (!Number.isInteger(config.stream) || config.stream < 0 || config.stream >= 2 ** 32)
    throw new ValueError('stream', 'an integer in [0, 2^32)', describeValue(config.stream));
  expectShape('step', step.shape, [1]);
  expectShape('nextStep', nextStep.shape, [1]);
  if (step === nextStep)
    throw new ValueError(
      'nextStep',
      'another tensor than step (the kernel reads one and writes the other)',
      'the same tensor',
    );
}

/**
 * Elements are kept where their draw r (a u32) is below this: ⌈(1 − p)·2^32⌉, so r·2^-32 < 1 − p as
 * PyTorch's bernoulli(1 − p); clamped to 2^32 − 1 (a u32) for p below 2^-32.
 */
export function keepThreshold(p: number): number {
  return Math.min(Math.ceil((1 - p) * 2 ** 32), 2 ** 32 - 1);
}

/** 1/(1 − p), and 0 for p = 1 (nothing is kept: PyTorch's all-zero output). */
export function dropoutScale(p: number): number {
  return p === 1 ? 0 : 1 / (1 - p);
}
