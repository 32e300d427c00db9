// The update counter on the GPU (step_advance.wgsl; CPU twin cpu.ts): one invocation, after the updates.
import stepAdvanceCode from './step_advance.wgsl?raw';
import type { GpuDevice } from '../../core/device.js';
import { kernel } from '../../core/kernel.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

export const STEP_ADVANCE = kernel({
  name: 'step_advance',
  code: stepAdvanceCode,
  params: {},
  storage: { step: 'read_write', gscale: 'read' },
});

export function advanceStep(gpu: GpuDevice, step: Tensor, gscale: Tensor): void {
  gpu.storage(step, 'step');
  gpu.storage(gscale, 'gscale');
  expectShape('gscale', gscale.shape, [4]);
  gpu.dispatch(STEP_ADVANCE, {}, {}, { step: gpu.binding(step, 'step'), gscale: gpu.binding(gscale, 'gscale') }, [1]);
}
