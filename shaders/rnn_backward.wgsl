// Elman RNN backward through time of one layer, both directions in the same dispatch. Step s
// (0 ≤ s < T) computes, for the forward direction at t = T-1-s and the backward direction at t = s,
//   δ_t = f'(a_t) ⊙ (dOut_t + W_hhᵀ δ_next),   δ_next = the δ of the step processed just before
// (dhN instead of W_hhᵀ δ_next at s = 0). Step s = T writes dh0 = W_hhᵀ δ at each direction's first step.
// The weight gradients dW_hh = Σ_t δ_t h_{t-1}ᵀ, dW_ih = Σ_t δ_t x_tᵀ and the bias sums are single
// matmuls / reductions over all steps afterwards, on the host's orders.
// Entry points: `step` (one dispatch per step) and `sequence` (persistent, one workgroup).
// Prepended on the host: activation_fns.wgsl.

struct Params {
  T: u32,
  B: u32,
  H: u32,
  D: u32,
  s: u32,
  dhn_off: u32,
  dh0_off: u32,
  hpad_off: u32,
  has_dhn: u32,
  act_param: f32,
  _pad0: u32,
  _pad1: u32,
}

override ACT: u32 = 2u;
override WG: u32 = 64u;
override RECORD: bool = false; // keep dL/dh_t for gradient-flow diagnostics

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;         // [T, B, D·H] dL/d(layer output)
@group(0) @binding(2) var<storage, read> whh: array<f32>;          // [D·H, H]
@group(0) @binding(3) var<storage, read> apre: array<f32>;         // [T, B, D·H]
@group(0) @binding(4) var<storage, read> hpad: array<f32>;         // as in rnn_forward.wgsl
@group(0) @binding(5) var<storage, read> dhn: array<f32>;          // [L·D, B, H] (dummy if !has_dhn)
@group(0) @binding(6) var<storage, read_write> delta: array<f32>;  // [T, B, D·H] δ_t
@group(0) @binding(7) var<storage, read_write> dh0: array<f32>;    // [L·D, B, H]
@group(0) @binding(8) var<storage, read_write> dh_rec: array<f32>; // [T, B, D·H] dL/dh_t (dummy if !RECORD)

// Σ_k W_hh[d][k, j] · δ[t][b, d·H + k]: the transposed recurrent product.
fn whh_t_delta(d: u32, b: u32, j: u32, t: u32) -> f32 {
  let DH = p.D * p.H;
  let base = (t * p.B + b) * DH + d * p.H;
  var g = 0.0;
  for (var k = 0u; k < p.H; k++) { g += whh[(d * p.H + k) * p.H + j] * delta[base + k]; }
  return g;
}

fn backward_element(s: u32, idx: u32) {
  let j = idx % p.H;
  let b = (idx / p.H) % p.B;
  let d = idx / (p.H * p.B);
  if (s == p.T) {
    let t_first = select(p.T - 1u, 0u, d == 0u);
    dh0[p.dh0_off + (d * p.B + b) * p.H + j] = whh_t_delta(d, b, j, t_first);
    return;
  }
  let t = select(s, p.T - 1u - s, d == 0u);
  let DH = p.D * p.H;
  let col = d * p.H + j;
  let i = (t * p.B + b) * DH + col;
  var g = dout[i];
  if (s == 0u) {
    if (p.has_dhn != 0u) { g += dhn[p.dhn_off + (d * p.B + b) * p.H + j]; }
  } else {
    g += whh_t_delta(d, b, j, select(t - 1u, t + 1u, d == 0u));
  }
  if (RECORD) { dh_rec[i] = g; }
  let h = hpad[p.hpad_off + (t + 1u) * p.B * DH + b * DH + col];
  delta[i] = g * act_derivative(apre[i], h, ACT, p.act_param);
}

@compute @workgroup_size(WG)
fn step(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= p.D * p.B * p.H) { return; }
  backward_element(p.s, gid.x);
}

@compute @workgroup_size(WG)
fn sequence(@builtin(local_invocation_index) lid: u32) {
  let n = p.D * p.B * p.H;
  for (var s = 0u; s <= p.T; s++) {
    for (var idx = lid; idx < n; idx += WG) { backward_element(s, idx); }
    storageBarrier(); // step s's δ is visible before step s+1 reads it
  }
}
