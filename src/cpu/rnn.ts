// CPU twin of shaders/rnn_forward.wgsl and shaders/rnn_backward.wgsl, plus the input projection and
// weight-gradient matmuls the GPU runs around them: one Elman RNN layer, both directions, in f64.
// Written per direction and per time step for clarity (the GPU runs both directions in one dispatch).
//   a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh,  h_t = f(a_t)
// Direction d = 0 runs t = 0 … T-1; d = 1 runs t = T-1 … 0 (its "previous" step is t+1).
// Variable lengths (`lengths` [B], PyTorch's packed sequences): at (t, b) with t ≥ len[b] the state is
// carried unchanged (h_t = h_{t-1} in the direction's own order, so the backward direction stays at h0
// until t = len[b]−1) and kept in `output` — the layer's visible output zeroes those steps
// (sequenceMaskForward in src/cpu/sequence_mask.ts). In BPTT those steps have δ = 0; dhN enters at the row's last valid step and the backward
// direction's dh0 leaves from its step len[b]−1.
import type { Activation } from '../ops/activation/spec.js';
import { activate, activationDerivative } from '../ops/activation/cpu.js';

export interface RnnDims {
  T: number;
  B: number;
  I: number;
  H: number;
  D: 1 | 2;
}

export interface RnnWeights {
  wih: Float64Array; // [D·H, I]
  whh: Float64Array; // [D·H, H]
  bih: Float64Array | null; // [D·H]
  bhh: Float64Array | null; // [D·H]
}

export interface RnnForwardResult {
  output: Float64Array; // [T, B, D·H]: h_t of both directions side by side
  apre: Float64Array; // [T, B, D·H]: a_t
  hN: Float64Array; // [D, B, H]: each direction's last h
}

/** Index of h_t / a_t of direction d, batch b, unit j in a [T, B, D·H] array. */
function at(dims: RnnDims, t: number, b: number, d: number, j: number): number {
  return (t * dims.B + b) * dims.D * dims.H + d * dims.H + j;
}

/** Whether step t of batch row b is past the row's length (padding). */
export function padded(lengths: ArrayLike<number> | null, t: number, b: number): boolean {
  return lengths !== null && t >= lengths[b];
}

/** The step of direction d where a row's state is final: len[b]−1 forward, 0 backward (T−1 without lengths). */
export function lastValid(lengths: ArrayLike<number> | null, T: number, d: number, b: number): number {
  return d === 1 ? 0 : (lengths ? lengths[b] : T) - 1;
}

export function rnnLayerForward(
  x: Float64Array,
  dims: RnnDims,
  w: RnnWeights,
  h0: Float64Array | null,
  act: Activation,
  lengths: ArrayLike<number> | null = null,
): RnnForwardResult {
  const { T, B, I, H, D } = dims;
  const output = new Float64Array(T * B * D * H);
  const apre = new Float64Array(T * B * D * H);
  const hN = new Float64Array(D * B * H);
  for (let d = 0; d < D; d++) {
    for (let s = 0; s < T; s++) {
      const t = d === 0 ? s : T - 1 - s;
      const tPrev = d === 0 ? t - 1 : t + 1;
      for (let b = 0; b < B; b++) {
        // h_{prev}[k]: h0 at the first step of the direction, else the previous step's output.
        const hPrev = (k: number) => (s === 0 ? (h0 ? h0[(d * B + b) * H + k] : 0) : output[at(dims, tPrev, b, d, k)]);
        if (padded(lengths, t, b)) {
          for (let j = 0; j < H; j++) output[at(dims, t, b, d, j)] = hPrev(j);
          continue;
        }
        for (let j = 0; j < H; j++) {
          const row = d * H + j;
          let a = (w.bih ? w.bih[row] : 0) + (w.bhh ? w.bhh[row] : 0);
          for (let i = 0; i < I; i++) a += w.wih[row * I + i] * x[(t * B + b) * I + i];
          for (let k = 0; k < H; k++) a += w.whh[row * H + k] * hPrev(k);
          apre[at(dims, t, b, d, j)] = a;
          output[at(dims, t, b, d, j)] = activate(a, act);
        }
      }
      if (s === T - 1)
        for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) hN[(d * B + b) * H + j] = output[at(dims, t, b, d, j)];
    }
  }
  return { output, apre, hN };
}

/** Gradients of a layer's weights, in the same layout. */
export type RnnGrads = RnnWeights;

/**
 * BPTT through one layer. ACCUMULATES (+=) into `grads`; returns dL/dx [T, B, I] and dL/dh0 [D, B, H].
 * δ_t = f'(a_t) ⊙ (dOut_t + W_hhᵀ δ_next), then dW_hh += Σ_t δ_t h_prevᵀ, dW_ih += Σ_t δ_t x_tᵀ, db += Σ_t δ_t.
 */
