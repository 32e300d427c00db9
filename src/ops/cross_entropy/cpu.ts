// CPU twin of cross_entropy.wgsl (+ the sum_reduce that totals it and loss_mean.wgsl with ignoreIndex), in f64.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { gatherRows, scatterRows, stepRows } from '../loss/cpu.js';
import { lossChecks, type LossResult, type Reduction, type StepMask } from '../loss/spec.js';
import { crossEntropyOptionChecks, type CrossEntropyOptions } from './spec.js';

/**
 * logits [B, C], integer targets [B]; row loss (1 − ε)(lse − z_t) + ε/C·Σ_c (lse − z_c). 'mean' divides by
 * the rows not ignored (B without ignoreIndex), as torch.nn.CrossEntropyLoss.
 */
export function crossEntropyForwardBackward(
  logits: Float64Array,
  targets: Float64Array,
  B: number,
  C: number,
  reduction: Reduction,
  options: CrossEntropyOptions = {},
): { loss: number; dlogits: Float64Array } {
  const eps = options.labelSmoothing ?? 0;
  const dlogits = new Float64Array(B * C);
  let total = 0;
  let count = 0;
  for (let b = 0; b < B; b++) {
    const t = targets[b];
    if (t === options.ignoreIndex) continue; // loss and gradient 0, not counted
    count++;
    const row = b * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, logits[row + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(logits[row + c] - m);
    const lse = m + Math.log(s);
    const valid = Number.isInteger(t) && t >= 0 && t < C; // else NaN loss and gradient, as the kernel
    let spread = 0;
    for (let c = 0; c < C; c++) {
      dlogits[row + c] = valid ? Math.exp(logits[row + c] - lse) - (c === t ? 1 - eps : 0) - eps / C : NaN;
      spread += lse - logits[row + c];
    }
    total += valid ? (1 - eps) * (lse - logits[row + t]) + (eps / C) * spread : NaN;
  }
  if (reduction === 'sum') return { loss: total, dlogits };
  // Every row ignored: 0/0 is NaN for the loss, and the gradient stays 0 (as torch).
  const scale = count === 0 ? 0 : 1 / count;
  for (let i = 0; i < dlogits.length; i++) dlogits[i] *= scale;
  return { loss: total / count, dlogits };
}

export function crossEntropy(
  cpu: CpuDevice,
  logits: Tensor,
  targets: Tensor,
  reduction: Reduction,
  options?: CrossEntropyOptions,
  steps?: StepMask,
): LossResult {
  const { B, C } = lossChecks('crossEntropy', logits, targets, reduction);
  crossEntropyOptionChecks(options);
  if (!steps) {
    const r = crossEntropyForwardBackward(
      cpu.data(logits, 'logits'),
      cpu.data(targets, 'targets'),
      B,
      C,
      reduction,
      options,
    );
    return { loss: cpu.wrap(Float64Array.of(r.loss), [1]), grad: cpu.wrap(r.dlogits, logits.shape) };
  }
  // Only the valid rows, whatever the padding's targets; their gradients scattered back, zeros elsewhere.
  const valid = stepRows(cpu, logits, true, steps);
  const r = crossEntropyForwardBackward(
    gatherRows(cpu.data(logits, 'logits'), valid, C),
    gatherRows(cpu.data(targets, 'targets'), valid, 1),
    valid.length,
    C,
    reduction,
    options,
  );
  return {
    loss: cpu.wrap(Float64Array.of(r.loss), [1]),
    grad: cpu.wrap(scatterRows(r.dlogits, valid, C, B * C), logits.shape),
  };
}
