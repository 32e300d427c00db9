// The CPU twin of the recurrent time loop (webgpu.ts and its kernels), with the input projection and
// weight-gradient matmuls around it: one layer, both directions, in f64, written per direction and per
// time step for clarity (the GPU runs both directions in one dispatch). The cell's own math is its
// CpuCellStep (cells/<cell>/); this loop is the same for every cell:
//   ai = W_ih x_t + b_ih, ah = W_hh h_{t-1} + b_hh, (h_t, c_t) = cell(ai, ah, h_{t-1}, c_{t-1})
// (or ai their sum, for a cell that takes only the sum: CpuCellStep.hiddenApart).
// Direction d = 0 runs t = 0 … T-1; d = 1 runs t = T-1 … 0 (its "previous" step is t+1).
// Variable lengths (`lengths` [B], PyTorch's packed sequences): at (t, b) with t ≥ len[b] the state is
// carried unchanged (the state after the step is the state before it, in the direction's own order, so the
// backward direction stays at its initial state until t = len[b]−1) and kept in the state sequence — the
// layer's visible output zeroes those steps (sequenceMaskForward). In BPTT those steps have δ = 0 and the
// state's gradient passes through them unchanged: dhN reaches each row's last valid step, and the backward
// direction's dh0 leaves from its step len[b]−1.
import { describeValue, ValueError } from '../../core/errors.js';
import { checkLengths } from '../../core/lengths.js';
import { expectShape } from '../../core/shapes.js';
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { lengthsTensorCheck } from '../../core/checks.js';
import { sequenceMaskForward } from '../sequence_mask/cpu.js';
import type { Cell } from './cell.js';
import { cellOf } from './cells/index.js';
import {
  recurrentChecks,
  type FinalStates,
  type LayerStates,
  type RecurrentConfig,
  type RecurrentLayerCache,
  type RecurrentWeights,
  type RnnLayerDims,
  type StateSlice,
} from './spec.js';

export interface RecurrentArrays {
  wih: Float64Array; // [D·G·H, I]
  whh: Float64Array; // [D·G·H, H]
  bih: Float64Array | null; // [D·G·H]
  bhh: Float64Array | null; // [D·G·H]
}

export interface RecurrentForwardResult {
  /** [S, T, B, D·H]: the state after each step (h, then c with a cell state), both directions side by side. */
  states: Float64Array;
  /** [T, B, D, savedPerUnit·H]: what the cell keeps for BPTT (0 at padded steps). */
  saved: Float64Array;
  /** [S, D, B, H]: each direction's final state. */
  final: Float64Array;
}

/** Whether step t of batch row b is past the row's length (padding). */
export function padded(lengths: ArrayLike<number> | null, t: number, b: number): boolean {
  return lengths !== null && t >= lengths[b];
}

/** Number of states per unit: h, and c for a cell with a cell state. */
function stateCount(cell: Cell): number {
  return cell.layout.cellState ? 2 : 1;
}

/** The forward pass of one layer; `init` [S, D, B, H] (null: zeros). */
export function recurrentForward(
  cell: Cell,
  config: RecurrentConfig,
  x: Float64Array,
  dims: RnnLayerDims,
  w: RecurrentArrays,
  init: Float64Array | null,
  lengths: ArrayLike<number> | null = null,
): RecurrentForwardResult {
  const { T, B, I, H, D } = dims;
  const S = stateCount(cell);
  const GH = cell.G * H;
  const K = cell.cpu.savedPerUnit * H;
  const N = T * B * D * H; // one state's sequence
  const states = new Float64Array(S * N);
  const saved = new Float64Array(T * B * D * K);
  const final = new Float64Array(S * D * B * H);
  const [ai, ah] = [new Float64Array(GH), new Float64Array(GH)];
  const [prev, next] = [new Float64Array(S * H), new Float64Array(S * H)];
  for (let d = 0; d < D; d++) {
    for (let s = 0; s < T; s++) {
      const t = d === 0 ? s : T - 1 - s;
      const tPrev = d === 0 ? t - 1 : t + 1;
      for (let b = 0; b < B; b++) {
        for (let q = 0; q < S; q++) {
          for (let k = 0; k < H; k++) {
            prev[q * H + k] =
              s === 0
                ? init
                  ? init[((q * D + d) * B + b) * H + k]
                  : 0
                : states[q * N + (tPrev * B + b) * D * H + d * H + k];
          }
        }
        if (padded(lengths, t, b)) {
          next.set(prev);
        } else {
          const apart = cell.cpu.hiddenApart;
          for (let r = 0; r < GH; r++) {
            const row = d * GH + r;
            let vi = w.bih ? w.bih[row] : 0;
            let vh = w.bhh ? w.bhh[row] : 0;
            if (!apart) [vi, vh] = [vi + vh, 0];
            for (let i = 0; i < I; i++) vi += w.wih[row * I + i] * x[(t * B + b) * I + i];
            for (let k = 0; k < H; k++) {
              const v = w.whh[row * H + k] * prev[k];
              if (apart) vh += v;
              else vi += v;
            }
            ai[r] = vi;
            ah[r] = vh;
          }
          const o = ((t * B + b) * D + d) * K;
          cell.cpu.forward(config, H, ai, ah, prev, next, saved.subarray(o, o + K));
        }
        for (let q = 0; q < S; q++) {
          for (let j = 0; j < H; j++) {
            states[q * N + (t * B + b) * D * H + d * H + j] = next[q * H + j];
            if (s === T - 1) final[((q * D + d) * B + b) * H + j] = next[q * H + j];
          }
        }
      }
    }
  }
  return { states, saved, final };
}

