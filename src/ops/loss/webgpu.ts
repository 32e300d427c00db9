// What the losses' GPU sides share. Each loss is one kernel writing the gradient and per-element (or per-row)
// losses, then a two-stage reduction summing them. With a StepMask (variable-length sequences) the padding
// counts for nothing: the elementwise losses zero its gradient and elementwise losses after their kernel
// (whatever the padding held, NaN included: two dispatches more), and 'mean' divides by the valid count.
import type { GpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { reduce } from '../reduce/webgpu.js';
import { sequenceMask } from '../sequence_mask/webgpu.js';
import { stepMaskChecks, type LossResult, type StepMask } from './spec.js';

/** The mean's divisor: all elements, or with a StepMask the valid ones (steps.count·C, known on the host). */
export function meanCount(y: Tensor, steps: StepMask | undefined): number {
  if (!steps) return y.size;
  stepMaskChecks(y, false, steps);
  return steps.count * y.shape[2];
}

/**
 * An elementwise loss's result from its kernel's outputs, which it takes over: with a StepMask the padding's
 * steps of grad and elem zeroed (into new tensors), then loss = scale · Σ elem; every tensor but the
 * returned gradient released.
 */
export function elementwiseResult(
  gpu: GpuDevice,
  steps: StepMask | undefined,
  grad: Tensor,
  elem: Tensor,
  scale: number,
): LossResult {
  let [g, e] = [grad, elem];
  if (steps) {
    [g, e] = [grad, elem].map((t) => sequenceMask(gpu, t, steps.lengths, steps.batchFirst));
    grad.release();
    elem.release();
  }
  const loss = reduce(gpu, [e], false, scale, 'sum');
  e.release();
  return { loss, grad: g };
}
