// CPU twin of mse.wgsl (+ the sum_reduce that totals it), in f64.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { elementwiseLoss } from '../loss/cpu.js';
import { lossChecks, type LossResult, type Reduction, type StepMask } from '../loss/spec.js';

/** Returns the loss and dLoss/dy; 'mean' divides by the number of elements, as torch.nn.MSELoss. */
export function mseForwardBackward(
  y: Float64Array,
  target: Float64Array,
  reduction: Reduction,
): { loss: number; dy: Float64Array } {
  const scale = reduction === 'mean' ? 1 / y.length : 1;
  const dy = new Float64Array(y.length);
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i] - target[i];
    dy[i] = scale * 2 * d;
    s += d * d;
  }
  return { loss: scale * s, dy };
}

export function mse(cpu: CpuDevice, y: Tensor, target: Tensor, reduction: Reduction, steps?: StepMask): LossResult {
  lossChecks('mse', y, target, reduction);
  return elementwiseLoss(cpu, y, target, reduction, steps, (a, b, r) => {
    const { loss, dy } = mseForwardBackward(a, b, r);
    return { loss, grad: dy };
  });
}
