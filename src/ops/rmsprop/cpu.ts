// CPU twin of rmsprop.wgsl, in f64. Updates param and its state in place.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { rmspropChecks, type RmspropHyper } from './spec.js';

/**
 * torch.optim.RMSprop: g = coef·grad (+ weightDecay·p); sq = α·sq + (1 − α)·g²; centered: ga = α·ga + (1 − α)·g
 * and avg = √(sq − ga²) + eps, else avg = √sq + eps (eps outside the root); momentum: buf = momentum·buf + g/avg,
 * p −= lr·buf; else p −= lr·g/avg. gradAvg is used only when centered, buf only with momentum > 0.
 */
export function rmspropUpdate(
  param: Float64Array,
  grad: Float64Array,
  squareAvg: Float64Array,
  gradAvg: Float64Array,
  buf: Float64Array,
  gscale: Float64Array,
  lr: number,
  h: RmspropHyper,
): void {
  if (gscale[2] !== 0) return; // explosion guard: a non-finite step changes nothing
  const coef = gscale[1];
  for (let i = 0; i < param.length; i++) {
    let g = coef * grad[i];
    if (h.weightDecay !== 0) g += h.weightDecay * param[i];
    const sq = h.alpha * squareAvg[i] + (1 - h.alpha) * g * g;
    squareAvg[i] = sq;
    let variance = sq;
    if (h.centered) {
      const ga = h.alpha * gradAvg[i] + (1 - h.alpha) * g;
      gradAvg[i] = ga;
      variance = Math.max(sq - ga * ga, 0); // as the kernel: rounding must not reach a square root of a negative
    }
    const step = g / (Math.sqrt(variance) + h.eps);
    if (h.momentum > 0) {
      buf[i] = h.momentum * buf[i] + step;
      param[i] -= lr * buf[i];
    } else {
      param[i] -= lr * step;
    }
  }
}

export function rmspropStep(
  cpu: CpuDevice,
  param: Tensor,
  grad: Tensor,
  squareAvg: Tensor,
  gradAvg: Tensor,
  momentumBuf: Tensor,
  gscale: Tensor,
  lr: Tensor,
  hyper: RmspropHyper,
): void {
  rmspropChecks(param, grad, squareAvg, gradAvg, momentumBuf, gscale, lr, hyper);
  const data = (t: Tensor, name: string, used: boolean) => (used ? cpu.data(t, name) : new Float64Array(0));
  rmspropUpdate(
    cpu.data(param, 'param'),
    cpu.data(grad, 'grad'),
    cpu.data(squareAvg, 'squareAvg'),
    data(gradAvg, 'gradAvg', hyper.centered),
    data(momentumBuf, 'momentumBuf', hyper.momentum > 0),
    cpu.data(gscale, 'gscale'),
    cpu.data(lr, 'lr')[0],
    hyper,
  );
}
