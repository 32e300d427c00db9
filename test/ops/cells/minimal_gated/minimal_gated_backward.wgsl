// The test-only gated cell's backward epilogue (forward in minimal_gated_forward.wgsl). With dh = dOut_t +
// W_hhᵀ δ_hh,next + (1 − f_next) ⊙ dh_next (dhN in place of the last two at s = 0):
//   da_n = dh f (1 − n²),  da_f = (dh (n − h_{t-1}) + da_n hn) f (1 − f)
// δ_in = [da_f, da_n], δ_hh = [da_f, f·da_n]; carried (1 − f) ⊙ dh. Prepended to the gated_backward_* bodies.

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
  hn_off: u32,
  in_off: u32,
  carry_off: u32,
}

override WG: u32 = 64u;
override RECORD: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;         // [T, B, D·H]
@group(0) @binding(2) var<storage, read> whh: array<f32>;
@group(0) @binding(3) var<storage, read> gates: array<f32>;
@group(0) @binding(4) var<storage, read> seq: array<f32>;
@group(0) @binding(5) var<storage, read> dfin: array<f32>;         // [L·D, B, H]
@group(0) @binding(6) var<storage, read_write> delta: array<f32>;  // δ_hh, δ_in, carry
@group(0) @binding(7) var<storage, read_write> dinit: array<f32>;  // [L·D, B, H]
@group(0) @binding(8) var<storage, read_write> dh_rec: array<f32>; // [T, B, D·H]

const GATES = 2u;

fn lengths_off() -> u32 { return p.h_off + (p.T + 2u) * p.B * p.D * p.H; }

fn delta_row(s: u32, d: u32, b: u32) -> u32 {
  return (source_time(s, d) * p.B + b) * p.D * GATES * p.H + d * GATES * p.H;
}

fn delta_src(s: u32, d: u32, b: u32, r: u32) -> f32 { return delta[delta_row(s, d, b) + r]; }

fn cell_grad(s: u32, d: u32, b: u32, j: u32, rec: f32) {
  let H = p.H;
  let G = 2u * H;
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
    for (var gate = 0u; gate < 2u; gate++) {
      delta[gi + gate * H + j] = 0.0;
      delta[p.in_off + gi + gate * H + j] = 0.0;
    }
    delta[p.carry_off + state] = dh;
    if (RECORD) { dh_rec[(t * p.B + b) * DH + d * H + j] = 0.0; }
    return;
  }
  if (RECORD) { dh_rec[(t * p.B + b) * DH + d * H + j] = dh; }
  let fg = gates[gi + j];
  let ng = gates[gi + H + j];
  let hn = gates[p.hn_off + (t * p.B + b) * DH + d * H + j];
  let h_old = seq[p.h_off + prev_row(t, d) * p.B * DH + b * DH + d * H + j];
  let dan = dh * fg * (1.0 - ng * ng);
  let daf = (dh * (ng - h_old) + dan * hn) * fg * (1.0 - fg);
  delta[gi + j] = daf;
  delta[gi + H + j] = dan * fg;
  delta[p.in_off + gi + j] = daf;
  delta[p.in_off + gi + H + j] = dan;
  delta[p.carry_off + state] = dh * (1.0 - fg);
}

fn step_count() -> u32 { return p.T + 1u; }
