// GRU forward time loop of one layer, both directions in the same dispatch (PyTorch gate order r, z, n):
//   r = σ(p_r + W_hr h_{t-1} + b_hr),  z = σ(p_z + W_hz h_{t-1} + b_hz)
//   n = tanh(p_n + r ⊙ (W_hn h_{t-1} + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
// with p = W_ih x_t + b_ih for all steps and all three gates hoisted into ONE matmul before the loop
// (`proj`). b_hn sits inside r ⊙ (…): it stays in this kernel, apart from b_ih.
// This file holds what every variant of the step kernel shares — parameters, bindings and the fused
// epilogue — and is prepended to the variant: gated_forward_blocked.wgsl, gated_forward_split.wgsl or
// gated_forward_rows.wgsl. Step s runs t = s forward, t = T-1-s backward.
// Also prepended on the host: activation_fns.wgsl, recurrent_steps.wgsl.
//
// Buffer layouts: src/ops/recurrent/cell.ts (CellLayout; the GRU keeps one extra block): gates holds the
// activated r, z, n, then from hn_off W_hn h_{t-1} + b_hn (the backward pass needs it for dr).

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
@group(0) @binding(1) var<storage, read> proj: array<f32>;        // [T, B, D·3H] W_ih x_t + b_ih
@group(0) @binding(2) var<storage, read> whh: array<f32>;         // W_hh as the variant reads it (see its header)
@group(0) @binding(3) var<storage, read> bhh: array<f32>;         // [D·3H] (dummy if !HAS_BIAS)
@group(0) @binding(4) var<storage, read> init: array<f32>;        // [L·D, B, H] (dummy if !has_init)
@group(0) @binding(5) var<storage, read_write> seq: array<f32>;   // [h_off + (T+2)·B·D·H]
@group(0) @binding(6) var<storage, read_write> gates: array<f32>; // r, z, n then W_hn h + b_hn (see above)
@group(0) @binding(7) var<storage, read_write> fin: array<f32>;   // [L·D, B, H]

// h_{prev}[b, k] of direction d at step s (h0 at the first step); prev = element offset of the row
// from prev_row() (row · B·D·H).
fn h_prev(s: u32, d: u32, b: u32, k: u32, prev: u32) -> f32 {
  if (s == 0u) { return init[p.init_off + (d * p.B + b) * p.H + k]; }
  return seq[p.h_off + prev + b * p.D * p.H + d * p.H + k];
}

// With lengths (MASKED): they follow the padded h sequence (see recurrent_steps.wgsl).
fn lengths_off() -> u32 { return p.h_off + (p.T + 2u) * p.B * p.D * p.H; }

const GATES = 3u; // gate rows per unit, for the shared gated_forward_* bodies
alias Gates = vec3f; // the W_hh h_{t-1} rows of one unit, one per gate

// The fused epilogue of unit j of batch row b, direction d, at step s, given rec = the three gates'
// rows of W_hh h_{t-1} for (b, j) in order r, z, n.
fn cell_out(s: u32, d: u32, b: u32, j: u32, rec: Gates) {
  let H = p.H;
  let G = 3u * H;
  let t = forward_time(s, d);
  let row_stride = p.B * p.D * H;
  let prev = prev_row(t, d) * row_stride;
  let col = b * p.D * H + d * H + j;
  let gi = (t * p.B + b) * p.D * G + d * G;
  var a = rec;
  if (HAS_BIAS) {
    let bi = d * G + j;
    a += vec3f(bhh[bi], bhh[bi + H], bhh[bi + 2u * H]);
  }
  var h_old = 0.0;
  if (s == 0u) {
    // Keep h0 in the padding row: the weight gradient and the backward pass read h_{t-1} there.
    if (p.has_init != 0u) { h_old = init[p.init_off + (d * p.B + b) * H + j]; }
    seq[p.h_off + prev + col] = h_old;
  } else {
    h_old = seq[p.h_off + prev + col];
  }
  let rg = sigmoid_stable(proj[gi + j] + a.x);
  let zg = sigmoid_stable(proj[gi + H + j] + a.y);
  let ng = tanh_stable(proj[gi + 2u * H + j] + rg * a.z);
  var h = (1.0 - zg) * ng + zg * h_old;
  var gv = vec4f(rg, zg, ng, a.z);
  if (padded(t, b)) {
    // Past the row's length: the state is carried unchanged (the layer's output zeroes it).
    h = h_old;
    gv = vec4f(0.0);
  }
  gates[gi + j] = gv.x;
  gates[gi + H + j] = gv.y;
  gates[gi + 2u * H + j] = gv.z;
  gates[p.hn_off + (t * p.B + b) * p.D * H + d * H + j] = gv.w;
  seq[p.h_off + (t + 1u) * row_stride + col] = h;
  if (s == p.T - 1u) { fin[p.final_off + (d * p.B + b) * H + j] = h; }
}

fn step_count() -> u32 { return p.T; }
