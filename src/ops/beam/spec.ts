// The per-step bookkeeping of beam search (src/nn/beam.ts): what ctx.beamExpand and ctx.beamSelect take
// and return, and their argument checks (shared by both sides).
//
// A search state [3, B·k] holds, per hypothesis (source b's slot i at row b·k + i): its summed log-probability,
// whether it is finished (1) or live (0), and its length (tokens so far, the end token counted).
import { ShapeError, ValueError, describeShape, describeValue } from '../../core/errors.js';
import { expectTensor } from '../../core/checks.js';
import { expectRank, expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

export interface BeamMethods {
  /**
   * The candidates of one beam step, [B, k·V]: for each source, its live hypotheses' expansions (summed
   * log-probability + logProbs[row, v]) first, in slot order (the j-th live hypothesis's V candidates at
   * j·V … j·V + V − 1), then −Infinity for each finished slot: a top-k over each row ranks live candidates
   * by score, then slot, then token id, and never a finished hypothesis. state [3, B·k], logProbs [B·k, V].
   */
  beamExpand(state: Tensor, logProbs: Tensor, beamWidth: number): Tensor;
  /**
   * The next search state from the top k candidates of each source (topValues, topIndices [B, k], from
   * topk(beamExpand(…), k)): the j-th live slot of a source takes its j-th best candidate (parent = the
   * live hypothesis it extends, token = index mod V, finished when token = endToken); finished slots stay
   * as they were (frozen), continued by the end token. Returns the new state [3, B·k], the tokens [B·k]
   * (f32 ids, the next step's input) and parents [B·k] (f32 rows of the old state each row continues).
   */
  beamSelect(
    state: Tensor,
    topValues: Tensor,
    topIndices: Tensor,
    vocabulary: number,
    endToken: number,
  ): { state: Tensor; tokens: Tensor; parents: Tensor };
}

/** A search state [3, B·k] with B·k a multiple of beamWidth; returns B and k. */
function stateChecks(state: Tensor, beamWidth: number): { B: number; k: number } {
  expectTensor('state', state);
  expectRank('state', state.shape, 2);
  if (!Number.isInteger(beamWidth) || beamWidth < 1)
    throw new ValueError('beamWidth', 'a positive integer', describeValue(beamWidth));
  const BK = state.shape[1];
  if (state.shape[0] !== 3 || BK % beamWidth !== 0 || BK === 0)
    throw new ShapeError('state', `[3, B·${beamWidth}] with B ≥ 1`, describeShape(state.shape));
  return { B: BK / beamWidth, k: beamWidth };
}

/** beamExpand: state [3, B·k], logProbs [B·k, V]; returns B, k, V. */
export function beamExpandChecks(state: Tensor, logProbs: Tensor, beamWidth: number) {
  const { B, k } = stateChecks(state, beamWidth);
  expectTensor('logProbs', logProbs);
  expectRank('logProbs', logProbs.shape, 2);
  const V = logProbs.shape[1];
  expectShape('logProbs', logProbs.shape, [B * k, V]);
  if (k > V) throw new ValueError('beamWidth', `at most the vocabulary ${V}`, describeValue(beamWidth));
  return { B, k, V };
}

/** beamSelect: topValues and topIndices [B, k], state [3, B·k], endToken in [0, V); returns B, k. */
export function beamSelectChecks(
  state: Tensor,
  topValues: Tensor,
  topIndices: Tensor,
  vocabulary: number,
  endToken: number,
) {
  expectTensor('topValues', topValues);
  expectTensor('topIndices', topIndices);
  expectRank('topValues', topValues.shape, 2);
  const [B, k] = topValues.shape;
  const r = stateChecks(state, k);
  expectShape('state', state.shape, [3, B * k]);
  expectShape('topIndices', topIndices.shape, [r.B, k]);
  if (!Number.isInteger(vocabulary) || vocabulary < k)
    throw new ValueError('vocabulary', `an integer ≥ the beam width ${k}`, describeValue(vocabulary));
  if (!Number.isInteger(endToken) || endToken < 0 || endToken >= vocabulary)
    throw new ValueError('endToken', `an integer in [0, ${vocabulary})`, describeValue(endToken));
  return { B, k };
}
