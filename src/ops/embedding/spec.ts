// Embedding lookup: what ctx.embedding and ctx.embeddingBackward take, the vocabulary limit, and the checks
// of ids (on the host, where fit / predict / generate upload them) and of the calls' arguments.
import { expectOptionalTensor, expectTensor } from '../../core/checks.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../../core/errors.js';
import { expectRank, expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

export interface EmbeddingMethods {
  /**
   * torch.nn.Embedding's lookup: out [...ids, E] = rows of weight [V, E] picked by ids (f32 holding
   * integers in [0, V)). The CPU refuses a bad id (ValueError naming it); on the GPU, where ids are not
   * read back, its row comes out NaN — upload ids through fit / predict / generate, which check them.
   */
  embedding(weight: Tensor, ids: Tensor): Tensor;
  /**
   * ACCUMULATES the gradient of embedding(): dWeight [V, E] += Σ over the ids equal to each row of the
   * rows of dOut [...ids, E], deterministically (no float atomics); row paddingIdx (null: none) gets nothing.
   */
  embeddingBackward(ids: Tensor, dOut: Tensor, dWeight: Tensor, paddingIdx: number | null): void;
}

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

/** An embedding call: weight [V, E] with V below 2^24 (ids travel as exact f32), ids of rank ≥ 1, dOut [...ids, E]. */
export function embeddingChecks(weight: Tensor, ids: Tensor, dOut?: Tensor): { V: number; E: number; N: number } {
  expectTensor('weight', weight);
  expectTensor('ids', ids);
  expectOptionalTensor('dOut', dOut);
  expectRank('weight', weight.shape, 2);
  const [V, E] = weight.shape;
  if (V > 2 ** 24)
    throw new ShapeError(
      'weight',
      'at most 2^24 rows (ids are f32, exact integers only below 2^24)',
      describeShape(weight.shape),
    );
  if (dOut) expectShape('dOut', dOut.shape, [...ids.shape, E]);
  return { V, E, N: ids.size };
}

/** An embedding's padding row: null, or an integer row of the weight (already made non-negative). */
export function checkPaddingRow(paddingIdx: number | null, V: number): void {
  if (paddingIdx !== null && (!Number.isInteger(paddingIdx) || paddingIdx < 0 || paddingIdx >= V))
    throw new ValueError('paddingIdx', `null or an integer row in [0, ${V - 1}]`, describeValue(paddingIdx));
}
