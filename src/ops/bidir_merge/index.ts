import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { BidirMergeMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const bidirMerge = defineOp<BidirMergeMethods>({
  name: 'bidir_merge',
  kernels: [webgpu.BIDIR_MERGE, webgpu.BIDIR_MERGE_BACKWARD],
  cpu: { bidirMerge: cpu.bidirMerge, bidirMergeBackward: cpu.bidirMergeBackward },
  webgpu: { bidirMerge: webgpu.bidirMerge, bidirMergeBackward: webgpu.bidirMergeBackward },
});
