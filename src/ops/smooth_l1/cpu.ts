// CPU twin of smooth_l1.wgsl (+ the sum_reduce that totals it), in f64: torch's SmoothL1Loss,
// HuberLoss and L1Loss are one elementwise loss,
//   l(d) = scale · (|d| < β ? 0.5·d²/β : |d| − 0.5·β),   d = y − target,
// with (β, scale) = (beta, 1) for SmoothL1Loss, (delta, delta) for HuberLoss and (0, 1) for L1Loss.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { elementwiseLoss } from '../loss/cpu.js';
import type { LossResult, Reduction, StepMask } from '../loss/spec.js';

/** Returns the loss and dLoss/dy; 'mean' divides by the number of elements, as torch. */
export function smoothL1ForwardBackward(
  y: Float64Array,
  target: Float64Array,
  reduction: Reduction,
  beta: number,
  scale: number,
): { loss: number; dy: Float64Array } {
  const r = (reduction === 'mean' ? 1 / y.length : 1) * scale;
  const dy = new Float64Array(y.length);
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i] - target[i];
    const a = Math.abs(d);
    const quadratic = a < beta;
    dy[i] = r * (quadratic ? d / beta : Math.sign(d));
    s += quadratic ? (0.5 * d * d) / beta : a - 0.5 * beta;
  }
  return { loss: r * s, dy };
}

/** scale · SmoothL1(beta) over y (or its valid steps). */
export function smoothL1Loss(
  cpu: CpuDevice,
  y: Tensor,
  target: Tensor,
  reduction: Reduction,
  beta: number,
  scale: number,
  steps: StepMask | undefined,
): LossResult {
  return elementwiseLoss(cpu, y, target, reduction, steps, (a, b, r) => {
    const { loss, dy } = smoothL1ForwardBackward(a, b, r, beta, scale);
    return { loss, grad: dy };
  });
}
