// Elman RNN forward time loop of one layer, both directions in the same dispatch:
//   a_t = (W_ih x_t + b_ih) + b_hh + W_hh h_{t-1},  h_t = f(a_t).
// The input projection (first bracket) for all T steps is ONE matmul before the loop (`proj`).
// One invocation per (direction d, batch b, unit j). The forward direction (d = 0) runs t = s, the
// backward direction (d = 1) runs t = T-1-s, so step s of both directions is one dispatch.
// Entry points: `step` does step p.s (one dispatch per step); `sequence` is the persistent kernel for
// small D·B·H: ONE workgroup loops over all steps with a storage barrier between them.
// Prepended on the host: activation_fns.wgsl.
//
// hpad holds h for every step with one extra row at each end: row r = time r-1, so the forward
// direction's h_{t-1} is row t and the backward direction's "previous" h_{t+1} is row t+2; rows 0
// (forward) and T+1 (backward) receive h0. The layer output [T, B, D·H] is rows 1..T.

struct Params {
  T: u32,
  B: u32,
  H: u32,
  D: u32,
  s: u32,        // step index (the `step` entry point)
  h0_off: u32,   // element offset of this layer's [D, B, H] block in h0
  hn_off: u32,   // … and in hn
  hpad_off: u32, // element offset of row 0 of hpad
  has_h0: u32,
  act_param: f32,
  _pad0: u32,
  _pad1: u32,
}

override ACT: u32 = 2u;
override HAS_BIAS: bool = true;
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> proj: array<f32>;        // [T, B, D·H] W_ih x_t + b_ih
@group(0) @binding(2) var<storage, read> whh: array<f32>;         // [D·H, H] both directions packed
@group(0) @binding(3) var<storage, read> bhh: array<f32>;         // [D·H] (dummy if !HAS_BIAS)
@group(0) @binding(4) var<storage, read> h0: array<f32>;          // [L·D, B, H] (dummy if !has_h0)
@group(0) @binding(5) var<storage, read_write> hpad: array<f32>;  // [hpad_off + (T+2)·B·D·H]
@group(0) @binding(6) var<storage, read_write> apre: array<f32>;  // [T, B, D·H] pre-activations
@group(0) @binding(7) var<storage, read_write> hn: array<f32>;    // [L·D, B, H]

fn forward_element(s: u32, idx: u32) {
  let j = idx % p.H;
  let b = (idx / p.H) % p.B;
  let d = idx / (p.H * p.B);
  let t = select(p.T - 1u - s, s, d == 0u);
  let DH = p.D * p.H;
  let col = d * p.H + j;
  let row_stride = p.B * DH;
  let prev_row = select(t + 2u, t, d == 0u);
  let i = (t * p.B + b) * DH + col;
  var a = proj[i];
  if (HAS_BIAS) { a += bhh[col]; }
  let w_row = (d * p.H + j) * p.H;
  if (s == 0u) {
    var h_init = 0.0;
    if (p.has_h0 != 0u) {
      let h0_base = p.h0_off + (d * p.B + b) * p.H;
      for (var k = 0u; k < p.H; k++) { a += whh[w_row + k] * h0[h0_base + k]; }
      h_init = h0[h0_base + j];
    }
    hpad[p.hpad_off + prev_row * row_stride + b * DH + col] = h_init;
  } else {
    let base = p.hpad_off + prev_row * row_stride + b * DH + d * p.H;
    for (var k = 0u; k < p.H; k++) { a += whh[w_row + k] * hpad[base + k]; }
  }
  let h = act_forward(a, ACT, p.act_param);
  apre[i] = a;
  hpad[p.hpad_off + (t + 1u) * row_stride + b * DH + col] = h;
  if (s == p.T - 1u) { hn[p.hn_off + (d * p.B + b) * p.H + j] = h; }
}

@compute @workgroup_size(WG)
fn step(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= p.D * p.B * p.H) { return; }
  forward_element(p.s, gid.x);
}

@compute @workgroup_size(WG)
fn sequence(@builtin(local_invocation_index) lid: u32) {
  let n = p.D * p.B * p.H;
  for (var s = 0u; s < p.T; s++) {
    for (var idx = lid; idx < n; idx += WG) { forward_element(s, idx); }
    storageBarrier(); // step s's h is visible to every invocation before step s+1 reads it
  }
}
