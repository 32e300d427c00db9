// CPU twin of shaders/mse.wgsl (+ the sum_reduce that totals it), in f64.

export type Reduction = 'mean' | 'sum';

/** Returns the loss and dLoss/dy; 'mean' divides by the number of elements, as torch.nn.MSELoss. */
export function mseForwardBackward(
  y: Float64Array,
  target: Float64Array,
  reduction: Reduction,
): { loss: number; dy: Float64Array } {
  const scale = reduction === 'mean' ? 1 / y.length : 1;
  const dy = new Float64Array(y.length);
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i] - target[i];
    dy[i] = scale * 2 * d;
    s += d * d;
  }
  return { loss: scale * s, dy };
}
