// Embedding (torch.nn.Embedding), the CPU twin of shaders/embedding*.wgsl. V vocabulary rows, E dim, N ids.
// Forward: out[n, :] = weight[ids[n], :]. Backward ACCUMULATES dWeight[v, :] += Σ_{n: ids[n] = v} dOut[n, :]
// in increasing n (the GPU sums in the same order), except the padding row, which gets no gradient.
// Nothing upstream of an Embedding needs dL/d(ids): there is none.
import { ValueError, describeValue } from '../core/errors.js';

/** Ids are f32 tensors here: integers in [0, V) are exact below 2^24, which V must not exceed. */
export const MAX_VOCABULARY = 2 ** 24;

/** Ids must be integers in [0, V): checked on the host before they reach a kernel (`argument[i]` names the first bad one). */
export function checkIds(argument: string, ids: ArrayLike<number>, V: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= V)
      throw new ValueError(`${argument}[${i}]`, `an integer id in [0, ${V - 1}]`, describeValue(id));
  }
}

/** weight [V, E], ids [N] → out [N, E]. */
export function embeddingForward(weight: Float64Array, ids: ArrayLike<number>, V: number, E: number): Float64Array {
  checkIds('ids', ids, V);
  const out = new Float64Array(ids.length * E);
  for (let n = 0; n < ids.length; n++) out.set(weight.subarray(ids[n] * E, (ids[n] + 1) * E), n * E);
  return out;
}

/** dWeight [V, E] += scatter of dOut [N, E] by ids [N]; the padding row (null: none) is left unchanged. */
export function embeddingBackward(
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
