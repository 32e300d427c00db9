// Elman RNN backward through time of one layer, both directions in the same dispatch. Step s
// (0 ≤ s < T) computes, for the forward direction at t = T-1-s and the backward direction at t = s,
//   δ_t = f'(a_t) ⊙ (dOut_t + W_hhᵀ δ_next),   δ_next = the δ of the step processed just before
// (dhN instead of W_hhᵀ δ_next at s = 0). Step s = T writes dh0 = W_hhᵀ δ at each direction's first step.
// The weight gradients dW_hh = Σ_t δ_t h_{t-1}ᵀ, dW_ih = Σ_t δ_t x_tᵀ and the bias sums are single
// matmuls / reductions over all steps afterwards, on the host's orders.
// This file holds what every variant shares — parameters, bindings and the epilogue — and is prepended
// to the variant: rnn_blocked.wgsl, rnn_split.wgsl or rnn_rows.wgsl.
// Also prepended on the host: activation_fns.wgsl, recurrent_steps.wgsl.

struct Params {
  T: u32,
  B: u32,
  H: u32,
  D: u32,
  s: u32,
  dfinal_off: u32,
  dinit_off: u32,
  has_dfinal: u32,
  h_off: u32,
  act_param: f32,
  _pad0: u32,
  _pad1: u32,
}

override ACT: u32 = 2u;
override WG: u32 = 64u;
override RECORD: bool = false; // keep dL/dh_t for gradient-flow diagnostics

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;         // [T, B, D·H] dL/d(layer output)
@group(0) @binding(2) var<storage, read> whh: array<f32>;          // W_hh as the variant reads it (see its header)
@group(0) @binding(3) var<storage, read> gates: array<f32>;        // [T, B, D·H] pre-activations a_t
@group(0) @binding(4) var<storage, read> seq: array<f32>;          // as in rnn_forward.wgsl
@group(0) @binding(5) var<storage, read> dfin: array<f32>;         // [L·D, B, H] (dummy if !has_dfinal)
@group(0) @binding(6) var<storage, read_write> delta: array<f32>;  // [T, B, D·H] δ_t
@group(0) @binding(7) var<storage, read_write> dinit: array<f32>;  // [L·D, B, H]
@group(0) @binding(8) var<storage, read_write> dh_rec: array<f32>; // [T, B, D·H] dL/dh_t (dummy if !RECORD)

// With lengths (MASKED): they follow the padded h sequence (see recurrent_steps.wgsl).
fn lengths_off() -> u32 { return p.h_off + (p.T + 2u) * p.B * p.D * p.H; }

// δ_src[b, k] of direction d: the δ of source_time_row(s, d, b).
fn delta_src(s: u32, d: u32, b: u32, k: u32) -> f32 {
  return delta[(source_time_row(s, d, b) * p.B + b) * p.D * p.H + d * p.H + k];
}

// The epilogue of unit j of batch row b, direction d, at step s, given rec = (W_hhᵀ δ_src)[b, j].
fn rnn_cell_grad(s: u32, d: u32, b: u32, j: u32, rec: f32) {
  let state = (d * p.B + b) * p.H + j;
  if (s == p.T) {
    dinit[p.dinit_off + state] = rec;
    return;
  }
  let DH = p.D * p.H;
  let t = backward_time(s, d);
  let col = d * p.H + j;
  let i = (t * p.B + b) * DH + col;
  if (padded(t, b)) {
    delta[i] = 0.0;
    if (RECORD) { dh_rec[i] = 0.0; }
    return;
  }
  var g = dout[i] + rec;
  if (row_last(s, t, d, b) && p.has_dfinal != 0u) { g += dfin[p.dfinal_off + state]; }
  if (RECORD) { dh_rec[i] = g; }
  let h = seq[p.h_off + (t + 1u) * p.B * DH + b * DH + col];
  delta[i] = g * act_derivative(gates[i], h, ACT, p.act_param);
}

fn step_count() -> u32 { return p.T + 1u; }

// The pass as the shared RNN bodies (rnn_{blocked,split,rows}.wgsl) see it: whether step s has a
// recurrent source (not at the first), the source src[b, k] = δ_src[b, k] of direction d, and the
// epilogue given rec = (W_hhᵀ src)[b, j].
fn has_source(s: u32) -> bool { return s > 0u; }
fn source(s: u32, d: u32, b: u32, k: u32) -> f32 { return delta_src(s, d, b, k); }
fn rec_out(s: u32, d: u32, b: u32, j: u32, rec: f32) { rnn_cell_grad(s, d, b, j, rec); }
