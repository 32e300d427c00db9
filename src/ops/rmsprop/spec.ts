// RMSprop (torch.optim.RMSprop's update): its hyper-parameters, public method and argument checks.
import { checkSameShape, expectTensor } from '../../core/checks.js';
import { ValueError } from '../../core/errors.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

/** RMSprop's hyper-parameters fixed for the optimizer's life; the learning rate comes separately (it may change every step). */
export interface RmspropHyper {
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
}

export interface RmspropMethods {
  /**
   * In-place RMSprop update (torch.optim.RMSprop), gscale and lr as sgdStep. gradAvg is read and written
   * only when hyper.centered and momentumBuf only when hyper.momentum > 0: otherwise each may be a [1] placeholder.
   */
  rmspropStep(
    param: Tensor,
    grad: Tensor,
    squareAvg: Tensor,
    gradAvg: Tensor,
    momentumBuf: Tensor,
    gscale: Tensor,
    lr: Tensor,
    hyper: RmspropHyper,
  ): void;
}

/** rmspropStep's tensors: gradAvg and momentumBuf need the param's shape only when used (centered, momentum > 0), every written one its own tensor. */
export function rmspropChecks(
  param: Tensor,
  grad: Tensor,
  squareAvg: Tensor,
  gradAvg: Tensor,
  momentumBuf: Tensor,
  gscale: Tensor,
  lr: Tensor,
  h: RmspropHyper,
): void {
  for (const [name, t] of [
    ['gscale', gscale],
    ['lr', lr],
  ] as const)
    expectTensor(name, t);
  checkSameShape('grad', grad, param, 'param');
  checkSameShape('squareAvg', squareAvg, param, 'param');
  expectShape('gscale', gscale.shape, [4]);
  expectShape('lr', lr.shape, [1]);
  expectTensor('gradAvg', gradAvg);
  expectTensor('momentumBuf', momentumBuf);
  if (h.centered) checkSameShape('gradAvg', gradAvg, param, 'param');
  if (h.momentum > 0) checkSameShape('momentumBuf', momentumBuf, param, 'param');
  const written: [string, Tensor][] = [
    ['param', param],
    ['squareAvg', squareAvg],
    ['gradAvg', gradAvg],
    ['momentumBuf', momentumBuf],
  ];
  written.forEach(([name, t], i) => {
    const other = written.findIndex(([, u]) => u === t);
    if (other < i)
      throw new ValueError(
        name,
        `another tensor than ${written[other][0]} (the kernel writes both)`,
        'the same tensor',
      );
  });
}
