// CPU twin of shaders/lstm_forward.wgsl and shaders/lstm_backward.wgsl, plus the input projection and
// weight-gradient matmuls around them: one LSTM layer, both directions, in f64. PyTorch gate order:
//   [i, f, g, o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh  (rows 0..H, H..2H, 2H..3H, 3H..4H)
//   i, f, o = σ(·), g = tanh(·);  c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
// With `lengths`, as the RNN twin (src/cpu/rnn.ts): h and c carried through the steps past a row's
// length (gates 0 there); in BPTT δ = 0 there and the carried dc passes through them unchanged.
import { activate } from '../ops/activation/cpu.js';
import {
  accumulateSharedGrads,
  firstValid,
  lastValid,
  padded,
  type RnnDims,
  type RnnGrads,
  type RnnWeights,
} from './rnn.js';

const SIGMOID = { name: 'sigmoid', param: 0 } as const;
const sigmoid = (x: number) => activate(x, SIGMOID);

export interface LstmForwardResult {
  output: Float64Array; // [T, B, D·H] h_t
  cells: Float64Array; // [T, B, D·H] c_t
  gates: Float64Array; // [T, B, D·4H] activated i, f, g, o
  hN: Float64Array; // [D, B, H]
  cN: Float64Array; // [D, B, H]
}

export function lstmLayerForward(
  x: Float64Array,
  dims: RnnDims,
  w: RnnWeights,
  h0: Float64Array | null,
  c0: Float64Array | null,
  lengths: ArrayLike<number> | null = null,
): LstmForwardResult {
  const { T, B, I, H, D } = dims;
  const DH = D * H;
  const G = 4 * H;
  const output = new Float64Array(T * B * DH);
  const cells = new Float64Array(T * B * DH);
  const gates = new Float64Array(T * B * D * G);
  const hN = new Float64Array(D * B * H);
  const cN = new Float64Array(D * B * H);
  const a = new Float64Array(G);
  for (let d = 0; d < D; d++) {
    for (let s = 0; s < T; s++) {
      const t = d === 0 ? s : T - 1 - s;
      const tPrev = d === 0 ? t - 1 : t + 1;
      for (let b = 0; b < B; b++) {
        const hPrev = (k: number) =>
          s === 0 ? (h0 ? h0[(d * B + b) * H + k] : 0) : output[(tPrev * B + b) * DH + d * H + k];
        const cPrev = (j: number) =>
          s === 0 ? (c0 ? c0[(d * B + b) * H + j] : 0) : cells[(tPrev * B + b) * DH + d * H + j];
        if (padded(lengths, t, b)) {
          for (let j = 0; j < H; j++) {
            output[(t * B + b) * DH + d * H + j] = hPrev(j);
            cells[(t * B + b) * DH + d * H + j] = cPrev(j);
          }
          continue;
        }
        for (let r = 0; r < G; r++) {
          const row = d * G + r;
          let v = (w.bih ? w.bih[row] : 0) + (w.bhh ? w.bhh[row] : 0);
          for (let i = 0; i < I; i++) v += w.wih[row * I + i] * x[(t * B + b) * I + i];
          for (let k = 0; k < H; k++) v += w.whh[row * H + k] * hPrev(k);
          a[r] = v;
        }
        for (let j = 0; j < H; j++) {
          const [ig, fg, gg, og] = [sigmoid(a[j]), sigmoid(a[H + j]), Math.tanh(a[2 * H + j]), sigmoid(a[3 * H + j])];
          const c = fg * cPrev(j) + ig * gg;
          const gi = (t * B + b) * D * G + d * G;
          gates[gi + j] = ig;
          gates[gi + H + j] = fg;
          gates[gi + 2 * H + j] = gg;
          gates[gi + 3 * H + j] = og;
          cells[(t * B + b) * DH + d * H + j] = c;
          output[(t * B + b) * DH + d * H + j] = og * Math.tanh(c);
        }
      }
      if (s === T - 1) {
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < H; j++) {
            hN[(d * B + b) * H + j] = output[(t * B + b) * DH + d * H + j];
            cN[(d * B + b) * H + j] = cells[(t * B + b) * DH + d * H + j];
          }
        }
      }
    }
  }
  return { output, cells, gates, hN, cN };
}

