// CPU twin of grad_norm.wgsl: gscale = [total norm, clip coefficient, skip flag, loss], in f64.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { gradNormChecks } from './spec.js';

export function gradNormForward(
  grads: Float64Array,
  maxNorm: number,
  normType: 2 | 'inf',
  loss: number | null,
): Float64Array {
  let total: number;
  if (normType === 'inf') {
    total = 0;
    for (const g of grads) {
      if (Number.isNaN(g)) {
        total = NaN;
        break;
      }
      total = Math.max(total, Math.abs(g));
    }
  } else {
    let s = 0;
    for (const g of grads) s += g * g;
    total = Math.sqrt(s);
  }
  const l = loss ?? 0;
  const ok = Number.isFinite(total) && Number.isFinite(l);
  // PyTorch's coefficient, non-finite totals included: inf → 0, NaN → NaN.
  const coef = Number.isFinite(total) ? Math.min(maxNorm / (total + 1e-6), 1) : Number.isNaN(total) ? NaN : 0;
  return Float64Array.of(total, coef, ok ? 0 : 1, l);
}

export function gradNorm(
  cpu: CpuDevice,
  grads: Tensor,
  maxNorm: number,
  normType: 2 | 'inf',
  loss: Tensor | null,
): Tensor {
  cpu.data(grads, 'grads');
  gradNormChecks(maxNorm, normType, loss);
  return cpu.wrap(
    gradNormForward(cpu.data(grads, 'grads'), maxNorm, normType, loss ? cpu.data(loss, 'loss')[0] : null),
    [4],
  );
}
