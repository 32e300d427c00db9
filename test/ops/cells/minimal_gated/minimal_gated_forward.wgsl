// A test-only gated cell (2 gates, reset-after form), forward epilogue:
//   f = σ(p_f + W_hf h_{t-1} + b_hf),  n = tanh(p_n + f ⊙ (W_hn h_{t-1} + b_hn)),  h_t = (1 − f) ⊙ h_{t-1} + f ⊙ n
// with p = W_ih x_t + b_ih hoisted (`proj`). Prepended to the shared gated_forward_* bodies; buffer layout
// as src/ops/recurrent/cell.ts says (gates: f, n, then W_hn h_{t-1} + b_hn from hn_off).

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
  hn_off: u32,
  _pad0: u32,
  _pad1: u32,
}

override HAS_BIAS: bool = true;
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> proj: array<f32>;        // [T, B, D·2H]
@group(0) @binding(2) var<storage, read> whh: array<f32>;
@group(0) @binding(3) var<storage, read> bhh: array<f32>;         // [D·2H]
@group(0) @binding(4) var<storage, read> init: array<f32>;        // [L·D, B, H]
@group(0) @binding(5) var<storage, read_write> seq: array<f32>;
@group(0) @binding(6) var<storage, read_write> gates: array<f32>; // f, n, then W_hn h + b_hn
@group(0) @binding(7) var<storage, read_write> fin: array<f32>;   // [L·D, B, H]

fn h_prev(s: u32, d: u32, b: u32, k: u32, prev: u32) -> f32 {
  if (s == 0u) { return init[p.init_off + (d * p.B + b) * p.H + k]; }
  return seq[p.h_off + prev + b * p.D * p.H + d * p.H + k];
}

fn lengths_off() -> u32 { return p.h_off + (p.T + 2u) * p.B * p.D * p.H; }

const GATES = 2u;
alias Gates = vec2f;

fn cell_out(s: u32, d: u32, b: u32, j: u32, rec: Gates) {
  let H = p.H;
  let G = 2u * H;
  let t = forward_time(s, d);
  let row_stride = p.B * p.D * H;
  let prev = prev_row(t, d) * row_stride;
  let col = b * p.D * H + d * H + j;
  let gi = (t * p.B + b) * p.D * G + d * G;
  var a = rec;
  if (HAS_BIAS) { a += vec2f(bhh[d * G + j], bhh[d * G + H + j]); }
  var h_old = 0.0;
  if (s == 0u) {
    if (p.has_init != 0u) { h_old = init[p.init_off + (d * p.B + b) * H + j]; }
    seq[p.h_off + prev + col] = h_old;
  } else {
    h_old = seq[p.h_off + prev + col];
  }
  let fg = sigmoid_stable(proj[gi + j] + a.x);
  let ng = tanh_stable(proj[gi + H + j] + fg * a.y);
  var h = (1.0 - fg) * h_old + fg * ng;
  var gv = vec3f(fg, ng, a.y);
  if (padded(t, b)) {
    h = h_old;
    gv = vec3f(0.0);
  }
  gates[gi + j] = gv.x;
  gates[gi + H + j] = gv.y;
  gates[p.hn_off + (t * p.B + b) * p.D * H + d * H + j] = gv.z;
  seq[p.h_off + (t + 1u) * row_stride + col] = h;
  if (s == p.T - 1u) { fin[p.final_off + (d * p.B + b) * H + j] = h; }
}

fn step_count() -> u32 { return p.T; }
