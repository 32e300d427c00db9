// LSTM forward time loop of one layer, both directions in the same dispatch (PyTorch gate order i, f, g, o):
//   [a_i, a_f, a_g, a_o] = (W_ih x_t + b_ih) + b_hh + W_hh h_{t-1}
//   i, f, o = σ(a), g = tanh(a_g);  c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
// The input projection for all steps and all four gates is ONE matmul before the loop (`proj`).
// This file holds what every variant of the step kernel shares — parameters, bindings and the fused
// epilogue (gates and cell update) — and is prepended to the variant: gated_forward_blocked.wgsl,
// gated_forward_split.wgsl or gated_forward_rows.wgsl. Step s runs t = s forward, t = T-1-s backward.
// Also prepended on the host: activation_fns.wgsl, recurrent_steps.wgsl.
//
// Buffer layouts: src/ops/recurrent/cell.ts (CellLayout; the LSTM has a cell state): seq holds the padded
// h sequence from h_off and the c sequence from c_off; init and final hold h at *_off, c c_stride after it.

struct Params {
  T: u32,
  B: u32,
  H: u32,
  D: u32,
  s: u32,
  init_off: u32,
  final_off: u32,
  has_init: u32,
  h_off: u32,
  c_stride: u32,
  c_off: u32,
  _pad: u32,
}

override HAS_BIAS: bool = true;
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> proj: array<f32>;        // [T, B, D·4H] W_ih x_t + b_ih
@group(0) @binding(2) var<storage, read> whh: array<f32>;         // W_hh as the variant reads it (see its header)
@group(0) @binding(3) var<storage, read> bhh: array<f32>;         // [D·4H] (dummy if !HAS_BIAS)
@group(0) @binding(4) var<storage, read> init: array<f32>;        // [h0; c0] (dummy if !has_init)
@group(0) @binding(5) var<storage, read_write> seq: array<f32>;   // padded h and c sequences
@group(0) @binding(6) var<storage, read_write> gates: array<f32>; // [T, B, D·4H] activated i, f, g, o
@group(0) @binding(7) var<storage, read_write> fin: array<f32>;   // [hN; cN]

// h_{prev}[b, k] of direction d at step s (h0 at the first step); prev = element offset of the row
// from prev_row() (row · B·D·H).
fn h_prev(s: u32, d: u32, b: u32, k: u32, prev: u32) -> f32 {
  if (s == 0u) { return init[p.init_off + (d * p.B + b) * p.H + k]; }
  return seq[p.h_off + prev + b * p.D * p.H + d * p.H + k];
}

// With lengths (MASKED): they follow the padded c sequence (see recurrent_steps.wgsl).
fn lengths_off() -> u32 { return p.c_off + (p.T + 2u) * p.B * p.D * p.H; }

const GATES = 4u; // gate rows per unit, for the shared gated_forward_* bodies
alias Gates = vec4f; // the W_hh h_{t-1} rows of one unit, one per gate

// The fused epilogue of unit j of batch row b, direction d, at step s, given rec = the four gates'
// rows of W_hh h_{t-1} for (b, j) in order i, f, g, o.
fn cell_out(s: u32, d: u32, b: u32, j: u32, rec: Gates) {
  let H = p.H;
  let G = 4u * H;
  let t = forward_time(s, d);
  let row_stride = p.B * p.D * H;
  let prev = prev_row(t, d) * row_stride;
  let gi = (t * p.B + b) * p.D * G + d * G;
  var a = rec + vec4f(proj[gi + j], proj[gi + H + j], proj[gi + 2u * H + j], proj[gi + 3u * H + j]);
  if (HAS_BIAS) {
    let bi4 = d * G + j;
    a += vec4f(bhh[bi4], bhh[bi4 + H], bhh[bi4 + 2u * H], bhh[bi4 + 3u * H]);
  }
  let state = p.init_off + (d * p.B + b) * H + j;
  let col = b * p.D * H + d * H + j;
  var c_prev = 0.0;
  if (s == 0u) {
    // Keep (h0, c0) in the padding rows: the weight gradient and the backward pass read them there.
    var h_init = 0.0;
    if (p.has_init != 0u) {
      h_init = init[state];
      c_prev = init[state + p.c_stride];
    }
    seq[p.h_off + prev + col] = h_init;
    seq[p.c_off + prev + col] = c_prev;
  } else {
    c_prev = seq[p.c_off + prev + col];
  }
  let ig = sigmoid_stable(a.x);
  let fg = sigmoid_stable(a.y);
  let gg = tanh_stable(a.z);
  let og = sigmoid_stable(a.w);
  var cell = fg * c_prev + ig * gg;
  var h = og * tanh_stable(cell);
  var gv = vec4f(ig, fg, gg, og);
  if (padded(t, b)) {
    // Past the row's length: h and c are carried unchanged (the layer's output zeroes h).
    cell = c_prev;
    h = 0.0;
    if (s > 0u || p.has_init != 0u) { h = h_prev(s, d, b, j, prev); }
    gv = vec4f(0.0);
  }
  gates[gi + j] = gv.x;
  gates[gi + H + j] = gv.y;
  gates[gi + 2u * H + j] = gv.z;
  gates[gi + 3u * H + j] = gv.w;
  let cur = (t + 1u) * row_stride + col;
  seq[p.h_off + cur] = h;
  seq[p.c_off + cur] = cell;
  if (s == p.T - 1u) {
    let out_state = p.final_off + (d * p.B + b) * H + j;
    fin[out_state] = h;
    fin[out_state + p.c_stride] = cell;
  }
}

fn step_count() -> u32 { return p.T; }
