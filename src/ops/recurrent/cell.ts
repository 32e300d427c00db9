// A recurrent cell as the time loop (webgpu.ts, cpu.ts) consumes it: its gate count, its state and δ
// layout, the Params fields and constants its WGSL adds, its WGSL (the pass files with the fused
// epilogues, and the kernel bodies they are prepended to) and its f64 CPU step. The loop never asks
// which cell it runs; cells/index.ts keys the library's cells by CellKind. A cell adds Params fields but no
// storage binding: the loop's backward kernels already bind all 8 that WebGPU allows by default (webgpu.ts).
// B batch, T steps, H hidden, D directions, G gates per unit.
import type { Constants, ParamType } from '../../core/kernel.js';
import type { RecurrentConfig } from './spec.js';

/**
 * Where a cell's buffers live, as flags the loop turns into element offsets (RecurrentOffsets), passed to
 * the WGSL through the cell's Params fields. The buffers of a layer, for every cell:
 * - seq: the padded h sequence from h_off, (T+2) rows of [B, D·H] (row r = time r−1; rows 0 and T+1 hold
 *   h0), then with `cellState` the padded c sequence from c_off, laid out alike; then, with lengths, the
 *   [B] lengths (lengths_off() in the WGSL).
 * - init / final (and their gradients): a [D, B, H] block of h at *_off; with `cellState`, c's block in the
 *   same tensor c_stride elements after it (one binding holds both).
 * - gates: [T, B, D·G·H] what the forward epilogue keeps for BPTT, then `extraRows` blocks [T, B, D·H]
 *   from extra_off (the cell names it: the GRU's hn_off).
 * - delta: δ_hh [T, B, D·G·H] (dW_hh, db_hh, the recurrence); with `inputDelta` the input side's δ_in
 *   (dW_ih, db_ih, dx) from in_off (aligned: the matmuls bind it), else δ_in = δ_hh; then with `carry` a
 *   carried gradient [D, B, H] from carry_off (each unit reads and writes its own entry).
 */
export interface CellLayout {
  /** A second state c per unit (the LSTM). */
  readonly cellState: boolean;
  /** [T, B, D·H] blocks kept in `gates` after the gate rows (the GRU: W_hn h_{t-1} + b_hn). */
  readonly extraRows: number;
  /** A separate input-side δ (the GRU: b_hn inside r ⊙ (…) makes its n rows differ). */
  readonly inputDelta: boolean;
  /** A gradient carried from step to step outside W_hhᵀ δ (the LSTM's dc·f, the GRU's z ⊙ dh). */
  readonly carry: boolean;
}

/** The element offsets of a layer's buffers (see CellLayout), from which a cell fills its Params fields. */
export interface RecurrentOffsets {
  /** c's block after h's in init / final (0 without a cell state). */
  cStride: number;
  /** The c sequence in seq. */
  cOff: number;
  /** The first extra block in gates. */
  extraOff: number;
  /** δ_in in delta (0: δ_in is δ_hh). */
  inOff: number;
  /** The carried gradient in delta. */
  carryOff: number;
}

/** The WGSL bodies of one pass, one per kernel shape; the cell's pass file is prepended to each. */
export interface PassBodies {
  /** Register-blocked (the `step` and `sequence` kernels, with recurrent_grid.wgsl). */
  blocked: string;
  /** Split dot products (the `split_step` kernels, with recurrent_split_*.wgsl). */
  split: string;
  /** The GPU-shaped persistent kernel (`rows_sequence`). */
  rows: string;
}

/** Kernel bodies and what the host must know of them: the gated bodies are in this folder, the RNN's its own. */
export interface CellBodies {
  readonly forward: PassBodies;
  readonly backward: PassBodies;
  /** Batch rows per invocation of the blocked bodies at most (accumulators per invocation: G × 4 units × rows). */
  readonly maxBatchBlock: number;
  /** Values per unit the rows bodies stage in workgroup memory going forward: h_{t-1} (and the G gate rows). */
  stagedPerUnit(G: number): number;
  /** Whether the rows bodies take the ROWS constant (the gate rows of a step) besides UNITS. */
  readonly rowsConstant: boolean;
}

/**
 * One time step of a cell for one batch row and direction, in f64, for H units. `prev` / `next` hold the
 * state before and after the step (h, then c with a cell state: S·H values); `saved` is what the forward
 * keeps for the backward (savedPerUnit·H values).
 */
export interface CpuCellStep {
  readonly savedPerUnit: number;
  /**
   * Whether the step needs the hidden side apart (a bias inside a gate's product, as the GRU's b_hn):
   * then ai = W_ih x_t + b_ih and ah = W_hh h_{t-1} + b_hh; else ai is the whole pre-activation
   * b_ih + b_hh + W_ih x_t + W_hh h_{t-1} (summed in that order) and ah is unused.
   */
  readonly hiddenApart: boolean;
  /** ai and ah [G·H] (see hiddenApart) → next, saved. */
  forward(
    config: RecurrentConfig,
    H: number,
    ai: Float64Array,
    ah: Float64Array,
    prev: Float64Array,
    next: Float64Array,
    saved: Float64Array,
  ): void;
  /**
   * dNext = dL/d(next state) [S·H] → the pre-activation gradients dIn (input side) and dHh (hidden side)
   * [G·H], and dPrev [S·H]: the gradient reaching the previous state other than through W_hhᵀ dHh.
   */
  backward(
    config: RecurrentConfig,
    H: number,
    dNext: Float64Array,
    saved: Float64Array,
    prev: Float64Array,
    next: Float64Array,
    dIn: Float64Array,
    dHh: Float64Array,
    dPrev: Float64Array,
  ): void;
}

export interface Cell {
  /** Kernel name prefix and the cell's name in messages. */
  readonly name: string;
  /** Gate rows per unit. */
  readonly G: number;
  readonly layout: CellLayout;
  /** The cell's pass files (Params, bindings, the epilogue cell_out / cell_grad), prepended to each body. */
  readonly wgsl: { readonly forward: string; readonly backward: string };
  readonly bodies: CellBodies;
  /** The Params fields the cell adds after the shared ones, in WGSL order. */
  readonly params: { readonly forward: Record<string, ParamType>; readonly backward: Record<string, ParamType> };
  /** Its Params values for a layer. */
  forwardParams(offsets: RecurrentOffsets, config: RecurrentConfig): Record<string, number>;
  backwardParams(offsets: RecurrentOffsets, config: RecurrentConfig): Record<string, number>;
  /** Pipeline constants of its WGSL (the RNN's activation). */
  constants(config: RecurrentConfig): Constants;
  readonly cpu: CpuCellStep;
}
