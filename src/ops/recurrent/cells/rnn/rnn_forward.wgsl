// Elman RNN forward time loop of one layer, both directions in the same dispatch:
//   a_t = (W_ih x_t + b_ih) + b_hh + W_hh h_{t-1},  h_t = f(a_t).
// The input projection (first bracket) for all T steps is ONE matmul before the loop (`proj`).
// This file holds what every variant of the step kernel shares — parameters, bindings and the epilogue
// (bias, activation, stores) — and is prepended to the variant: rnn_blocked.wgsl (register
// blocks, for CPU-backed adapters), rnn_split.wgsl (dot products split across a workgroup, for
// GPUs) or rnn_rows.wgsl (the GPU-shaped persistent kernel). The forward direction (d = 0) runs
// t = s, the backward direction (d = 1) runs t = T-1-s, so step s of both is one dispatch.
// Also prepended on the host: activation_fns.wgsl, recurrent_steps.wgsl.
//
// Buffer layouts (seq, init / fin, gates, delta): src/ops/recurrent/cell.ts (CellLayout), one place for
// every cell. seq: row r = time r-1, so the forward direction's h_{t-1} is row t and the backward
// direction's "previous" h_{t+1} is row t+2 (prev_row()); the layer output [T, B, D·H] is rows 1..T.

struct Params {
  T: u32,
  B: u32,
  H: u32,
  D: u32,
  s: u32,         // step index (the per-step entry points)
  init_off: u32,  // element offset of this layer's [D, B, H] block in init (h0)
  final_off: u32, // … and in fin (hN)
  has_init: u32,
  h_off: u32,     // element offset of row 0 of seq
  act_param: f32,
  _pad0: u32,
  _pad1: u32,
}

override ACT: u32 = 2u;
override HAS_BIAS: bool = true;
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> proj: array<f32>;        // [T, B, D·H] W_ih x_t + b_ih
@group(0) @binding(2) var<storage, read> whh: array<f32>;         // W_hh as the variant reads it (see its header)
@group(0) @binding(3) var<storage, read> bhh: array<f32>;         // [D·H] (dummy if !HAS_BIAS)
@group(0) @binding(4) var<storage, read> init: array<f32>;        // [L·D, B, H] (dummy if !has_init)
@group(0) @binding(5) var<storage, read_write> seq: array<f32>;   // [h_off + (T+2)·B·D·H]
@group(0) @binding(6) var<storage, read_write> gates: array<f32>; // [T, B, D·H] pre-activations a_t (an RNN's one gate)
@group(0) @binding(7) var<storage, read_write> fin: array<f32>;   // [L·D, B, H]

// h_{prev}[b, k] of direction d at step s (h0 at the first step); prev = the row from prev_row().
fn h_prev(s: u32, d: u32, b: u32, k: u32, prev: u32) -> f32 {
  if (s == 0u) { return init[p.init_off + (d * p.B + b) * p.H + k]; }
  return seq[p.h_off + prev * p.B * p.D * p.H + b * p.D * p.H + d * p.H + k];
}

// With lengths (MASKED): they follow the padded h sequence (see recurrent_steps.wgsl).
fn lengths_off() -> u32 { return p.h_off + (p.T + 2u) * p.B * p.D * p.H; }

// The epilogue of unit j of batch row b, direction d, at step s, given rec = (W_hh h_{t-1})[b, j].
fn rnn_cell_out(s: u32, d: u32, b: u32, j: u32, rec: f32) {
  let t = forward_time(s, d);
  let DH = p.D * p.H;
  let row_stride = p.B * DH;
  let col = d * p.H + j;
  let i = (t * p.B + b) * DH + col;
  var a = rec + proj[i];
  if (HAS_BIAS) { a += bhh[col]; }
  var h = act_forward(a, ACT, p.act_param);
  if (padded(t, b)) {
    // Past the row's length: the state is carried unchanged (the layer's output zeroes it).
    a = 0.0;
    h = 0.0;
    if (has_source(s)) { h = h_prev(s, d, b, j, prev_row(t, d)); }
  }
  gates[i] = a;
  seq[p.h_off + (t + 1u) * row_stride + b * DH + col] = h;
  if (s == 0u) {
    // Keep h0 in the padding row: the weight gradient reads h_prev of every step from seq.
    var h_init = 0.0;
    if (p.has_init != 0u) { h_init = init[p.init_off + (d * p.B + b) * p.H + j]; }
    seq[p.h_off + prev_row(t, d) * row_stride + b * DH + col] = h_init;
  }
  if (s == p.T - 1u) { fin[p.final_off + (d * p.B + b) * p.H + j] = h; }
}

fn step_count() -> u32 { return p.T; }

// The pass as the shared RNN bodies (rnn_{blocked,split,rows}.wgsl) see it: whether step s has a
// recurrent source (not before a zero initial state), the source src[b, k] = h_{t-1}[b, k] of direction
// d, and the epilogue given rec = (W_hh src)[b, j].
fn has_source(s: u32) -> bool { return s > 0u || p.has_init != 0u; }
fn source(s: u32, d: u32, b: u32, k: u32) -> f32 { return h_prev(s, d, b, k, prev_row(forward_time(s, d), d)); }
fn rec_out(s: u32, d: u32, b: u32, j: u32, rec: f32) { rnn_cell_out(s, d, b, j, rec); }
