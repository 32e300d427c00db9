// CPU twin of bce_with_logits.wgsl (+ the sum_reduce that totals it), in f64: torch's
// BCEWithLogitsLoss in its log-sum-exp form, finite for any finite logit:
//   lw = 1 + (posWeight − 1)·y,  l = (1 − y)·x + lw·softplus(−x),  softplus(−x) = log1p(e^−|x|) + max(−x, 0),
//   dl/dx = (1 − y) − lw·σ(−x). For x < 0, (1 − y)·x − lw·x is folded to −posWeight·y·x first (as the kernel:
//   apart, the two cancel in f32 and lose log1p(e^−|x|)).
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { elementwiseLoss } from '../loss/cpu.js';
import { lossChecks, type LossResult, type Reduction, type StepMask } from '../loss/spec.js';
import { bceOptionChecks, type BceWithLogitsOptions } from './spec.js';

/** logits and targets [..., C] (targets may be any reals, soft labels included), posWeight [C] or null; 'mean' over all elements. */
export function bceWithLogitsForwardBackward(
  logits: Float64Array,
  targets: Float64Array,
  posWeight: Float64Array | null,
  reduction: Reduction,
): { loss: number; dlogits: Float64Array } {
  const n = logits.length;
  const scale = reduction === 'mean' ? 1 / n : 1;
  const C = posWeight?.length ?? 1;
  const dlogits = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = logits[i];
    const y = targets[i];
    const pw = posWeight ? posWeight[i % C] : 1;
    const lw = 1 + (pw - 1) * y;
    const u = Math.exp(-Math.abs(x));
    const sigNeg = x >= 0 ? u / (1 + u) : 1 / (1 + u); // σ(−x) without overflow
    dlogits[i] = scale * (1 - y - lw * sigNeg);
    s += (x < 0 ? -pw * y * x : (1 - y) * x) + lw * Math.log1p(u);
  }
  return { loss: scale * s, dlogits };
}

export function bceWithLogits(
  cpu: CpuDevice,
  logits: Tensor,
  targets: Tensor,
  reduction: Reduction,
  options?: BceWithLogitsOptions,
  steps?: StepMask,
): LossResult {
  const { C } = lossChecks('bceWithLogits', logits, targets, reduction);
  const pw = bceOptionChecks(options, C);
  return elementwiseLoss(cpu, logits, targets, reduction, steps, (a, b, r) => {
    const { loss, dlogits } = bceWithLogitsForwardBackward(a, b, pw && cpu.data(pw, 'posWeight'), r);
    return { loss, grad: dlogits };
  });
}
