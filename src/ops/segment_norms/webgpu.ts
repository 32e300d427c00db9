// Per-parameter gradient norms on the GPU (segment_norms.wgsl; CPU twin cpu.ts): one workgroup per segment.
import segmentNormsCode from './segment_norms.wgsl?raw';
import type { GpuDevice } from '../../core/device.js';
import { kernel } from '../../core/kernel.js';
import type { Tensor } from '../../core/tensor.js';
import { segmentChecks } from './spec.js';

export const SEGMENT_NORMS = kernel({
  name: 'segment_norms',
  code: segmentNormsCode,
  params: { count: 'u32' },
  storage: { x: 'read', segments: 'read', out: 'read_write' },
});

/** The segment table is only bounds-checked on the CPU; here its shape and x's size (dispatch() refuses > 65535 segments). */
export function segmentNorms(gpu: GpuDevice, x: Tensor, segments: Tensor): Tensor {
  const count = segmentChecks(x, segments, null);
  const out = gpu.empty([count], 'segment norms');
  gpu.dispatch(
    SEGMENT_NORMS,
    {},
    { count },
    { x: gpu.binding(x, 'x'), segments: gpu.binding(segments, 'segments'), out: gpu.binding(out, 'out') },
    [count],
  );
  return out;
}
