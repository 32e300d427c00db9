// CPU twin of bidir_merge.wgsl and bidir_merge_backward.wgsl, in f64.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { mergeChecks, type MergeMode } from './spec.js';

/** x [rows, 2H] = [fwd; bwd] → y [rows, H]. */
export function bidirMergeForward(x: Float64Array, H: number, mode: Exclude<MergeMode, 'concat'>): Float64Array {
  const rows = x.length / (2 * H);
  const y = new Float64Array(rows * H);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < H; j++) {
      const f = x[r * 2 * H + j];
      const b = x[r * 2 * H + H + j];
      y[r * H + j] = mode === 'sum' ? f + b : mode === 'mul' ? f * b : 0.5 * (f + b);
    }
  }
  return y;
}

/** dY [rows, H] → dX [rows, 2H]. */
export function bidirMergeGrad(
  x: Float64Array,
  dy: Float64Array,
  H: number,
  mode: Exclude<MergeMode, 'concat'>,
): Float64Array {
  const dx = new Float64Array(x.length);
  for (let i = 0; i < dy.length; i++) {
    const fi = Math.floor(i / H) * 2 * H + (i % H);
    const ri = fi + H;
    const g = dy[i];
    dx[fi] = mode === 'sum' ? g : mode === 'mul' ? g * x[ri] : 0.5 * g;
    dx[ri] = mode === 'sum' ? g : mode === 'mul' ? g * x[fi] : 0.5 * g;
  }
  return dx;
}

export function bidirMerge(cpu: CpuDevice, x: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor {
  const H = mergeChecks(x, mode);
  return cpu.wrap(bidirMergeForward(cpu.data(x, 'x'), H, mode), [x.shape[0], x.shape[1], H]);
}

export function bidirMergeBackward(cpu: CpuDevice, x: Tensor, dy: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor {
  const H = mergeChecks(x, mode, dy);
  return cpu.wrap(bidirMergeGrad(cpu.data(x, 'x'), cpu.data(dy, 'dy'), H, mode), x.shape);
}
