// Optimizer updates (shaders/sgd.wgsl, adam.wgsl, rmsprop.wgsl, step_advance.wgsl; CPU twins src/cpu/sgd.ts,
// src/cpu/adam.ts, src/cpu/rmsprop.ts): the clip coefficient and the skip flag come from gscale, the step count and the learning
// rate from one-element GPU tensors (a schedule rewrites lr in place: the uniforms never change).
import sgdCode from '../../../shaders/sgd.wgsl?raw';
import adamCode from '../../../shaders/adam.wgsl?raw';
import rmspropCode from '../../../shaders/rmsprop.wgsl?raw';
import stepAdvanceCode from '../../../shaders/step_advance.wgsl?raw';
import type { AdamHyper, RmspropHyper, SgdHyper } from '../../backend.js';
import { optimizerChecks, rmspropChecks } from '../../core/checks.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';
import type { WebGpuBackend } from '../backend.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';

export const SGD = kernel({
  name: 'sgd',
  code: sgdCode,
  params: { n: 'u32', row_stride: 'u32', momentum: 'f32', dampening: 'f32', weight_decay: 'f32', nesterov: 'u32' },
  storage: { param: 'read_write', grad: 'read', buf: 'read_write', gscale: 'read', step: 'read', lr: 'read' },
});

export const ADAM = kernel({
  name: 'adam',
  code: adamCode,
  params: {
    n: 'u32',
    row_stride: 'u32',
    beta1: 'f32',
    beta2: 'f32',
    eps: 'f32',
    weight_decay: 'f32',
    decoupled: 'u32',
  },
  storage: {
    param: 'read_write',
    grad: 'read',
    m: 'read_write',
    v: 'read_write',
    gscale: 'read',
    step: 'read',
    lr: 'read',
  },
});

export const RMSPROP = kernel({
  name: 'rmsprop',
  code: rmspropCode,
  params: {
    n: 'u32',
    row_stride: 'u32',
    alpha: 'f32',
    eps: 'f32',
    weight_decay: 'f32',
    momentum: 'f32',
    centered: 'u32',
  },
  storage: {
    param: 'read_write',
    grad: 'read',
    square_avg: 'read_write',
    grad_avg: 'read_write',
    momentum_buf: 'read_write',
    gscale: 'read',
    lr: 'read',
  },
});

export const STEP_ADVANCE = kernel({
  name: 'step_advance',
  code: stepAdvanceCode,
  params: {},
  storage: { step: 'read_write', gscale: 'read' },
});

export function sgdStep(
  gpu: WebGpuBackend,
  param: Tensor,
  grad: Tensor,
  momentumBuf: Tensor,
  gscale: Tensor,
  step: Tensor,
  lr: Tensor,
  h: SgdHyper,
): void {
  optimizerChecks(param, grad, [momentumBuf], gscale, step, lr);
  const { groups, rowStride } = gpu.grid1d(param.size, ELEMENTWISE_WG);
  gpu.dispatch(
    SGD,
    { WG: ELEMENTWISE_WG },
    {
      n: param.size,
      row_stride: rowStride,
      momentum: h.momentum,
      dampening: h.dampening,
      weight_decay: h.weightDecay,
      nesterov: h.nesterov ? 1 : 0,
    },
    {
      param: gpu.binding(param, 'param'),
      grad: gpu.binding(grad, 'grad'),
      buf: gpu.binding(momentumBuf, 'momentumBuf'),
      gscale: gpu.binding(gscale, 'gscale'),
      step: gpu.binding(step, 'step'),
      lr: gpu.binding(lr, 'lr'),
    },
    groups,
  );
}

export function adamStep(
  gpu: WebGpuBackend,
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  gscale: Tensor,
  step: Tensor,
  lr: Tensor,
  h: AdamHyper,
): void {
  optimizerChecks(param, grad, [m, v], gscale, step, lr);
  const { groups, rowStride } = gpu.grid1d(param.size, ELEMENTWISE_WG);
  gpu.dispatch(
    ADAM,
    { WG: ELEMENTWISE_WG },
    {
      n: param.size,
      row_stride: rowStride,
      beta1: h.beta1,
      beta2: h.beta2,
      eps: h.eps,
      weight_decay: h.weightDecay,
      decoupled: h.decoupled ? 1 : 0,
    },
    {
      param: gpu.binding(param, 'param'),
      grad: gpu.binding(grad, 'grad'),
      m: gpu.binding(m, 'm'),
      v: gpu.binding(v, 'v'),
      gscale: gpu.binding(gscale, 'gscale'),
      step: gpu.binding(step, 'step'),
      lr: gpu.binding(lr, 'lr'),
    },
    groups,
  );
}

export function rmspropStep(
  gpu: WebGpuBackend,
  param: Tensor,
  grad: Tensor,
  squareAvg: Tensor,
  gradAvg: Tensor,
  momentumBuf: Tensor,
  gscale: Tensor,
  lr: Tensor,
  h: RmspropHyper,
): void {
  rmspropChecks(param, grad, squareAvg, gradAvg, momentumBuf, gscale, lr, h);
  const { groups, rowStride } = gpu.grid1d(param.size, ELEMENTWISE_WG);
  gpu.dispatch(
    RMSPROP,
    { WG: ELEMENTWISE_WG },
    {
      n: param.size,
      row_stride: rowStride,
      alpha: h.alpha,
      eps: h.eps,
      weight_decay: h.weightDecay,
      momentum: h.momentum,
      centered: h.centered ? 1 : 0,
    },
    {
      param: gpu.binding(param, 'param'),
      grad: gpu.binding(grad, 'grad'),
      square_avg: gpu.binding(squareAvg, 'squareAvg'),
      grad_avg: gpu.binding(gradAvg, 'gradAvg'),
      momentum_buf: gpu.binding(momentumBuf, 'momentumBuf'),
      gscale: gpu.binding(gscale, 'gscale'),
      lr: gpu.binding(lr, 'lr'),
    },
    groups,
  );
}

export function advanceStep(gpu: WebGpuBackend, step: Tensor, gscale: Tensor): void {
  gpu.storage(step, 'step');
  gpu.storage(gscale, 'gscale');
  expectShape('gscale', gscale.shape, [4]);
  gpu.dispatch(STEP_ADVANCE, {}, {}, { step: gpu.binding(step, 'step'), gscale: gpu.binding(gscale, 'gscale') }, [1]);
}