export function rnnLayerBackward(
  x: Float64Array,
  dims: RnnDims,
  w: RnnWeights,
  h0: Float64Array | null,
  act: Activation,
  fwd: RnnForwardResult,
  dOut: Float64Array,
  dhN: Float64Array | null,
  grads: RnnGrads,
  dhRecord: Float64Array | null = null, // [T, B, D·H] receives dL/dh_t (gradient-flow diagnostics; 0 at padded steps)
  lengths: ArrayLike<number> | null = null,
): { dx: Float64Array; dh0: Float64Array } {
  const { T, B, I, H, D } = dims;
  const delta = new Float64Array(T * B * D * H);
  const dx = new Float64Array(T * B * I);
  const dh0 = new Float64Array(D * B * H);
  for (let d = 0; d < D; d++) {
    // Reverse time of this direction: s = 0 is its last step.
    for (let s = 0; s < T; s++) {
      const t = d === 0 ? T - 1 - s : s;
      const tNext = d === 0 ? t + 1 : t - 1;
      for (let b = 0; b < B; b++) {
        if (padded(lengths, t, b)) {
          if (dhRecord) dhRecord.fill(0, at(dims, t, b, d, 0), at(dims, t, b, d, H)); // δ = 0
          continue;
        }
        for (let j = 0; j < H; j++) {
          let g = dOut[at(dims, t, b, d, j)];
          if (t === lastValid(lengths, T, d, b)) g += dhN ? dhN[(d * B + b) * H + j] : 0;
          if (s > 0) for (let k = 0; k < H; k++) g += w.whh[(d * H + k) * H + j] * delta[at(dims, tNext, b, d, k)];
          const i = at(dims, t, b, d, j);
          if (dhRecord) dhRecord[i] = g;
          delta[i] = g * activationDerivative(fwd.apre[i], fwd.output[i], act);
        }
      }
    }
    for (let b = 0; b < B; b++) {
      const tFirst = firstValid(lengths, T, d, b);
      for (let j = 0; j < H; j++) {
        let g = 0;
        for (let k = 0; k < H; k++) g += w.whh[(d * H + k) * H + j] * delta[at(dims, tFirst, b, d, k)];
        dh0[(d * B + b) * H + j] = g;
      }
    }
    accumulateSharedGrads(x, dims, 1, d, w, h0, fwd.output, delta, grads, dx);
  }
  return { dx, dh0 };
}

/** The step of direction d where a row starts (reads h0): 0 forward, len[b]−1 backward (T−1 without lengths). */
export function firstValid(lengths: ArrayLike<number> | null, T: number, d: number, b: number): number {
  return d === 0 ? 0 : (lengths ? lengths[b] : T) - 1;
}

/**
 * Shared weights: each gradient is the sum over all time steps of the per-step gradients. For direction
 * d, with δ [T, B, D·G·H] and h [T, B, D·H]: db += Σ δ_t, dW_ih += Σ δ_t x_tᵀ, dW_hh += Σ δ_t h_prevᵀ, and
 * dx += W_ihᵀ δ_t. Used by the RNN (G = 1) and the LSTM (G = 4) twins.
 */
export function accumulateSharedGrads(
  x: Float64Array,
  dims: RnnDims,
  G: number,
  d: number,
  w: RnnWeights,
  h0: Float64Array | null,
  output: Float64Array,
  delta: Float64Array,
  grads: RnnGrads,
  dx: Float64Array,
): void {
  const { T, B, I, H, D } = dims;
  const GH = G * H;
  for (let t = 0; t < T; t++) {
    const tPrev = d === 0 ? t - 1 : t + 1;
    const first = d === 0 ? t === 0 : t === T - 1;
    for (let b = 0; b < B; b++) {
      for (let r = 0; r < GH; r++) {
        const row = d * GH + r;
        const dl = delta[(t * B + b) * D * GH + row];
        if (grads.bih) grads.bih[row] += dl;
        if (grads.bhh) grads.bhh[row] += dl;
        for (let i = 0; i < I; i++) {
          grads.wih[row * I + i] += dl * x[(t * B + b) * I + i];
          dx[(t * B + b) * I + i] += w.wih[row * I + i] * dl;
        }
        for (let k = 0; k < H; k++) {
          const hPrev = first ? (h0 ? h0[(d * B + b) * H + k] : 0) : output[at(dims, tPrev, b, d, k)];
          grads.whh[row * H + k] += dl * hPrev;
        }
      }
    }
  }
}
