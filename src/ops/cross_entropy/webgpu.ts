// Softmax cross-entropy on the GPU (cross_entropy.wgsl, loss_mean.wgsl; CPU twin cpu.ts): one invocation
// per row writes the row's gradient, loss and weight; a two-stage reduction sums the losses. When 'mean'
// divides by a count only the GPU knows (rows not ignored), the kernel writes the unscaled gradient, a
// second reduction counts the weights, and loss_mean divides loss and gradient by the count. With a
// StepMask the padding's rows are zeroed in the gradient, the losses and (for the count) the weights.
import crossEntropyCode from './cross_entropy.wgsl?raw';
import lossMeanCode from './loss_mean.wgsl?raw';
import type { GpuDevice } from '../../core/device.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';
import type { Tensor } from '../../core/tensor.js';
import { reduce } from '../reduce/webgpu.js';
import { maskSteps } from '../sequence_mask/webgpu.js';
import { lossChecks, stepMaskChecks, type LossResult, type Reduction, type StepMask } from '../loss/spec.js';
import { crossEntropyOptionChecks, type CrossEntropyOptions } from './spec.js';

const ROW_WG = 64; // cross_entropy: one invocation per row

export const CROSS_ENTROPY = kernel({
  name: 'cross_entropy',
  code: crossEntropyCode,
  params: {
    B: 'u32',
    C: 'u32',
    row_stride: 'u32',
    grad_scale: 'f32',
    ignore_index: 'f32',
    has_ignore: 'u32',
    smoothing: 'f32',
  },
  storage: { logits: 'read', targets: 'read', dlogits: 'read_write', row_loss: 'read_write', row_weight: 'read_write' },
});

export const LOSS_MEAN = kernel({
  name: 'loss_mean',
  code: lossMeanCode,
  params: { n: 'u32', row_stride: 'u32' },
  storage: { grad: 'read_write', total: 'read_write', count: 'read' },
});

export function crossEntropy(
  gpu: GpuDevice,
  logits: Tensor,
  targets: Tensor,
  reduction: Reduction,
  options?: CrossEntropyOptions,
  steps?: StepMask,
): LossResult {
  const { B, C } = lossChecks('crossEntropy', logits, targets, reduction);
  crossEntropyOptionChecks(options);
  const seq = steps ? stepMaskChecks(logits, true, steps) : null;
  const ignoreIndex = options?.ignoreIndex;
  // 'mean' with ignored rows divides by a count the GPU finds: the kernel writes unscaled values, loss_mean scales.
  const countOnGpu = reduction === 'mean' && ignoreIndex !== undefined;
  const scale = reduction === 'mean' && !countOnGpu ? 1 / (steps ? steps.count : B) : 1;
  const grad = gpu.empty(logits.shape, 'cross_entropy grad');
  const rowLoss = gpu.empty([B], 'cross_entropy row loss');
  const rowWeight = gpu.empty([B], 'cross_entropy row weight');
  const { groups, rowStride } = gpu.grid1d(B, ROW_WG);
  gpu.dispatch(
    CROSS_ENTROPY,
    { WG: ROW_WG },
    {
      B,
      C,
      row_stride: rowStride,
      grad_scale: scale,
      ignore_index: ignoreIndex ?? 0,
      has_ignore: ignoreIndex === undefined ? 0 : 1,
      smoothing: options?.labelSmoothing ?? 0,
    },
    {
      logits: gpu.binding(logits, 'logits'),
      targets: gpu.binding(targets, 'targets'),
      dlogits: gpu.binding(grad, 'grad'),
      row_loss: gpu.binding(rowLoss, 'rowLoss'),
      row_weight: gpu.binding(rowWeight, 'rowWeight'),
    },
    groups,
  );
  const masked = (t: Tensor, c: number) =>
    steps && seq ? maskSteps(gpu, t, steps.lengths, steps.batchFirst, seq.T, seq.B, c) : t;
  const [g, rl, rw] = [masked(grad, C), masked(rowLoss, 1), countOnGpu ? masked(rowWeight, 1) : rowWeight];
  const loss = reduce(gpu, [rl], false, scale, 'sum');
  if (countOnGpu) {
    const count = reduce(gpu, [rw], false, 1, 'count');
    lossMean(gpu, g, loss, count);
    count.release();
  }
  for (const t of new Set([grad, rowLoss, rowWeight, rl, rw])) if (t !== g) t.release();
  return { loss, grad: g };
}

/** total /= count, grad /= count in place (count 0: NaN loss, zero gradient). */
function lossMean(gpu: GpuDevice, grad: Tensor, total: Tensor, count: Tensor): void {
  const grid = gpu.grid1d(grad.size, ELEMENTWISE_WG);
  gpu.dispatch(
    LOSS_MEAN,
    { WG: ELEMENTWISE_WG },
    { n: grad.size, row_stride: grid.rowStride },
    { grad: gpu.binding(grad, 'grad'), total: gpu.binding(total, 'total'), count: gpu.binding(count, 'count') },
    grid.groups,
  );
}
