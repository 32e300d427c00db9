// CPU twin of transpose01.wgsl: [N, A, B, C] → [N, B, A, C].
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { transposeDims } from './spec.js';

export function transpose01Forward(x: Float64Array, A: number, B: number, C: number, N = 1): Float64Array {
  const out = new Float64Array(N * A * B * C);
  for (let n = 0; n < N; n++) {
    for (let a = 0; a < A; a++)
      for (let b = 0; b < B; b++)
        for (let c = 0; c < C; c++) out[((n * B + b) * A + a) * C + c] = x[((n * A + a) * B + b) * C + c];
  }
  return out;
}

export function transpose01(cpu: CpuDevice, x: Tensor): Tensor {
  const { N, A, B, C, out } = transposeDims(x);
  return cpu.wrap(transpose01Forward(cpu.data(x, 'x'), A, B, C, N), out);
}
