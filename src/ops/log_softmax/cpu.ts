// CPU twin of log_softmax.wgsl: each row x − max − log Σ exp(x − max), in f64.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { logSoftmaxDims } from './spec.js';

export function logSoftmaxRows(x: Float64Array, R: number, C: number): Float64Array {
  const out = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, x[r * C + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(x[r * C + c] - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < C; c++) out[r * C + c] = x[r * C + c] - lse;
  }
  return out;
}

export function logSoftmax(cpu: CpuDevice, x: Tensor): Tensor {
  const { R, C } = logSoftmaxDims(x);
  return cpu.wrap(logSoftmaxRows(cpu.data(x, 'x'), R, C), [R, C]);
}
