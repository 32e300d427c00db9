// CPU twin of shaders/gru_forward.wgsl and shaders/gru_backward.wgsl, plus the input projection and
// weight-gradient matmuls around them: one GRU layer, both directions, in f64. PyTorch's cell, gates
// r, z, n (rows 0..H, H..2H, 2H..3H of weight_ih [3H, I] and weight_hh [3H, H]):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h
// b_hn sits inside r ⊙ (…), so the input-side and hidden-side gradients differ in the n rows:
// δ_in = [da_r, da_z, da_n] (dW_ih, db_ih, dx) and δ_hh = [da_r, da_z, r ⊙ da_n] (dW_hh, db_hh, dh_{t-1}).
// With `lengths`, as the RNN twin (src/cpu/rnn.ts): h carried through the steps past a row's length
// (gates 0 there); in BPTT δ = 0 there and dh passes through them unchanged in the z ⊙ dh carry (as if z = 1).
import { activate } from '../ops/activation/cpu.js';
import { padded, type RnnDims, type RnnGrads, type RnnWeights } from './rnn.js';

const SIGMOID = { name: 'sigmoid', param: 0 } as const;
const sigmoid = (x: number) => activate(x, SIGMOID);

export interface GruForwardResult {
  output: Float64Array; // [T, B, D·H] h_t
  gates: Float64Array; // [T, B, D·3H] r, z, n
  hn: Float64Array; // [T, B, D·H] W_hn h_{t-1} + b_hn (the backward pass needs it for dr)
  hN: Float64Array; // [D, B, H]
}

export function gruLayerForward(
  x: Float64Array,
  dims: RnnDims,
  w: RnnWeights,
  h0: Float64Array | null,
  lengths: ArrayLike<number> | null = null,
): GruForwardResult {
  const { T, B, I, H, D } = dims;
  const DH = D * H;
  const G = 3 * H;
  const output = new Float64Array(T * B * DH);
  const gates = new Float64Array(T * B * D * G);
  const hn = new Float64Array(T * B * DH);
  const hN = new Float64Array(D * B * H);
  const ai = new Float64Array(G); // W_ih x + b_ih
  const ah = new Float64Array(G); // W_hh h + b_hh
  for (let d = 0; d < D; d++) {
    for (let s = 0; s < T; s++) {
      const t = d === 0 ? s : T - 1 - s;
      const tPrev = d === 0 ? t - 1 : t + 1;
      for (let b = 0; b < B; b++) {
        const hPrev = (k: number) =>
          s === 0 ? (h0 ? h0[(d * B + b) * H + k] : 0) : output[(tPrev * B + b) * DH + d * H + k];
        if (padded(lengths, t, b)) {
          for (let j = 0; j < H; j++) output[(t * B + b) * DH + d * H + j] = hPrev(j);
          continue;
        }
        for (let r = 0; r < G; r++) {
          const row = d * G + r;
          let vi = w.bih ? w.bih[row] : 0;
          let vh = w.bhh ? w.bhh[row] : 0;
          for (let i = 0; i < I; i++) vi += w.wih[row * I + i] * x[(t * B + b) * I + i];
          for (let k = 0; k < H; k++) vh += w.whh[row * H + k] * hPrev(k);
          ai[r] = vi;
          ah[r] = vh;
        }
        for (let j = 0; j < H; j++) {
          const rg = sigmoid(ai[j] + ah[j]);
          const zg = sigmoid(ai[H + j] + ah[H + j]);
          const ng = Math.tanh(ai[2 * H + j] + rg * ah[2 * H + j]);
          const gi = (t * B + b) * D * G + d * G;
          gates[gi + j] = rg;
          gates[gi + H + j] = zg;
          gates[gi + 2 * H + j] = ng;
          const o = (t * B + b) * DH + d * H + j;
          hn[o] = ah[2 * H + j];
          output[o] = (1 - zg) * ng + zg * hPrev(j);
        }
      }
      if (s === T - 1) {
        for (let b = 0; b < B; b++)
          for (let j = 0; j < H; j++) hN[(d * B + b) * H + j] = output[(t * B + b) * DH + d * H + j];
      }
    }
  }
  return { output, gates, hn, hN };
}

/**
 * BPTT through one GRU layer. ACCUMULATES (+=) into `grads`; returns dL/dx and dL/dh0. With
 * dh = dOut_t + W_hhᵀ δ_hh,next + z_next ⊙ dh_next (dhN at the last step):
 * da_n = dh (1 − z)(1 − n²), da_z = dh (h_{t-1} − n) z(1 − z), da_r = da_n (W_hn h_{t-1} + b_hn) r(1 − r).
 */
