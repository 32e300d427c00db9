import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { SegmentNormsMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const segmentNorms = defineOp<SegmentNormsMethods>({
  name: 'segment_norms',
  kernels: [webgpu.SEGMENT_NORMS],
  cpu: { segmentNorms: cpu.segmentNorms },
  webgpu: { segmentNorms: webgpu.segmentNorms },
});
