import { defineOp, type OpImpl } from '../../core/op.js';
import type { Tensor } from '../../core/tensor.js';
import { lossChecks, type LossResult, type Reduction, type StepMask } from '../loss/spec.js';
import * as cpu from './cpu.js';
import { huberOptionChecks, smoothL1OptionChecks, type SmoothL1Methods } from './spec.js';
import * as webgpu from './webgpu.js';

type SmoothL1Loss<D> = (
  device: D,
  y: Tensor,
  target: Tensor,
  reduction: Reduction,
  beta: number,
  scale: number,
  steps: StepMask | undefined,
) => LossResult;

/** torch's L1Loss (β 0), HuberLoss (β = scale = delta) and SmoothL1Loss (scale 1) as one side's scale · SmoothL1(β). */
function lossFamily<D>(loss: SmoothL1Loss<D>): OpImpl<SmoothL1Methods, D> {
  return {
    l1(device, y, target, reduction, steps) {
      lossChecks('l1', y, target, reduction);
      return loss(device, y, target, reduction, 0, 1, steps);
    },
    huber(device, y, target, reduction, options, steps) {
      lossChecks('huber', y, target, reduction);
      const delta = huberOptionChecks(options);
      return loss(device, y, target, reduction, delta, delta, steps);
    },
    smoothL1(device, y, target, reduction, options, steps) {
      lossChecks('smoothL1', y, target, reduction);
      return loss(device, y, target, reduction, smoothL1OptionChecks(options), 1, steps);
    },
  };
}

export const smoothL1 = defineOp<SmoothL1Methods>({
  name: 'smooth_l1',
  kernels: [webgpu.SMOOTH_L1],
  cpu: lossFamily(cpu.smoothL1Loss),
  webgpu: lossFamily(webgpu.smoothL1Loss),
});
