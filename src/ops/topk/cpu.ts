// CPU twin of topk.wgsl, in f64: per row, the k largest entries in descending order, ties to the lowest
// index, NaN above +Infinity.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { topkChecks } from './spec.js';

/** Whether entry (a, i) ranks before entry (b, j): larger first, NaN largest, ties to the lower index. */
function before(a: number, i: number, b: number, j: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && (!Number.isNaN(b) || i < j);
  return a > b || (a === b && i < j);
}

/** The k best indices of row x, in rank order. */
export function topkRow(x: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: x.length }, (_, i) => i);
  order.sort((i, j) => (before(x[i], i, x[j], j) ? -1 : 1));
  return order.slice(0, k);
}

/** values and indices [R, k] of x [R, N]. */
export function topkForward(x: Float64Array, R: number, N: number, k: number) {
  const values = new Float64Array(R * k);
  const indices = new Float64Array(R * k);
  for (let r = 0; r < R; r++) {
    const row = x.subarray(r * N, (r + 1) * N);
    topkRow(row, k).forEach((j, n) => {
      values[r * k + n] = row[j];
      indices[r * k + n] = j;
    });
  }
  return { values, indices };
}

export function topk(cpu: CpuDevice, x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  const { R, N } = topkChecks(x, k);
  const out = topkForward(cpu.data(x, 'x'), R, N, k);
  const shape = [...x.shape.slice(0, -1), k];
  return { values: cpu.wrap(out.values, shape), indices: cpu.wrap(out.indices, shape) };
}
