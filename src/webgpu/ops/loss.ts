// Losses (shaders/mse.wgsl, smooth_l1.wgsl, bce_with_logits.wgsl, cross_entropy.wgsl, loss_mean.wgsl; CPU twins
// src/cpu/mse.ts, smooth_l1.ts, bce_with_logits.ts, cross_entropy.ts): one kernel writes the gradient and
// per-element (or per-row) losses, a two-stage reduction sums them. When 'mean' divides by a count only the
// GPU knows (cross-entropy rows not ignored), the kernel writes the unscaled gradient and a weight per row,
// a second reduction counts, and loss_mean divides loss and gradient by the count.
import mseCode from '../../../shaders/mse.wgsl?raw';
import smoothL1Code from '../../../shaders/smooth_l1.wgsl?raw';
import bceWithLogitsCode from '../../../shaders/bce_with_logits.wgsl?raw';
import crossEntropyCode from '../../../shaders/cross_entropy.wgsl?raw';
import lossMeanCode from '../../../shaders/loss_mean.wgsl?raw';
import type {
  BceWithLogitsOptions,
  CrossEntropyOptions,
  HuberOptions,
  LossResult,
  Reduction,
  SmoothL1Options,
  StepMask,
} from '../../backend.js';
import {
  bceOptionChecks,
  crossEntropyOptionChecks,
  huberOptionChecks,
  lossChecks,
  smoothL1OptionChecks,
  stepMaskChecks,
} from '../../core/checks.js';
import type { Tensor } from '../../core/tensor.js';
import type { WebGpuBackend } from '../backend.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';
import { reduce } from '../../ops/reduce/webgpu.js';
import { maskSteps, sequenceMask } from '../../ops/sequence_mask/webgpu.js';

const ROW_WG = 64; // cross_entropy: one invocation per row

export const MSE = kernel({
  name: 'mse',
  code: mseCode,
  params: { n: 'u32', row_stride: 'u32', grad_scale: 'f32' },
  storage: { y: 'read', expected: 'read', dy: 'read_write', sq: 'read_write' },
});

export const SMOOTH_L1 = kernel({
  name: 'smooth_l1',
  code: smoothL1Code,
  params: { n: 'u32', row_stride: 'u32', grad_scale: 'f32', beta: 'f32' },
  storage: { y: 'read', expected: 'read', dy: 'read_write', elem: 'read_write' },
});

export const BCE_WITH_LOGITS = kernel({
  name: 'bce_with_logits',
  code: bceWithLogitsCode,
  params: { n: 'u32', C: 'u32', row_stride: 'u32', grad_scale: 'f32', has_pos_weight: 'u32' },
  storage: { logits: 'read', targets: 'read', pos_weight: 'read', dlogits: 'read_write', elem: 'read_write' },
});

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

// With a StepMask (variable-length sequences) the padding counts for nothing: the elementwise losses zero
// its gradient and elementwise losses after their kernel, crossEntropy its rows' gradients, losses and
// weights (whatever the padding holds); 'mean' divides by the valid count. Two (three with ignoreIndex)
// dispatches more.
export function mse(gpu: WebGpuBackend, y: Tensor, target: Tensor, reduction: Reduction, steps?: StepMask): LossResult {
  lossChecks('mse', y, target, reduction);
  const scale = reduction === 'mean' ? 1 / meanCount(y, steps) : 1;
  const rawGrad = gpu.empty(y.shape, 'mse grad');
  const rawSq = gpu.empty(y.shape, 'mse squares');
  const { groups, rowStride } = gpu.grid1d(y.size, ELEMENTWISE_WG);
  gpu.dispatch(
    MSE,
    { WG: ELEMENTWISE_WG },
    { n: y.size, row_stride: rowStride, grad_scale: scale },
    {
      y: gpu.binding(y, 'y'),
      expected: gpu.binding(target, 'target'),
      dy: gpu.binding(rawGrad, 'grad'),
      sq: gpu.binding(rawSq, 'sq'),
    },
    groups,
  );
  const [grad, sq] = maskPadding(gpu, steps, rawGrad, rawSq);
  const loss = reduce(gpu, [sq], false, scale, 'sum');
  sq.release();
  return { loss, grad };
}

export function l1(gpu: WebGpuBackend, y: Tensor, target: Tensor, reduction: Reduction, steps?: StepMask): LossResult {
  lossChecks('l1', y, target, reduction);
  return smoothL1Loss(gpu, y, target, reduction, 0, 1, steps);
}

