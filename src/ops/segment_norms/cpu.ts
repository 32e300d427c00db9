// CPU twin of segment_norms.wgsl: the L2 norm of each (offset, length) segment, in f64.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { segmentChecks } from './spec.js';

export function segmentNormsForward(x: Float64Array, segments: Float64Array): Float64Array {
  const out = new Float64Array(segments.length / 2);
  for (let s = 0; s < out.length; s++) {
    let sum = 0;
    for (let i = segments[2 * s]; i < segments[2 * s] + segments[2 * s + 1]; i++) sum += x[i] * x[i];
    out[s] = Math.sqrt(sum);
  }
  return out;
}

export function segmentNorms(cpu: CpuDevice, x: Tensor, segments: Tensor): Tensor {
  const table = cpu.data(segments, 'segments');
  segmentChecks(x, segments, table);
  return cpu.wrap(segmentNormsForward(cpu.data(x, 'x'), table), [segments.shape[0]]);
}
