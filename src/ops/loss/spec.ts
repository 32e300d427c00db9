// What every loss shares: the reduction, the result, the StepMask of a batch of variable-length sequences
// (the padding counts for nothing), and their argument checks (shared by both sides).
import { checkSameShape, expectObject, expectTensor } from '../../core/checks.js';
import { ShapeError, ValueError, describeValue } from '../../core/errors.js';
import { expectRank, expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

export type Reduction = 'mean' | 'sum';

/** A loss value ([1]) and the gradient of the loss with respect to the prediction (shape of the prediction). */
export interface LossResult {
  loss: Tensor;
  grad: Tensor;
}

/** Per-step losses of a batch of variable-length sequences: which steps count. */
export interface StepMask {
  /** [B] lengths (f32 integers 1 ≤ len ≤ T, checked by the caller: see checkLengths). */
  lengths: Tensor;
  /** Σ_b lengths[b]: the valid (step, row) pairs. */
  count: number;
  /** The sequences are [B, T, ·] (else [T, B, ·]). */
  batchFirst: boolean;
}

/** The losses, by the name their checks report. */
export type LossKind = 'mse' | 'l1' | 'huber' | 'smoothL1' | 'bceWithLogits' | 'crossEntropy';

/** Arguments of a loss: a prediction and targets of its shape, or logits [B, C] and class indices [B] (crossEntropy). */
export function lossChecks(kind: LossKind, y: Tensor, target: Tensor, reduction: string): { B: number; C: number } {
  const logits = kind === 'crossEntropy' || kind === 'bceWithLogits';
  expectTensor(logits ? 'logits' : 'y', y);
  expectTensor(logits ? 'targets' : 'target', target);
  if (reduction !== 'mean' && reduction !== 'sum')
    throw new ValueError('reduction', "'mean' or 'sum'", JSON.stringify(reduction));
  if (kind !== 'crossEntropy') {
    checkSameShape(logits ? 'targets' : 'target', target, y, logits ? 'logits' : 'the prediction');
    return { B: y.size, C: y.shape.at(-1) ?? 1 };
  }
  expectRank('logits', y.shape, 2);
  expectShape('targets', target.shape, [y.shape[0]]);
  return { B: y.shape[0], C: y.shape[1] };
}

/** A loss's StepMask against its predictions: T·B rows (C per row) from y's shape. Returns T and B. */
export function stepMaskChecks(y: Tensor, rows: boolean, steps: StepMask): { T: number; B: number } {
  expectObject('steps', steps, '{ lengths, count, batchFirst }');
  expectTensor('steps.lengths', steps.lengths);
  expectRank('steps.lengths', steps.lengths.shape, 1);
  const B = steps.lengths.shape[0];
  const N = rows ? y.shape[0] : y.size / y.shape.at(-1)!;
  if (!rows) expectRank('y', y.shape, 3);
  if (N % B !== 0) throw new ShapeError('steps.lengths', `B lengths dividing the ${N} rows of the prediction`, `${B}`);
  const T = N / B;
  if (!Number.isInteger(steps.count) || steps.count < B || steps.count > N)
    throw new ValueError('steps.count', `Σ lengths, an integer in [${B}, ${N}]`, describeValue(steps.count));
  if (typeof steps.batchFirst !== 'boolean')
    throw new ValueError('steps.batchFirst', 'a boolean', describeValue(steps.batchFirst));
  return { T, B };
}