/**
 * BPTT through one layer. ACCUMULATES (+=) into `grads`; returns dL/dx [T, B, I] and dL/d(init) [S, D, B, H].
 * At each step, with dNext = dL/d(state after it) (dh: dOut_t + W_hhᵀ δ_hh,next + the cell's direct path;
 * dhN / dcN at the first step processed), the cell gives δ_in and δ_hh [G·H] and the direct path to the
 * state before it; then dW_hh += Σ_t δ_hh h_prevᵀ, db_hh += Σ_t δ_hh, dW_ih += Σ_t δ_in x_tᵀ, db_ih += Σ_t δ_in.
 */
export function recurrentBackward(
  cell: Cell,
  config: RecurrentConfig,
  x: Float64Array,
  dims: RnnLayerDims,
  w: RecurrentArrays,
  init: Float64Array | null,
  fwd: RecurrentForwardResult,
  dOut: Float64Array,
  dFinal: Float64Array | null, // [S, D, B, H]
  grads: RecurrentArrays,
  dhRecord: Float64Array | null = null, // [T, B, D·H] receives dL/dh_t (gradient-flow diagnostics; 0 at padded steps)
  lengths: ArrayLike<number> | null = null,
): { dx: Float64Array; dInit: Float64Array } {
  const { T, B, I, H, D } = dims;
  const S = stateCount(cell);
  const G = cell.G;
  const GH = G * H;
  const DH = D * H;
  const K = cell.cpu.savedPerUnit * H;
  const N = T * B * DH;
  const dIn = new Float64Array(T * B * D * GH);
  const dHh = new Float64Array(T * B * D * GH);
  const dx = new Float64Array(T * B * I);
  const dInit = new Float64Array(S * D * B * H);
  const carried = new Float64Array(B * S * H); // the direct path to the state before the step processed last
  const [prev, next, dNext] = [new Float64Array(S * H), new Float64Array(S * H), new Float64Array(S * H)];
  /** State q of direction d before step t (in the direction's order), unit k. */
  const before = (q: number, d: number, t: number, b: number, k: number) => {
    const first = d === 0 ? t === 0 : t === T - 1;
    if (first) return init ? init[((q * D + d) * B + b) * H + k] : 0;
    return fwd.states[q * N + ((d === 0 ? t - 1 : t + 1) * B + b) * DH + d * H + k];
  };
  // dh_{t-1}[b, j] reaching it through W_hh from the step at t: Σ_r W_hh[r, j] δ_hh[t][r].
  const recurrent = (d: number, t: number, b: number, j: number) => {
    let g = 0;
    for (let r = 0; r < GH; r++) g += w.whh[(d * GH + r) * H + j] * dHh[(t * B + b) * D * GH + d * GH + r];
    return g;
  };
  for (let d = 0; d < D; d++) {
    carried.fill(0);
    for (let s = 0; s < T; s++) {
      const t = d === 0 ? T - 1 - s : s;
      const tNext = d === 0 ? t + 1 : t - 1;
      for (let b = 0; b < B; b++) {
        const skip = padded(lengths, t, b);
        for (let q = 0; q < S; q++) {
          for (let j = 0; j < H; j++) {
            let g = q === 0 && !skip ? dOut[(t * B + b) * DH + d * H + j] : 0;
            if (s === 0) g += dFinal ? dFinal[((q * D + d) * B + b) * H + j] : 0;
            else g += carried[(b * S + q) * H + j] + (q === 0 ? recurrent(d, tNext, b, j) : 0);
            dNext[q * H + j] = g;
          }
        }
        const rec = (t * B + b) * DH + d * H;
        if (skip) {
          // The state after the step is the state before it: its gradient passes through; δ = 0.
          carried.set(dNext, b * S * H);
          if (dhRecord) dhRecord.fill(0, rec, rec + H);
          continue;
        }
        if (dhRecord) dhRecord.set(dNext.subarray(0, H), rec);
        for (let q = 0; q < S; q++) {
          for (let k = 0; k < H; k++) {
            prev[q * H + k] = before(q, d, t, b, k);
            next[q * H + k] = fwd.states[q * N + rec + k];
          }
        }
        const gi = (t * B + b) * D * GH + d * GH;
        const o = ((t * B + b) * D + d) * K;
        cell.cpu.backward(
          config,
          H,
          dNext,
          fwd.saved.subarray(o, o + K),
          prev,
          next,
          dIn.subarray(gi, gi + GH),
          dHh.subarray(gi, gi + GH),
          carried.subarray(b * S * H, (b + 1) * S * H),
        );
      }
    }
    const tFirst = d === 0 ? 0 : T - 1; // the step processed last
    for (let b = 0; b < B; b++) {
      for (let q = 0; q < S; q++) {
        for (let j = 0; j < H; j++) {
          const g = carried[(b * S + q) * H + j] + (q === 0 ? recurrent(d, tFirst, b, j) : 0);
          dInit[((q * D + d) * B + b) * H + j] = g;
        }
      }
    }
    // Shared weights: sums over all steps; δ_in for the input side, δ_hh for the hidden side.
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        for (let r = 0; r < GH; r++) {
          const row = d * GH + r;
          const di = dIn[(t * B + b) * D * GH + row];
          const dh = dHh[(t * B + b) * D * GH + row];
          if (grads.bih) grads.bih[row] += di;
          if (grads.bhh) grads.bhh[row] += dh;
          for (let i = 0; i < I; i++) {
            grads.wih[row * I + i] += di * x[(t * B + b) * I + i];
            dx[(t * B + b) * I + i] += w.wih[row * I + i] * di;
          }
          for (let k = 0; k < H; k++) grads.whh[row * H + k] += dh * before(0, d, t, b, k);
        }
      }
    }
  }
  return { dx, dInit };
}

