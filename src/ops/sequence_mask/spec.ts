// Zeroing the steps past each sequence's length: what ctx.sequenceMask takes, and its argument checks.
import { expectTensor, lengthsTensorCheck } from '../../core/checks.js';
import { ValueError, describeValue } from '../../core/errors.js';
import { expectRank } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

export interface SequenceMaskMethods {
  /**
   * x [T, B, C] ([B, T, C] with batchFirst) with the steps past each row's length zeroed: y[t, b, :] = 0
   * for t ≥ lengths[b] (lengths [B], f32 integers 1 ≤ len ≤ T; the CPU checks them, the GPU trusts the
   * caller's checkLengths).
   */
  sequenceMask(x: Tensor, lengths: Tensor, batchFirst?: boolean): Tensor;
}

/** sequenceMask: x [T, B, C] ([B, T, C] batch-first) and lengths [B]; returns T, B, C. */
export function sequenceMaskChecks(x: Tensor, lengths: Tensor, batchFirst: boolean): [number, number, number] {
  expectTensor('x', x);
  expectRank('x', x.shape, 3);
  if (typeof batchFirst !== 'boolean') throw new ValueError('batchFirst', 'a boolean', describeValue(batchFirst));
  const [T, B] = batchFirst ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
  lengthsTensorCheck(lengths, B);
  return [T, B, x.shape[2]];
}
