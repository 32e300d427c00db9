// CPU twin of shaders/cross_entropy.wgsl (+ the sum_reduce that totals it), in f64.
import type { Reduction } from './mse.js';

/** logits [B, C], integer targets [B]; 'mean' divides by B, as torch.nn.CrossEntropyLoss. */
export function crossEntropyForwardBackward(logits: Float64Array, targets: Float64Array, B: number, C: number, reduction: Reduction): { loss: number; dlogits: Float64Array } {
  const scale = reduction === 'mean' ? 1 / B : 1;
  const dlogits = new Float64Array(B * C);
  let total = 0;
  for (let b = 0; b < B; b++) {
    const row = b * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, logits[row + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(logits[row + c] - m);
    const lse = m + Math.log(s);
    const t = targets[b];
    for (let c = 0; c < C; c++) dlogits[row + c] = scale * (Math.exp(logits[row + c] - lse) - (c === t ? 1 : 0));
    total += Number.isInteger(t) && t >= 0 && t < C ? lse - logits[row + t] : NaN;
  }
  return { loss: scale * total, dlogits };
}