/**
 * BPTT through one LSTM layer. ACCUMULATES (+=) into `grads`; returns dL/dx, dL/dh0, dL/dc0.
 * With dh = dOut_t + W_hhᵀ δ_next and dc = dc_next·f_next + dh ⊙ o ⊙ (1 - tanh²c):
 * δ = [dc⊙g⊙i(1-i), dc⊙c_{t-1}⊙f(1-f), dc⊙i⊙(1-g²), dh⊙tanh(c)⊙o(1-o)].
 */
export function lstmLayerBackward(
  x: Float64Array,
  dims: RnnDims,
  w: RnnWeights,
  h0: Float64Array | null,
  c0: Float64Array | null,
  fwd: LstmForwardResult,
  dOut: Float64Array,
  dhN: Float64Array | null,
  dcN: Float64Array | null,
  grads: RnnGrads,
  dhRecord: Float64Array | null = null, // [T, B, D·H] receives dL/dh_t (gradient-flow diagnostics; 0 at padded steps)
  lengths: ArrayLike<number> | null = null,
): { dx: Float64Array; dh0: Float64Array; dc0: Float64Array } {
  const { T, B, I, H, D } = dims;
  const DH = D * H;
  const G = 4 * H;
  const delta = new Float64Array(T * B * D * G);
  const dx = new Float64Array(T * B * I);
  const dh0 = new Float64Array(D * B * H);
  const dc0 = new Float64Array(D * B * H);
  const dcCarry = new Float64Array(B * H);
  for (let d = 0; d < D; d++) {
    for (let s = 0; s < T; s++) {
      const t = d === 0 ? T - 1 - s : s;
      const tNext = d === 0 ? t + 1 : t - 1;
      const tPrev = d === 0 ? t - 1 : t + 1;
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const dcIn = s === 0 ? (dcN ? dcN[(d * B + b) * H + j] : 0) : dcCarry[b * H + j];
          if (padded(lengths, t, b)) {
            // c_t = c_{t-1}: dc passes through; δ = 0.
            dcCarry[b * H + j] = dcIn;
            if (s === T - 1) dc0[(d * B + b) * H + j] = dcIn;
            if (dhRecord) dhRecord[(t * B + b) * DH + d * H + j] = 0;
            continue;
          }
          let dh = dOut[(t * B + b) * DH + d * H + j];
          if (t === lastValid(lengths, T, d, b)) dh += dhN ? dhN[(d * B + b) * H + j] : 0;
          if (s > 0)
            for (let r = 0; r < G; r++) dh += w.whh[(d * G + r) * H + j] * delta[(tNext * B + b) * D * G + d * G + r];
          if (dhRecord) dhRecord[(t * B + b) * DH + d * H + j] = dh;
          const gi = (t * B + b) * D * G + d * G;
          const [ig, fg, gg, og] = [
            fwd.gates[gi + j],
            fwd.gates[gi + H + j],
            fwd.gates[gi + 2 * H + j],
            fwd.gates[gi + 3 * H + j],
          ];
          const c = fwd.cells[(t * B + b) * DH + d * H + j];
          const cPrev = s === T - 1 ? (c0 ? c0[(d * B + b) * H + j] : 0) : fwd.cells[(tPrev * B + b) * DH + d * H + j];
          const tc = Math.tanh(c);
          const dc = dcIn + dh * og * (1 - tc * tc);
          delta[gi + j] = dc * gg * ig * (1 - ig);
          delta[gi + H + j] = dc * cPrev * fg * (1 - fg);
          delta[gi + 2 * H + j] = dc * ig * (1 - gg * gg);
          delta[gi + 3 * H + j] = dh * tc * og * (1 - og);
          dcCarry[b * H + j] = dc * fg;
          if (s === T - 1) dc0[(d * B + b) * H + j] = dc * fg;
        }
      }
    }
    for (let b = 0; b < B; b++) {
      const tFirst = firstValid(lengths, T, d, b);
      for (let j = 0; j < H; j++) {
        let g = 0;
        for (let r = 0; r < G; r++) g += w.whh[(d * G + r) * H + j] * delta[(tFirst * B + b) * D * G + d * G + r];
        dh0[(d * B + b) * H + j] = g;
      }
    }
    accumulateSharedGrads(x, dims, 4, d, w, h0, fwd.output, delta, grads, dx);
  }
  return { dx, dh0, dc0 };
}
