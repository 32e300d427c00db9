// Elman RNN forward time loop of one layer, both directions in the same dispatch:
//   a_t = (W_ih x_t + b_ih) + b_hh + W_hh h_{t-1},  h_t = f(a_t).
// The input projection (first bracket) for all T steps is ONE matmul before the loop (`proj`).
// Register-blocked like matmul_blocked.wgsl: one invocation computes a block of BB batch rows × 4
// consecutive units of one direction, streaming h_{t-1} and the transposed recurrent weights
// (wt[d][k][j] = W_hh[d][j][k], so a vec4 of 4 units is contiguous). The forward direction (d = 0)
// runs t = s, the backward direction (d = 1) runs t = T-1-s, so step s of both is one dispatch.
// Prepended on the host: activation_fns.wgsl, recurrent_grid.wgsl (the block grid and the entry points:
// `step`, one dispatch per step, and `sequence`, the persistent one-workgroup kernel).
//
// seq holds h for every step with one extra row at each end: row r = time r-1, so the forward
// direction's h_{t-1} is row t and the backward direction's "previous" h_{t+1} is row t+2; rows 0
// (forward) and T+1 (backward) receive h0. The layer output [T, B, D·H] is rows 1..T.

struct Params {
  T: u32,
  B: u32,
  H: u32,
  D: u32,
  s: u32,         // step index (the `step` entry point)
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
override BB: u32 = 4u; // batch rows per invocation: 1, 2 or 4

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> proj: array<f32>;        // [T, B, D·H] W_ih x_t + b_ih
@group(0) @binding(2) var<storage, read> wt: array<f32>;          // [D, H (k), H (j)] W_hh transposed
@group(0) @binding(3) var<storage, read> bhh: array<f32>;         // [D·H] (dummy if !HAS_BIAS)
@group(0) @binding(4) var<storage, read> init: array<f32>;        // [L·D, B, H] (dummy if !has_init)
@group(0) @binding(5) var<storage, read_write> seq: array<f32>;   // [h_off + (T+2)·B·D·H]
@group(0) @binding(6) var<storage, read_write> gates: array<f32>; // [T, B, D·H] pre-activations a_t (an RNN's one gate)
@group(0) @binding(7) var<storage, read_write> fin: array<f32>;   // [L·D, B, H]

// h_{prev}[b, k] of direction d at step s (h0 at the first step).
fn h_prev(s: u32, d: u32, b: u32, k: u32, prev_row: u32) -> f32 {
  if (s == 0u) { return init[p.init_off + (d * p.B + b) * p.H + k]; }
  return seq[p.h_off + prev_row * p.B * p.D * p.H + b * p.D * p.H + d * p.H + k];
}

fn cell_block(s: u32, block: u32) {
  let origin = block_origin(block);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  let t = select(p.T - 1u - s, s, d == 0u);
  let prev_row = select(t + 2u, t, d == 0u);
  // Edge blocks read clamped (valid) rows and units; their extra results are never stored.
  let j = block_units(j0);
  let b = min(vec4u(b0, b0 + 1u, b0 + 2u, b0 + 3u), vec4u(p.B - 1u));
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  if (s > 0u || p.has_init != 0u) {
    for (var k = 0u; k < p.H; k++) {
      let row = (d * p.H + k) * p.H;
      let w = vec4f(wt[row + j.x], wt[row + j.y], wt[row + j.z], wt[row + j.w]);
      acc0 += h_prev(s, d, b.x, k, prev_row) * w;
      if (BB > 1u) { acc1 += h_prev(s, d, b.y, k, prev_row) * w; }
      if (BB > 2u) {
        acc2 += h_prev(s, d, b.z, k, prev_row) * w;
        acc3 += h_prev(s, d, b.w, k, prev_row) * w;
      }
    }
  }
  let rows = array<vec4f, 4>(acc0, acc1, acc2, acc3);
  let DH = p.D * p.H;
  let row_stride = p.B * DH;
  for (var r = 0u; r < BB; r++) {
    let bi = b0 + r;
    if (bi >= p.B) { break; }
    for (var c = 0u; c < 4u; c++) {
      let ji = j0 + c;
      if (ji >= p.H) { break; }
      let col = d * p.H + ji;
      let i = (t * p.B + bi) * DH + col;
      var a = rows[r][c] + proj[i];
      if (HAS_BIAS) { a += bhh[col]; }
      let h = act_forward(a, ACT, p.act_param);
      gates[i] = a;
      seq[p.h_off + (t + 1u) * row_stride + bi * DH + col] = h;
      if (s == 0u) {
        // Keep h0 in the padding row: the weight gradient reads h_prev of every step from seq.
        var h_init = 0.0;
        if (p.has_init != 0u) { h_init = init[p.init_off + (d * p.B + bi) * p.H + ji]; }
        seq[p.h_off + prev_row * row_stride + bi * DH + col] = h_init;
      }
      if (s == p.T - 1u) { fin[p.final_off + (d * p.B + bi) * p.H + ji] = h; }
    }
  }
}

fn step_count() -> u32 { return p.T; }