export function gruLayerBackward(
  x: Float64Array,
  dims: RnnDims,
  w: RnnWeights,
  h0: Float64Array | null,
  fwd: GruForwardResult,
  dOut: Float64Array,
  dhN: Float64Array | null,
  grads: RnnGrads,
  dhRecord: Float64Array | null = null, // [T, B, D·H] receives dL/dh_t (gradient-flow diagnostics; 0 at padded steps)
  lengths: ArrayLike<number> | null = null,
): { dx: Float64Array; dh0: Float64Array } {
  const { T, B, I, H, D } = dims;
  const DH = D * H;
  const G = 3 * H;
  const dIn = new Float64Array(T * B * D * G); // δ_in
  const dHh = new Float64Array(T * B * D * G); // δ_hh
  const dx = new Float64Array(T * B * I);
  const dh0 = new Float64Array(D * B * H);
  const carry = new Float64Array(B * H); // z ⊙ dh of the step processed last: its direct path to h_{t-1}
  const hPrevOf = (d: number, t: number, b: number, k: number) => {
    const first = d === 0 ? t === 0 : t === T - 1;
    if (first) return h0 ? h0[(d * B + b) * H + k] : 0;
    return fwd.output[((d === 0 ? t - 1 : t + 1) * B + b) * DH + d * H + k];
  };
  // dh_{t-1}[b, j] reaching it through W_hh: Σ_r W_hh[r, j] δ_hh[t][r], plus the carried z ⊙ dh.
  const recurrent = (d: number, t: number, b: number, j: number) => {
    let g = carry[b * H + j];
    for (let r = 0; r < G; r++) g += w.whh[(d * G + r) * H + j] * dHh[(t * B + b) * D * G + d * G + r];
    return g;
  };
  for (let d = 0; d < D; d++) {
    carry.fill(0);
    for (let s = 0; s < T; s++) {
      const t = d === 0 ? T - 1 - s : s;
      const tNext = d === 0 ? t + 1 : t - 1;
      for (let b = 0; b < B; b++) {
        // The recurrent gradients of this step from the one processed before it, all units first.
        const skip = padded(lengths, t, b);
        const dhs = Float64Array.from(
          { length: H },
          (_, j) =>
            (skip ? 0 : dOut[(t * B + b) * DH + d * H + j]) +
            (s === 0 ? (dhN ? dhN[(d * B + b) * H + j] : 0) : recurrent(d, tNext, b, j)),
        );
        if (skip) {
          // h_t = h_{t-1}: dh passes through; δ = 0.
          carry.set(dhs, b * H);
          if (dhRecord) dhRecord.fill(0, (t * B + b) * DH + d * H, (t * B + b) * DH + d * H + H);
          continue;
        }
        for (let j = 0; j < H; j++) {
          const dh = dhs[j];
          if (dhRecord) dhRecord[(t * B + b) * DH + d * H + j] = dh;
          const gi = (t * B + b) * D * G + d * G;
          const [rg, zg, ng] = [fwd.gates[gi + j], fwd.gates[gi + H + j], fwd.gates[gi + 2 * H + j]];
          const hn = fwd.hn[(t * B + b) * DH + d * H + j];
          const dan = dh * (1 - zg) * (1 - ng * ng);
          const daz = dh * (hPrevOf(d, t, b, j) - ng) * zg * (1 - zg);
          const dar = dan * hn * rg * (1 - rg);
          dIn[gi + j] = dHh[gi + j] = dar;
          dIn[gi + H + j] = dHh[gi + H + j] = daz;
          dIn[gi + 2 * H + j] = dan;
          dHh[gi + 2 * H + j] = dan * rg;
          carry[b * H + j] = dh * zg;
        }
      }
    }
    const tFirst = d === 0 ? 0 : T - 1;
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) dh0[(d * B + b) * H + j] = recurrent(d, tFirst, b, j);
    // Shared weights: sums over all steps; δ_in for the input side, δ_hh for the hidden side.
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        for (let r = 0; r < G; r++) {
          const row = d * G + r;
          const di = dIn[(t * B + b) * D * G + row];
          const dhh = dHh[(t * B + b) * D * G + row];
          if (grads.bih) grads.bih[row] += di;
          if (grads.bhh) grads.bhh[row] += dhh;
          for (let i = 0; i < I; i++) {
            grads.wih[row * I + i] += di * x[(t * B + b) * I + i];
            dx[(t * B + b) * I + i] += w.wih[row * I + i] * di;
          }
          for (let k = 0; k < H; k++) grads.whh[row * H + k] += dhh * hPrevOf(d, t, b, k);
        }
      }
    }
  }
  return { dx, dh0 };
}
