// Elman RNN backward through time of one layer, both directions in the same dispatch. Step s
// (0 ≤ s < T) computes, for the forward direction at t = T-1-s and the backward direction at t = s,
//   δ_t = f'(a_t) ⊙ (dOut_t + W_hhᵀ δ_next),   δ_next = the δ of the step processed just before
// (dhN instead of W_hhᵀ δ_next at s = 0). Step s = T writes dh0 = W_hhᵀ δ at each direction's first step.
// Register-blocked: one invocation handles BB batch rows × 4 consecutive units; W_hh[d][k][j..j+3]
// is contiguous, so the transposed product streams vec4s of W_hh as stored.
// The weight gradients dW_hh = Σ_t δ_t h_{t-1}ᵀ, dW_ih = Σ_t δ_t x_tᵀ and the bias sums are single
// matmuls / reductions over all steps afterwards, on the host's orders.
// Prepended on the host: activation_fns.wgsl, recurrent_grid.wgsl (the block grid and the entry points:
// `step`, one dispatch per step, and `sequence`, the persistent one-workgroup kernel).

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
override BB: u32 = 4u;         // batch rows per invocation: 1, 2 or 4

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;         // [T, B, D·H] dL/d(layer output)
@group(0) @binding(2) var<storage, read> whh: array<f32>;          // [D·H, H]
@group(0) @binding(3) var<storage, read> gates: array<f32>;        // [T, B, D·H]
@group(0) @binding(4) var<storage, read> seq: array<f32>;          // as in rnn_forward.wgsl
@group(0) @binding(5) var<storage, read> dfin: array<f32>;         // [L·D, B, H] (dummy if !has_dfinal)
@group(0) @binding(6) var<storage, read_write> delta: array<f32>;  // [T, B, D·H] δ_t
@group(0) @binding(7) var<storage, read_write> dinit: array<f32>;  // [L·D, B, H]
@group(0) @binding(8) var<storage, read_write> dh_rec: array<f32>; // [T, B, D·H] dL/dh_t (dummy if !RECORD)

fn cell_block(s: u32, block: u32) {
  let origin = block_origin(block);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  let DH = p.D * p.H;
  // The step whose δ feeds this one: the previous one in reverse time, or (s = T) the direction's first.
  let t = select(s, p.T - 1u - s, d == 0u);
  var t_src = select(t - 1u, t + 1u, d == 0u);
  if (s == p.T) { t_src = select(p.T - 1u, 0u, d == 0u); }
  let j = block_units(j0);
  let b = min(vec4u(b0, b0 + 1u, b0 + 2u, b0 + 3u), vec4u(p.B - 1u));
  // Σ_k δ_src[b, k] · W_hh[d][k, j..j+3]: the transposed recurrent product.
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  if (s > 0u) {
    let base = t_src * p.B * DH + d * p.H;
    for (var k = 0u; k < p.H; k++) {
      let row = (d * p.H + k) * p.H;
      let w = vec4f(whh[row + j.x], whh[row + j.y], whh[row + j.z], whh[row + j.w]);
      acc0 += delta[base + b.x * DH + k] * w;
      if (BB > 1u) { acc1 += delta[base + b.y * DH + k] * w; }
      if (BB > 2u) {
        acc2 += delta[base + b.z * DH + k] * w;
        acc3 += delta[base + b.w * DH + k] * w;
      }
    }
  }
  let rows = array<vec4f, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < BB; r++) {
    let bi = b0 + r;
    if (bi >= p.B) { break; }
    for (var c = 0u; c < 4u; c++) {
      let ji = j0 + c;
      if (ji >= p.H) { break; }
      let state = (d * p.B + bi) * p.H + ji;
      if (s == p.T) {
        dinit[p.dinit_off + state] = rows[r][c];
        continue;
      }
      let col = d * p.H + ji;
      let i = (t * p.B + bi) * DH + col;
      var g = dout[i] + rows[r][c];
      if (s == 0u && p.has_dfinal != 0u) { g += dfin[p.dfinal_off + state]; }
      if (RECORD) { dh_rec[i] = g; }
      let h = seq[p.h_off + (t + 1u) * p.B * DH + bi * DH + col];
      delta[i] = g * act_derivative(gates[i], h, ACT, p.act_param);
    }
  }
}

fn step_count() -> u32 { return p.T + 1u; }
