// Losses (shaders/mse.wgsl, shaders/cross_entropy.wgsl; CPU twins src/cpu/mse.ts, src/cpu/cross_entropy.ts):
// one kernel writes the gradient and per-element (or per-row) losses, a two-stage reduction sums them.
import mseCode from '../../../shaders/mse.wgsl?raw';
import crossEntropyCode from '../../../shaders/cross_entropy.wgsl?raw';
import type { LossResult, Reduction, StepMask } from '../../backend.js';
import { lossChecks, stepMaskChecks } from '../../checks.js';
import type { Tensor } from '../../tensor.js';
import type { WebGpuBackend } from '../backend.js';
import { ELEMENTWISE_WG, kernel } from '../kernel.js';
import { reduce } from './reduce.js';
import { maskSteps, sequenceMask } from './sequence.js';

const ROW_WG = 64; // cross_entropy: one invocation per row

export const MSE = kernel({
  name: 'mse',
  code: mseCode,
  params: { n: 'u32', row_stride: 'u32', grad_scale: 'f32' },
  storage: { y: 'read', expected: 'read', dy: 'read_write', sq: 'read_write' },
});

export const CROSS_ENTROPY = kernel({
  name: 'cross_entropy',
  code: crossEntropyCode,
  params: { B: 'u32', C: 'u32', row_stride: 'u32', grad_scale: 'f32' },
  storage: { logits: 'read', targets: 'read', dlogits: 'read_write', row_loss: 'read_write' },
});

// With a StepMask (variable-length sequences) the padding counts for nothing: mse zeroes it in the
// prediction and the target first, crossEntropy zeroes its rows' gradients and losses after (whatever
// their targets); 'mean' divides by the valid count. Two dispatches more either way.
export function mse(gpu: WebGpuBackend, yIn: Tensor, targetIn: Tensor, reduction: Reduction, steps?: StepMask): LossResult {
  lossChecks('mse', yIn, targetIn, reduction);
  if (steps) stepMaskChecks(yIn, false, steps);
  const y = steps ? sequenceMask(gpu, yIn, steps.lengths, steps.batchFirst) : yIn;
  const target = steps ? sequenceMask(gpu, targetIn, steps.lengths, steps.batchFirst) : targetIn;
  const n = steps ? steps.count * y.shape[2] : y.size;
  const scale = reduction === 'mean' ? 1 / n : 1;
  const grad = gpu.empty(y.shape, 'mse grad');
  const sq = gpu.empty(y.shape, 'mse squares');
  const { groups, rowStride } = gpu.grid1d(y.size, ELEMENTWISE_WG);
  gpu.dispatch(
    MSE,
    { WG: ELEMENTWISE_WG },
    { n: y.size, row_stride: rowStride, grad_scale: scale },
    { y: gpu.binding(y, 'y'), expected: gpu.binding(target, 'target'), dy: gpu.binding(grad, 'grad'), sq: gpu.binding(sq, 'sq') },
    groups,
  );
  const loss = reduce(gpu, [sq], false, scale, 'sum');
  sq.release();
  if (steps) for (const t of [y, target]) t.release();
  return { loss, grad };
}

export function crossEntropy(gpu: WebGpuBackend, logits: Tensor, targets: Tensor, reduction: Reduction, steps?: StepMask): LossResult {
  const { B, C } = lossChecks('crossEntropy', logits, targets, reduction);
  const seq = steps ? stepMaskChecks(logits, true, steps) : null;
  const scale = reduction === 'mean' ? 1 / (steps ? steps.count : B) : 1;
  const grad = gpu.empty(logits.shape, 'cross_entropy grad');
  const rowLoss = gpu.empty([B], 'cross_entropy row loss');
  const { groups, rowStride } = gpu.grid1d(B, ROW_WG);
  gpu.dispatch(
    CROSS_ENTROPY,
    { WG: ROW_WG },
    { B, C, row_stride: rowStride, grad_scale: scale },
    { logits: gpu.binding(logits, 'logits'), targets: gpu.binding(targets, 'targets'), dlogits: gpu.binding(grad, 'grad'), row_loss: gpu.binding(rowLoss, 'rowLoss') },
    groups,
  );
  if (!steps || !seq) {
    const loss = reduce(gpu, [rowLoss], false, scale, 'sum');
    rowLoss.release();
    return { loss, grad };
  }
  const maskedLoss = maskSteps(gpu, rowLoss, steps.lengths, steps.batchFirst, seq.T, seq.B, 1);
  const maskedGrad = maskSteps(gpu, grad, steps.lengths, steps.batchFirst, seq.T, seq.B, C);
  const loss = reduce(gpu, [maskedLoss], false, scale, 'sum');
  for (const t of [rowLoss, maskedLoss, grad]) t.release();
  return { loss, grad: maskedGrad };
}
