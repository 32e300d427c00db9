// What the losses' CPU twins share: with a StepMask, only the valid steps' rows are computed (gathered,
// whatever the padding holds) and their gradients scattered back with zeros elsewhere.
import type { CpuDevice } from '../../core/device.js';
import { checkLengths } from '../../core/lengths.js';
import type { Tensor } from '../../core/tensor.js';
import { validRows } from '../sequence_mask/cpu.js';
import { stepMaskChecks, type LossResult, type Reduction, type StepMask } from './spec.js';

/** The indices of the valid rows of y's T·B rows (rows: y is [T·B, C], else [T, B, C]), in order. */
export function stepRows(cpu: CpuDevice, y: Tensor, rows: boolean, steps: StepMask): number[] {
  const { T, B } = stepMaskChecks(y, rows, steps);
  const lengths = checkLengths('steps.lengths', cpu.data(steps.lengths, 'steps.lengths'), B, T);
  return validRows(T, B, lengths, steps.batchFirst);
}

/** The listed rows of C values of d, packed. */
export function gatherRows(d: Float64Array, rows: readonly number[], C: number): Float64Array {
  return Float64Array.from(rows.flatMap((i) => Array.from(d.subarray(i * C, (i + 1) * C))));
}

/** A [size] array holding scale · packed row k at row rows[k], zeros elsewhere. */
export function scatterRows(
  packed: Float64Array,
  rows: readonly number[],
  C: number,
  size: number,
  scale = 1,
): Float64Array {
  const out = new Float64Array(size);
  rows.forEach((i, k) =>
    out.set(
      packed.subarray(k * C, (k + 1) * C).map((v) => scale * v),
      i * C,
    ),
  );
  return out;
}

/**
 * An elementwise loss over all of y, or with `steps` over the valid steps only: their rows gathered
 * (whatever the padding holds), the loss summed there, the gradient scattered back with zeros elsewhere;
 * 'mean' divides by the valid elements, steps.count·C.
 */
export function elementwiseLoss(
  cpu: CpuDevice,
  y: Tensor,
  target: Tensor,
  reduction: Reduction,
  steps: StepMask | undefined,
  loss: (y: Float64Array, target: Float64Array, reduction: Reduction) => { loss: number; grad: Float64Array },
): LossResult {
  const [yd, td] = [cpu.data(y, 'y'), cpu.data(target, 'target')];
  if (!steps) {
    const r = loss(yd, td, reduction);
    return { loss: cpu.wrap(Float64Array.of(r.loss), [1]), grad: cpu.wrap(r.grad, y.shape) };
  }
  const rows = stepRows(cpu, y, false, steps);
  const C = y.shape[2];
  const r = loss(gatherRows(yd, rows, C), gatherRows(td, rows, C), 'sum');
  const scale = reduction === 'mean' ? 1 / (steps.count * C) : 1;
  const grad = scatterRows(r.grad, rows, C, y.size, scale);
  return { loss: cpu.wrap(Float64Array.of(scale * r.loss), [1]), grad: cpu.wrap(grad, y.shape) };
}