export function huber(
  gpu: WebGpuBackend,
  y: Tensor,
  target: Tensor,
  reduction: Reduction,
  options?: HuberOptions,
  steps?: StepMask,
): LossResult {
  lossChecks('huber', y, target, reduction);
  const delta = huberOptionChecks(options);
  return smoothL1Loss(gpu, y, target, reduction, delta, delta, steps);
}

export function smoothL1(
  gpu: WebGpuBackend,
  y: Tensor,
  target: Tensor,
  reduction: Reduction,
  options?: SmoothL1Options,
  steps?: StepMask,
): LossResult {
  lossChecks('smoothL1', y, target, reduction);
  return smoothL1Loss(gpu, y, target, reduction, smoothL1OptionChecks(options), 1, steps);
}

/**
 * The mean's divisor: all elements, or with a StepMask the valid ones (steps.count·C, known on the host).
 * The elementwise losses then zero the padding's gradient and losses after their kernel (whatever it
 * held, NaN included): two dispatches more.
 */
function meanCount(y: Tensor, steps: StepMask | undefined): number {
  if (!steps) return y.size;
  stepMaskChecks(y, false, steps);
  return steps.count * y.shape[2];
}

/** grad and elem with the padding's steps zeroed (the unmasked ones released), or as they are without a StepMask. */
function maskPadding(gpu: WebGpuBackend, steps: StepMask | undefined, grad: Tensor, elem: Tensor): [Tensor, Tensor] {
  if (!steps) return [grad, elem];
  const masked = [grad, elem].map((t) => sequenceMask(gpu, t, steps.lengths, steps.batchFirst));
  grad.release();
  elem.release();
  return [masked[0], masked[1]];
}

/** scale · SmoothL1(beta), elementwise: L1 (beta 0), Huber (beta = scale = delta), SmoothL1 (scale 1). */
function smoothL1Loss(
  gpu: WebGpuBackend,
  y: Tensor,
  target: Tensor,
  reduction: Reduction,
  beta: number,
  scale: number,
  steps: StepMask | undefined,
): LossResult {
  const s = (reduction === 'mean' ? 1 / meanCount(y, steps) : 1) * scale;
  const rawGrad = gpu.empty(y.shape, 'smooth_l1 grad');
  const rawElem = gpu.empty(y.shape, 'smooth_l1 elementwise');
  const { groups, rowStride } = gpu.grid1d(y.size, ELEMENTWISE_WG);
  gpu.dispatch(
    SMOOTH_L1,
    { WG: ELEMENTWISE_WG },
    { n: y.size, row_stride: rowStride, grad_scale: s, beta },
    {
      y: gpu.binding(y, 'y'),
      expected: gpu.binding(target, 'target'),
      dy: gpu.binding(rawGrad, 'grad'),
      elem: gpu.binding(rawElem, 'elem'),
    },
    groups,
  );
  const [grad, elem] = maskPadding(gpu, steps, rawGrad, rawElem);
  const loss = reduce(gpu, [elem], false, s, 'sum');
  elem.release();
  return { loss, grad };
}

export function bceWithLogits(
  gpu: WebGpuBackend,
  logits: Tensor,
  targets: Tensor,
  reduction: Reduction,
  options?: BceWithLogitsOptions,
  steps?: StepMask,
): LossResult {
  const { C } = lossChecks('bceWithLogits', logits, targets, reduction);
  const posWeight = bceOptionChecks(options, C);
  const scale = reduction === 'mean' ? 1 / meanCount(logits, steps) : 1;
  const rawGrad = gpu.empty(logits.shape, 'bce_with_logits grad');
  const rawElem = gpu.empty(logits.shape, 'bce_with_logits elementwise');
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
      dlogits: gpu.binding(rawGrad, 'grad'),
      elem: gpu.binding(rawElem, 'elem'),
    },
    groups,
  );
  const [grad, elem] = maskPadding(gpu, steps, rawGrad, rawElem);
  const loss = reduce(gpu, [elem], false, scale, 'sum');
  elem.release();
  return { loss, grad };
}

export function crossEntropy(
  gpu: WebGpuBackend,
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
  // With lengths: the padding's rows zeroed in the gradient, the losses and (for the count) the weights.
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
function lossMean(gpu: WebGpuBackend, grad: Tensor, total: Tensor, count: Tensor): void {
  const grid = gpu.grid1d(grad.size, ELEMENTWISE_WG);
  gpu.dispatch(
    LOSS_MEAN,
    { WG: ELEMENTWISE_WG },
    { n: grad.size, row_stride: grid.rowStride },
    { grad: gpu.binding(grad, 'grad'), total: gpu.binding(total, 'total'), count: gpu.binding(count, 'count') },
    grid.groups,
  );
}
