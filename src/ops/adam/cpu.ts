// CPU twin of adam.wgsl, in f64. Updates param, m and v in place; `step` counts earlier updates.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { optimizerChecks } from '../optimizer/spec.js';
import type { AdamHyper } from './spec.js';

export function adamUpdate(
  param: Float64Array,
  grad: Float64Array,
  m: Float64Array,
  v: Float64Array,
  gscale: Float64Array,
  step: number,
  lr: number,
  h: AdamHyper,
): void {
  if (gscale[2] !== 0) return; // explosion guard: a non-finite step changes nothing
  const coef = gscale[1];
  const t = step + 1;
  const bc1 = 1 - h.beta1 ** t;
  const bc2 = 1 - h.beta2 ** t;
  for (let i = 0; i < param.length; i++) {
    let g = coef * grad[i];
    let w = param[i];
    if (h.weightDecay !== 0) {
      if (h.decoupled) w *= 1 - lr * h.weightDecay;
      else g += h.weightDecay * w;
    }
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * g;
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * g * g;
    param[i] = w - (lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + h.eps));
  }
}

export function adamStep(
  cpu: CpuDevice,
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  gscale: Tensor,
  step: Tensor,
  lr: Tensor,
  hyper: AdamHyper,
): void {
  optimizerChecks(param, grad, [m, v], gscale, step, lr);
  adamUpdate(
    cpu.data(param, 'param'),
    cpu.data(grad, 'grad'),
    cpu.data(m, 'm'),
    cpu.data(v, 'v'),
    cpu.data(gscale, 'gscale'),
    cpu.data(step, 'step')[0],
    cpu.data(lr, 'lr')[0],
    hyper,
  );
}
