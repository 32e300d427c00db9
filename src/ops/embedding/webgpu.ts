// Embedding lookup and its deterministic gradient on the GPU (embedding*.wgsl, CPU twin cpu.ts).
import embeddingCode from './embedding.wgsl?raw';
import embeddingBackwardCode from './embedding_backward.wgsl?raw';
import { checkPaddingRow, embeddingChecks } from './spec.js';
import type { GpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';

export const EMBEDDING = kernel({
  name: 'embedding',
  code: embeddingCode,
  params: { n: 'u32', row_stride: 'u32', vocab: 'u32', dim: 'u32' },
  storage: { weight: 'read', ids: 'read', out: 'read_write' },
});

export const EMBEDDING_BACKWARD = kernel({
  name: 'embedding_backward',
  code: embeddingBackwardCode,
  params: { n: 'u32', row_stride: 'u32', count: 'u32', dim: 'u32', padding: 'u32' },
  storage: { ids: 'read', dout: 'read', dweight: 'read_write' },
});

export function embedding(gpu: GpuDevice, weight: Tensor, ids: Tensor): Tensor {
  const { V, E, N } = embeddingChecks(weight, ids);
  gpu.storage(weight, 'weight');
  gpu.storage(ids, 'ids');
  const out = gpu.empty([...ids.shape, E], 'embedding out');
  const { groups, rowStride } = gpu.grid1d(N * E, ELEMENTWISE_WG);
  gpu.dispatch(
    EMBEDDING,
    { WG: ELEMENTWISE_WG },
    { n: N * E, row_stride: rowStride, vocab: V, dim: E },
    { weight: gpu.binding(weight, 'weight'), ids: gpu.binding(ids, 'ids'), out: gpu.binding(out, 'out') },
    groups,
  );
  return out;
}

export function embeddingBackward(
  gpu: GpuDevice,
  ids: Tensor,
  dOut: Tensor,
  dWeight: Tensor,
  paddingIdx: number | null,
): void {
  const { V, E, N } = embeddingChecks(dWeight, ids, dOut);
  checkPaddingRow(paddingIdx, V);
  gpu.checkNoAlias(dWeight, 'dWeight', { ids, dOut });
  const { groups, rowStride } = gpu.grid1d(V, ELEMENTWISE_WG);
  gpu.dispatch(
    EMBEDDING_BACKWARD,
    { WG: ELEMENTWISE_WG },
    { n: V, row_stride: rowStride, count: N, dim: E, padding: paddingIdx ?? V },
    { ids: gpu.binding(ids, 'ids'), dout: gpu.binding(dOut, 'dOut'), dweight: gpu.binding(dWeight, 'dWeight') },
    groups,
  );
}
