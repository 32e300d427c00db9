// CPU twins of beam_expand.wgsl and beam_select.wgsl, in f64.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { beamExpandChecks, beamSelectChecks } from './spec.js';

/** Per source, the slots of its live hypotheses in order, and of its finished ones. */
function slotsOf(finished: ArrayLike<number>, b: number, k: number): { live: number[]; done: number[] } {
  const live: number[] = [];
  const done: number[] = [];
  for (let i = 0; i < k; i++) (finished[b * k + i] !== 0 ? done : live).push(i);
  return { live, done };
}

export function beamExpandForward(state: Float64Array, logProbs: Float64Array, B: number, k: number, V: number) {
  const BK = B * k;
  const out = new Float64Array(BK * V).fill(-Infinity);
  for (let b = 0; b < B; b++) {
    slotsOf(state.subarray(BK, 2 * BK), b, k).live.forEach((i, j) => {
      const row = b * k + i;
      for (let v = 0; v < V; v++) out[b * k * V + j * V + v] = state[row] + logProbs[row * V + v];
    });
  }
  return out;
}

export function beamSelectForward(
  state: Float64Array,
  topValues: Float64Array,
  topIndices: Float64Array,
  B: number,
  k: number,
  V: number,
  endToken: number,
) {
  const BK = B * k;
  const next = state.slice();
  const tokens = new Float64Array(BK);
  const parents = new Float64Array(BK);
  for (let b = 0; b < B; b++) {
    const { live, done } = slotsOf(state.subarray(BK, 2 * BK), b, k);
    for (const i of done) {
      tokens[b * k + i] = endToken;
      parents[b * k + i] = b * k + i;
    }
    live.forEach((i, j) => {
      const row = b * k + i;
      const c = topIndices[b * k + j];
      const parent = b * k + live[Math.floor(c / V)];
      const token = c % V;
      next[row] = topValues[b * k + j];
      next[BK + row] = token === endToken ? 1 : 0;
      next[2 * BK + row] = state[2 * BK + parent] + 1;
      tokens[row] = token;
      parents[row] = parent;
    });
  }
  return { state: next, tokens, parents };
}

export function beamExpand(cpu: CpuDevice, state: Tensor, logProbs: Tensor, beamWidth: number): Tensor {
  const { B, k, V } = beamExpandChecks(state, logProbs, beamWidth);
  return cpu.wrap(beamExpandForward(cpu.data(state, 'state'), cpu.data(logProbs, 'logProbs'), B, k, V), [B, k * V]);
}

export function beamSelect(
  cpu: CpuDevice,
  state: Tensor,
  topValues: Tensor,
  topIndices: Tensor,
  vocabulary: number,
  endToken: number,
): { state: Tensor; tokens: Tensor; parents: Tensor } {
  const { B, k } = beamSelectChecks(state, topValues, topIndices, vocabulary, endToken);
  const r = beamSelectForward(
    cpu.data(state, 'state'),
    cpu.data(topValues, 'topValues'),
    cpu.data(topIndices, 'topIndices'),
    B,
    k,
    vocabulary,
    endToken,
  );
  return {
    state: cpu.wrap(r.state, state.shape),
    tokens: cpu.wrap(r.tokens, [B * k]),
    parents: cpu.wrap(r.parents, [B * k]),
  };
}