/** What a CPU forward keeps for its backward. */
export class CpuRecurrentCache implements RecurrentLayerCache {
  constructor(
    readonly x: Tensor,
    readonly w: RecurrentWeights,
    readonly config: RecurrentConfig,
    readonly cell: Cell,
    readonly dims: RnnLayerDims,
    readonly init: Float64Array | null, // [S, D, B, H], a copy: the caller may change its state tensors before backward
    readonly fwd: RecurrentForwardResult,
    readonly output: Tensor,
    readonly lengths: Int32Array | null,
  ) {}
  release(): void {
    this.output.release();
  }
}

function arrays(cpu: CpuDevice, w: RecurrentWeights): RecurrentArrays {
  return {
    wih: cpu.data(w.wih, 'weight_ih'),
    whh: cpu.data(w.whh, 'weight_hh'),
    bih: w.bih ? cpu.data(w.bih, 'bias_ih') : null,
    bhh: w.bhh ? cpu.data(w.bhh, 'bias_hh') : null,
  };
}

function slice(cpu: CpuDevice, s: StateSlice, dims: RnnLayerDims, argument: string): Float64Array {
  return cpu.data(s.tensor, argument).subarray(s.offset, s.offset + dims.D * dims.B * dims.H);
}

/** [S, D, B, H] copied from the h (and c) slices, zeros for a missing one; null when both are missing. */
function gather(
  cpu: CpuDevice,
  cell: Cell,
  st: LayerStates,
  dims: RnnLayerDims,
  names: [string, string],
): Float64Array | null {
  const c = cell.layout.cellState ? st.c : null;
  if (!st.h && !c) return null;
  const n = dims.D * dims.B * dims.H;
  const out = new Float64Array(stateCount(cell) * n);
  if (st.h) out.set(slice(cpu, st.h, dims, names[0]));
  if (c) out.set(slice(cpu, c, dims, names[1]), n);
  return out;
}

