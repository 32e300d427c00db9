// Beam search bookkeeping on the GPU (beam_expand.wgsl, beam_select.wgsl; CPU twins cpu.ts).
import expandCode from './beam_expand.wgsl?raw';
import selectCode from './beam_select.wgsl?raw';
import type { Tensor } from '../../core/tensor.js';
import type { GpuDevice } from '../../core/device.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';
import { beamExpandChecks, beamSelectChecks } from './spec.js';

export const BEAM_EXPAND = kernel({
  name: 'beam_expand',
  code: expandCode,
  params: { n: 'u32', k: 'u32', V: 'u32', BK: 'u32', row_stride: 'u32' },
  storage: { state: 'read', log_probs: 'read', candidates: 'read_write' },
});

export const BEAM_SELECT = kernel({
  name: 'beam_select',
  code: selectCode,
  params: { BK: 'u32', k: 'u32', V: 'u32', end_token: 'u32', row_stride: 'u32' },
  storage: {
    state: 'read',
    top_values: 'read',
    top_indices: 'read',
    next_state: 'read_write',
    tokens: 'read_write',
    parents: 'read_write',
  },
});

export function beamExpand(gpu: GpuDevice, state: Tensor, logProbs: Tensor, beamWidth: number): Tensor {
  const { B, k, V } = beamExpandChecks(state, logProbs, beamWidth);
  gpu.storage(state, 'state');
  gpu.storage(logProbs, 'logProbs');
  const candidates = gpu.empty([B, k * V], 'beam candidates');
  const n = B * k * V;
  const { groups, rowStride } = gpu.grid1d(n, ELEMENTWISE_WG);
  gpu.dispatch(
    BEAM_EXPAND,
    { WG: ELEMENTWISE_WG },
    { n, k, V, BK: B * k, row_stride: rowStride },
    {
      state: gpu.binding(state, 'state'),
      log_probs: gpu.binding(logProbs, 'logProbs'),
      candidates: gpu.binding(candidates, 'candidates'),
    },
    groups,
  );
  return candidates;
}

export function beamSelect(
  gpu: GpuDevice,
  state: Tensor,
  topValues: Tensor,
  topIndices: Tensor,
  vocabulary: number,
  endToken: number,
): { state: Tensor; tokens: Tensor; parents: Tensor } {
  const { B, k } = beamSelectChecks(state, topValues, topIndices, vocabulary, endToken);
  for (const [t, name] of [
    [state, 'state'],
    [topValues, 'topValues'],
    [topIndices, 'topIndices'],
  ] as const)
    gpu.storage(t, name);
  const BK = B * k;
  const next = gpu.empty([3, BK], 'beam state');
  const tokens = gpu.empty([BK], 'beam tokens');
  const parents = gpu.empty([BK], 'beam parents');
  const { groups, rowStride } = gpu.grid1d(BK, ELEMENTWISE_WG);
  gpu.dispatch(
    BEAM_SELECT,
    { WG: ELEMENTWISE_WG },
    { BK, k, V: vocabulary, end_token: endToken, row_stride: rowStride },
    {
      state: gpu.binding(state, 'state'),
      top_values: gpu.binding(topValues, 'topValues'),
      top_indices: gpu.binding(topIndices, 'topIndices'),
      next_state: gpu.binding(next, 'state'),
      tokens: gpu.binding(tokens, 'tokens'),
      parents: gpu.binding(parents, 'parents'),
    },
    groups,
  );
  return { state: next, tokens, parents };
}
