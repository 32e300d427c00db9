// CPU twin of shaders/sgd.wgsl, in f64. Updates param and buf in place.

/** SGD's hyper-parameters fixed for the optimizer's life; the learning rate comes separately (it may change every step). */
export interface SgdHyper {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

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
