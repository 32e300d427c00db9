import { defineOp } from '../../core/op.js';
import * as cpu from './cpu.js';
import type { BeamMethods } from './spec.js';
import * as webgpu from './webgpu.js';

export const beam = defineOp<BeamMethods>({
  name: 'beam',
  kernels: [webgpu.BEAM_EXPAND, webgpu.BEAM_SELECT],
  cpu: { beamExpand: cpu.beamExpand, beamSelect: cpu.beamSelect },
  webgpu: { beamExpand: webgpu.beamExpand, beamSelect: webgpu.beamSelect },
});
