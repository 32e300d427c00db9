// Inverted dropout on the GPU (dropout.wgsl, CPU twin cpu.ts): Philox4x32-10 masks from
// (seed, stream, step, element); the step comes from a one-element GPU tensor, so the uniforms never change.
import philoxCode from '../philox/philox.wgsl?raw';
import dropoutCode from './dropout.wgsl?raw';
import { seedKey } from '../philox/philox.js';
import { dropoutChecks, dropoutScale, keepThreshold, type DropoutConfig } from './spec.js';
import type { GpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';

export const DROPOUT = kernel({
  name: 'dropout',
  code: philoxCode + dropoutCode,
  params: { n: 'u32', row_stride: 'u32', seed_lo: 'u32', seed_hi: 'u32', stream: 'u32', keep: 'u32', scale: 'f32' },
  storage: { x: 'read', step_in: 'read', y: 'read_write', step_out: 'read_write' },
});

export function dropout(gpu: GpuDevice, x: Tensor, step: Tensor, nextStep: Tensor, config: DropoutConfig): Tensor {
  dropoutChecks(x, step, nextStep, config);
  gpu.storage(x, 'x');
  const y = gpu.empty(x.shape, 'dropout out');
  const [seedLo, seedHi] = seedKey(config.seed);
  const { groups, rowStride } = gpu.grid1d(Math.ceil(x.size / 4), ELEMENTWISE_WG);
  gpu.dispatch(
    DROPOUT,
    { WG: ELEMENTWISE_WG },
    {
      n: x.size,
      row_stride: rowStride,
      seed_lo: seedLo,
      seed_hi: seedHi,
      stream: config.stream,
      keep: keepThreshold(config.p),
      scale: dropoutScale(config.p),
    },
    {
      x: gpu.binding(x, 'x'),
      step_in: gpu.binding(step, 'step'),
      y: gpu.binding(y, 'y'),
      step_out: gpu.binding(nextStep, 'nextStep'),
    },
    groups,
  );
  return y;
}
