// BCEWithLogitsLoss on the GPU (bce_with_logits.wgsl; CPU twin cpu.ts): one kernel writes the gradient and
// the elementwise losses, the shared two-stage reduction sums them.
import bceWithLogitsCode from './bce_with_logits.wgsl?raw';
import type { GpuDevice } from '../../core/device.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';
import type { Tensor } from '../../core/tensor.js';
import { lossChecks, type LossResult, type Reduction, type StepMask } from '../loss/spec.js';
import { elementwiseResult, meanCount } from '../loss/webgpu.js';
import { bceOptionChecks, type BceWithLogitsOptions } from './spec.js';

export const BCE_WITH_LOGITS = kernel({
  name: 'bce_with_logits',
  code: bceWithLogitsCode,
  params: { n: 'u32', C: 'u32', row_stride: 'u32', grad_scale: 'f32', has_pos_weight: 'u32' },
  storage: { logits: 'read', targets: 'read', pos_weight: 'read', dlogits: 'read_write', elem: 'read_write' },
});

export function bceWithLogits(
  gpu: GpuDevice,
  logits: Tensor,
  targets: Tensor,
  reduction: Reduction,
  options?: BceWithLogitsOptions,
  steps?: StepMask,
): LossResult {
  const { C } = lossChecks('bceWithLogits', logits, targets, reduction);
  const posWeight = bceOptionChecks(options, C);
  const scale = reduction === 'mean' ? 1 / meanCount(logits, steps) : 1;
  const grad = gpu.empty(logits.shape, 'bce_with_logits grad');
  const elem = gpu.empty(logits.shape, 'bce_with_logits elementwise');
  const { groups, rowStride } = gpu.grid1d(logits.size, ELEMENTWISE_WG);
  gpu.dispatch(
    BCE_WITH_LOGITS,
    { WG: ELEMENTWISE_WG },
    { n: logits.size, C, row_stride: rowStride, grad_scale: scale, has_pos_weight: posWeight ? 1 : 0 },
    {
      logits: gpu.binding(logits, 'logits'),
      targets: gpu.binding(targets, 'targets'),
      // Without posWeight the kernel never reads this binding: the targets stand in (read-only, no copy).
      pos_weight: gpu.binding(posWeight ?? targets, 'posWeight'),
      dlogits: gpu.binding(grad, 'grad'),
      elem: gpu.binding(elem, 'elem'),
    },
    groups,
  );
  return elementwiseResult(gpu, steps, grad, elem, scale);
}
