// GRU backward through time of one layer, both directions in the same dispatch. Step s (0 ≤ s < T)
// handles t = T-1-s forward and t = s backward; the fused gate gradients of unit j, batch row b:
//   dh = dOut_t + W_hhᵀ δ_hh,next + z_next ⊙ dh_next   (dhN in place of the last two at s = 0)
//   da_n = dh (1 − z)(1 − n²),  da_z = dh (h_{t-1} − n) z(1 − z),  da_r = da_n hn r(1 − r)
// with hn = W_hn h_{t-1} + b_hn from the forward pass. b_hn sits inside r ⊙ (…), so the input side and
// the hidden side see different n rows: δ_in = [da_r, da_z, da_n] (dW_ih, db_ih, dx) and
// δ_hh = [da_r, da_z, r·da_n] (dW_hh, db_hh, the recurrence). `delta` holds δ_hh, δ_in from in_off and
// the carried z ⊙ dh from carry_off (src/ops/recurrent/cell.ts, CellLayout). Step s = T writes dh0 = W_hhᵀ δ_hh + z ⊙ dh at each direction's first step.
// Weight gradients are single matmuls over all steps afterwards.
// This file holds what every variant shares — parameters, bindings and the epilogue — and is prepended
// to the variant, one body shared with the LSTM: gated_backward_blocked.wgsl, gated_backward_split.wgsl or
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
  hn_off: u32,    // element offset of W_hn h_{t-1} + b_hn [T, B, D·H] in gates
  in_off: u32,    // element offset of δ_in in delta
  carry_off: u32, // element offset of the z ⊙ dh carry [D, B, H] in delta
}

override WG: u32 = 64u;
override RECORD: bool = false; // keep dL/dh_t for gradient-flow diagnostics

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;         // [T, B, D·H]
@group(0) @binding(2) var<storage, read> whh: array<f32>;          // W_hh as the variant reads it (see its header)
@group(0) @binding(3) var<storage, read> gates: array<f32>;        // as in gru_forward.wgsl
@group(0) @binding(4) var<storage, read> seq: array<f32>;          // as in gru_forward.wgsl
@group(0) @binding(5) var<storage, read> dfin: array<f32>;         // [L·D, B, H] dhN (dummy if !has_dfinal)
@group(0) @binding(6) var<storage, read_write> delta: array<f32>;  // δ_hh, δ_in, carry (see above)
@group(0) @binding(7) var<storage, read_write> dinit: array<f32>;  // [L·D, B, H] dh0
@group(0) @binding(8) var<storage, read_write> dh_rec: array<f32>; // [T, B, D·H] dL/dh_t (dummy if !RECORD)

const GATES = 3u; // gate rows per unit, for the shared gated_backward_* bodies

// With lengths (MASKED): they follow the padded h sequence (see recurrent_steps.wgsl).
fn lengths_off() -> u32 { return p.h_off + (p.T + 2u) * p.B * p.D * p.H; }

// Element offset of batch row b's δ_hh,src of direction d: the δ_hh of source_time(s, d) (with lengths
// too: the z ⊙ dh carry takes dh through the steps past a row's length, so no row needs another step).
fn delta_row(s: u32, d: u32, b: u32) -> u32 {
  return (source_time(s, d) * p.B + b) * p.D * GATES * p.H + d * GATES * p.H;
}

// δ_hh,src[b, r] of direction d (r over the three gates' rows).
fn delta_src(s: u32, d: u32, b: u32, r: u32) -> f32 { return delta[delta_row(s, d, b) + r]; }

// The fused epilogue of unit j of batch row b, direction d, at step s, given rec = (W_hhᵀ δ_hh,src)[b, j].
fn cell_grad(s: u32, d: u32, b: u32, j: u32, rec: f32) {
  let H = p.H;
  let G = 3u * H;
  let DH = p.D * H;
  let state = (d * p.B + b) * H + j;
  if (s == p.T) {
    dinit[p.dinit_off + state] = rec + delta[p.carry_off + state];
    return;
  }
  let t = backward_time(s, d);
  let skip = padded(t, b);
  var dh = rec;
  if (!skip) { dh += dout[(t * p.B + b) * DH + d * H + j]; }
  if (s == 0u) {
    if (p.has_dfinal != 0u) { dh += dfin[p.dfinal_off + state]; }
  } else {
    dh += delta[p.carry_off + state];
  }
  let gi = (t * p.B + b) * p.D * G + d * G;
  if (skip) {
    // Past the row's length h_t = h_{t-1}: dh passes through the carry unchanged (as if z = 1); δ = 0.
    for (var gate = 0u; gate < 3u; gate++) {
      delta[gi + gate * H + j] = 0.0;
      delta[p.in_off + gi + gate * H + j] = 0.0;
    }
    delta[p.carry_off + state] = dh;
    if (RECORD) { dh_rec[(t * p.B + b) * DH + d * H + j] = 0.0; }
    return;
  }
  if (RECORD) { dh_rec[(t * p.B + b) * DH + d * H + j] = dh; }
  let rg = gates[gi + j];
  let zg = gates[gi + H + j];
  let ng = gates[gi + 2u * H + j];
  let hn = gates[p.hn_off + (t * p.B + b) * DH + d * H + j];
  let h_old = seq[p.h_off + prev_row(t, d) * p.B * DH + b * DH + d * H + j];
  let dan = dh * (1.0 - zg) * (1.0 - ng * ng);
  let daz = dh * (h_old - ng) * zg * (1.0 - zg);
  let dar = dan * hn * rg * (1.0 - rg);
  delta[gi + j] = dar;
  delta[gi + H + j] = daz;
  delta[gi + 2u * H + j] = dan * rg;
  delta[p.in_off + gi + j] = dar;
  delta[p.in_off + gi + H + j] = daz;
  delta[p.in_off + gi + 2u * H + j] = dan;
  delta[p.carry_off + state] = dh * zg;
}

fn step_count() -> u32 { return p.T + 1u; }
