// Embedding (torch.nn.Embedding), the CPU twin of embedding*.wgsl. V vocabulary rows, E dim, N ids.
// Forward: out[n, :] = weight[ids[n], :]. Backward ACCUMULATES dWeight[v, :] += Σ_{n: ids[n] = v} dOut[n, :]
// in increasing n (the GPU sums in the same order), except the padding row, which gets no gradient.
// Nothing upstream of an Embedding needs dL/d(ids): there is none.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { checkIds, checkPaddingRow, embeddingChecks } from './spec.js';

/** weight [V, E], ids [N] → out [N, E]. */
export function embeddingForward(weight: Float64Array, ids: ArrayLike<number>, V: number, E: number): Float64Array {
  checkIds('ids', ids, V);
  const out = new Float64Array(ids.length * E);
  for (let n = 0; n < ids.length; n++) out.set(weight.subarray(ids[n] * E, (ids[n] + 1) * E), n * E);
  return out;
}

/** dWeight [V, E] += scatter of dOut [N, E] by ids [N]; the padding row (null: none) is left unchanged. */
export function embeddingGrad(
  dOut: Float64Array,
  ids: ArrayLike<number>,
  V: number,
  E: number,
  paddingIdx: number | null,
  dWeight: Float64Array,
): void {
  checkIds('ids', ids, V);
  for (let n = 0; n < ids.length; n++) {
    if (ids[n] === paddingIdx) continue;
    for (let e = 0; e < E; e++) dWeight[ids[n] * E + e] += dOut[n * E + e];
  }
}

export function embedding(cpu: CpuDevice, weight: Tensor, ids: Tensor): Tensor {
  const { V, E } = embeddingChecks(weight, ids);
  return cpu.wrap(embeddingForward(cpu.data(weight, 'weight'), cpu.data(ids, 'ids'), V, E), [...ids.shape, E]);
}

export function embeddingBackward(
  cpu: CpuDevice,
  ids: Tensor,
  dOut: Tensor,
  dWeight: Tensor,
  paddingIdx: number | null,
): void {
  const { V, E } = embeddingChecks(dWeight, ids, dOut);
  checkPaddingRow(paddingIdx, V);
  embeddingGrad(cpu.data(dOut, 'dOut'), cpu.data(ids, 'ids'), V, E, paddingIdx, cpu.data(dWeight, 'dWeight'));
}
