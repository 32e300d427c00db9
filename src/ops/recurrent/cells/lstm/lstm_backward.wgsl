// LSTM backward through time of one layer, both directions in the same dispatch. Step s (0 ≤ s < T)
// handles t = T-1-s forward and t = s backward; the fused gate gradients of unit j, batch row b:
//   dh = dOut_t + W_hhᵀ δ_next (dhN at s = 0);  dc = dc_next·f_next + dh ⊙ o ⊙ (1 - tanh² c_t)
//   δ = [dc·g·i(1-i), dc·c_{t-1}·f(1-f), dc·i·(1-g²), dh·tanh(c_t)·o(1-o)]
// The carried dc·f lives in `delta` from carry_off (src/ops/recurrent/cell.ts, CellLayout). Step s = T writes dh0 = W_hhᵀ δ at each direction's first step; dc0 is written at s = T-1.
// Weight gradients are single matmuls over all steps afterwards.
// This file holds what every variant shares — parameters, bindings and the epilogue — and is prepended
// to the variant, one body shared with the GRU: gated_backward_blocked.wgsl, gated_backward_split.wgsl or
// gated_backward_rows.wgsl.
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
  c_stride: u32,
  c_off: u32,
  carry_off: u32, // element offset of the dc carry [D, B, H] in delta
}

override WG: u32 = 64u;
override RECORD: bool = false; // keep dL/dh_t for gradient-flow diagnostics

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;         // [T, B, D·H]
@group(0) @binding(2) var<storage, read> whh: array<f32>;          // W_hh as the variant reads it (see its header)
@group(0) @binding(3) var<storage, read> gates: array<f32>;        // [T, B, D·4H]
@group(0) @binding(4) var<storage, read> seq: array<f32>;          // as in lstm_forward.wgsl
@group(0) @binding(5) var<storage, read> dfin: array<f32>;         // [dhN; dcN] (dummy if !has_dfinal)
@group(0) @binding(6) var<storage, read_write> delta: array<f32>;  // [T, B, D·4H] then the dc carry
@group(0) @binding(7) var<storage, read_write> dinit: array<f32>;  // [dh0; dc0]
@group(0) @binding(8) var<storage, read_write> dh_rec: array<f32>; // [T, B, D·H] dL/dh_t (dummy if !RECORD)

const GATES = 4u; // gate rows per unit, for the shared gated_backward_* bodies

// With lengths (MASKED): they follow the padded c sequence (see recurrent_steps.wgsl).
fn lengths_off() -> u32 { return p.c_off + (p.T + 2u) * p.B * p.D * p.H; }

// Element offset of batch row b's δ_src of direction d: the δ of source_time_row(s, d, b).
fn delta_row(s: u32, d: u32, b: u32) -> u32 {
  return (source_time_row(s, d, b) * p.B + b) * p.D * GATES * p.H + d * GATES * p.H;
}

// δ_src[b, r] of direction d (r over the four gates' rows).
fn delta_src(s: u32, d: u32, b: u32, r: u32) -> f32 { return delta[delta_row(s, d, b) + r]; }

// The fused epilogue of unit j of batch row b, direction d, at step s, given rec = (W_hhᵀ δ_src)[b, j].
fn cell_grad(s: u32, d: u32, b: u32, j: u32, rec: f32) {
  let H = p.H;
  let G = 4u * H;
  let DH = p.D * H;
  let state = (d * p.B + b) * H + j;
  if (s == p.T) {
    dinit[p.dinit_off + state] = rec;
    return;
  }
  let t = backward_time(s, d);
  var dh = dout[(t * p.B + b) * DH + d * H + j] + rec;
  var dc_in = 0.0;
  if (s == 0u) {
    if (p.has_dfinal != 0u) { dc_in = dfin[p.dfinal_off + p.c_stride + state]; }
  } else {
    dc_in = delta[p.carry_off + state];
  }
  if (row_last(s, t, d, b) && p.has_dfinal != 0u) { dh += dfin[p.dfinal_off + state]; }
  let gi = (t * p.B + b) * p.D * G + d * G;
  if (padded(t, b)) {
    // Past the row's length c_t = c_{t-1}: dc passes through unchanged; δ = 0.
    for (var gate = 0u; gate < 4u; gate++) { delta[gi + gate * H + j] = 0.0; }
    delta[p.carry_off + state] = dc_in;
    if (s == p.T - 1u) { dinit[p.dinit_off + p.c_stride + state] = dc_in; }
    if (RECORD) { dh_rec[(t * p.B + b) * DH + d * H + j] = 0.0; }
    return;
  }
  if (RECORD) { dh_rec[(t * p.B + b) * DH + d * H + j] = dh; }
  let ig = gates[gi + j];
  let fg = gates[gi + H + j];
  let gg = gates[gi + 2u * H + j];
  let og = gates[gi + 3u * H + j];
  let row_stride = p.B * DH;
  let col = b * DH + d * H + j;
  let cell = seq[p.c_off + (t + 1u) * row_stride + col];
  let c_prev = seq[p.c_off + prev_row(t, d) * row_stride + col];
  let tc = tanh_stable(cell);
  let dc = dc_in + dh * og * (1.0 - tc * tc);
  delta[gi + j] = dc * gg * ig * (1.0 - ig);
  delta[gi + H + j] = dc * c_prev * fg * (1.0 - fg);
  delta[gi + 2u * H + j] = dc * ig * (1.0 - gg * gg);
  delta[gi + 3u * H + j] = dh * tc * og * (1.0 - og);
  delta[p.carry_off + state] = dc * fg;
  if (s == p.T - 1u) { dinit[p.dinit_off + p.c_stride + state] = dc * fg; }
}

fn step_count() -> u32 { return p.T + 1u; }