/** Writes [S, D, B, H] into the h (and c) slices. */
function scatter(
  cpu: CpuDevice,
  cell: Cell,
  data: Float64Array,
  st: FinalStates,
  dims: RnnLayerDims,
  names: [string, string],
) {
  const n = dims.D * dims.B * dims.H;
  slice(cpu, st.h, dims, names[0]).set(data.subarray(0, n));
  if (cell.layout.cellState) slice(cpu, st.c!, dims, names[1]).set(data.subarray(n, 2 * n));
}

export function recurrentLayerForward(
  cpu: CpuDevice,
  x: Tensor,
  w: RecurrentWeights,
  config: RecurrentConfig,
  init: LayerStates,
  final: FinalStates,
  lengths?: Tensor,
): RecurrentLayerCache {
  const cell = cellOf(config.cell);
  const dims = recurrentChecks(
    x,
    w,
    config.D,
    config.H,
    cell.G,
    { h0: init.h, c0: init.c, hN: final.h, cN: final.c },
    cpu.maxTensorElements,
  );
  lengthsTensorCheck(lengths, dims.B);
  const lens = lengths ? checkLengths('lengths', cpu.data(lengths, 'lengths'), dims.B, dims.T) : null;
  if (cell.layout.cellState && !final.c)
    throw new ValueError('final.c', `a slice for the ${cell.name.toUpperCase()} cell state`, 'none');
  const h0 = gather(cpu, cell, init, dims, ['h0', 'c0']);
  const fwd = recurrentForward(cell, config, cpu.data(x, 'x'), dims, arrays(cpu, w), h0, lens);
  scatter(cpu, cell, fwd.final, final, dims, ['hN', 'cN']);
  // The layer's output: the carried states past each row's length are zeroed.
  const { T, B, D, H } = dims;
  const h = fwd.states.slice(0, T * B * D * H);
  const output = cpu.wrap(lens ? sequenceMaskForward(h, T, B, D * H, lens) : h, [T, B, D * H]);
  return new CpuRecurrentCache(x, w, config, cell, dims, h0, fwd, output, lens);
}

export function recurrentLayerBackward(
  cpu: CpuDevice,
  cache: RecurrentLayerCache,
  dOut: Tensor,
  dFinal: LayerStates,
  grads: RecurrentWeights,
  dInit: FinalStates,
  inputGrad: boolean,
  dhRecord?: Tensor,
): Tensor | null {
  if (!(cache instanceof CpuRecurrentCache))
    throw new ValueError('cache', 'the cache of a CPU recurrentLayerForward', describeValue(cache));
  const { dims, cell } = cache;
  recurrentChecks(
    cache.x,
    grads,
    dims.D,
    dims.H,
    cell.G,
    { dhN: dFinal.h, dcN: dFinal.c, dh0: dInit.h, dc0: dInit.c },
    cpu.maxTensorElements,
  );
  expectShape('dOut', dOut.shape, [dims.T, dims.B, dims.D * dims.H]);
  if (dhRecord) expectShape('dhRecord', dhRecord.shape, [dims.T, dims.B, dims.D * dims.H]);
  if (cell.layout.cellState && !dInit.c)
    throw new ValueError('dInit.c', `a slice for the ${cell.name.toUpperCase()} cell-state gradient`, 'none');
  const r = recurrentBackward(
    cell,
    cache.config,
    cpu.data(cache.x, 'x'),
    dims,
    arrays(cpu, cache.w),
    cache.init,
    cache.fwd,
    cpu.data(dOut, 'dOut'),
    gather(cpu, cell, dFinal, dims, ['dhN', 'dcN']),
    arrays(cpu, grads),
    dhRecord ? cpu.data(dhRecord, 'dhRecord') : null,
    cache.lengths,
  );
  scatter(cpu, cell, r.dInit, dInit, dims, ['dh0', 'dc0']);
  return inputGrad ? cpu.wrap(r.dx, cache.x.shape) : null;
}
