// What the optimizer updates (sgd, adam, rmsprop) share: their tensors' conventions and checks, and
// advanceStep, which counts the updates. The clip coefficient and the skip flag come from gscale
// [norm, coef, skip, loss] (gradNorm), the step count and the learning rate from one-element tensors
// (a schedule rewrites lr in place: the uniforms never change).
import { checkSameShape, expectTensor } from '../../core/checks.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

export interface OptimizerMethods {
  /** step[0] += 1 after an optimizer update, unless gscale's skip flag is set. */
  advanceStep(step: Tensor, gscale: Tensor): void;
}

/** An update's tensors: grad and every state tensor of the param's shape, gscale [4], step [1], lr [1]. */
export function optimizerChecks(
  param: Tensor,
  grad: Tensor,
  state: Tensor[],
  gscale: Tensor,
  step: Tensor,
  lr: Tensor,
): void {
  for (const [name, t] of [
    ['gscale', gscale],
    ['step', step],
    ['lr', lr],
  ] as const)
    expectTensor(name, t);
  checkSameShape('grad', grad, param, 'param');
  state.forEach((s, i) => checkSameShape(`state[${i}]`, s, param, 'param'));
  expectShape('gscale', gscale.shape, [4]);
  expectShape('step', step.shape, [1]);
  expectShape('lr', lr.shape, [1]);
}
