// CPU twin of sgd.wgsl, in f64. Updates param and buf in place.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { optimizerChecks } from '../optimizer/spec.js';
import type { SgdHyper } from './spec.js';

export function sgdUpdate(
  param: Float64Array,
  grad: Float64Array,
  buf: Float64Array,
  gscale: Float64Array,
  step: number,
  lr: number,
  h: SgdHyper,
): void {
  if (gscale[2] !== 0) return; // explosion guard: a non-finite step changes nothing
  const coef = gscale[1];
  for (let i = 0; i < param.length; i++) {
    let g = coef * grad[i];
    if (h.weightDecay !== 0) g += h.weightDecay * param[i];
    if (h.momentum !== 0) {
      const b = step === 0 ? g : h.momentum * buf[i] + (1 - h.dampening) * g;
      buf[i] = b;
      g = h.nesterov ? g + h.momentum * b : b;
    }
    param[i] -= lr * g;
  }
}

export function sgdStep(
  cpu: CpuDevice,
  param: Tensor,
  grad: Tensor,
  momentumBuf: Tensor,
  gscale: Tensor,
  step: Tensor,
  lr: Tensor,
  hyper: SgdHyper,
): void {
  optimizerChecks(param, grad, [momentumBuf], gscale, step, lr);
  sgdUpdate(
    cpu.data(param, 'param'),
    cpu.data(grad, 'grad'),
    cpu.data(momentumBuf, 'momentumBuf'),
    cpu.data(gscale, 'gscale'),
    cpu.data(step, 'step')[0],
    cpu.data(lr, 'lr')[0],
    hyper,
  );
}
