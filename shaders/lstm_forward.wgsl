// LSTM forward time loop of one layer, both directions in the same dispatch (PyTorch gate order i, f, g, o):
//   [a_i, a_f, a_g, a_o] = (W_ih x_t + b_ih) + b_hh + W_hh h_{t-1}
//   i, f, o = σ(a), g = tanh(a_g);  c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
// The input projection for all steps and all four gates is ONE matmul before the loop (`proj`).
// One invocation per (direction d, batch b, unit j) computes its four gates, c and h: the recurrent
// product, the activations and the cell update are fused. Step s runs t = s forward, t = T-1-s backward.
// Entry points: `step` (one dispatch per step) and `sequence` (persistent: one workgroup, all steps).
// Prepended on the host: activation_fns.wgsl.
//
// hc holds two padded sequences (layout as hpad in rnn_forward.wgsl: row r = time r-1, rows 0 and
// T+1 receive the initial state): h from element h_off, c from element c_off.
// init and final hold [h; c] blocks: h at *_off, c at *_off + c_stride.

struct Params {
  T: u32,
  B: u32,
  H: u32,
  D: u32,
  s: u32,
  init_off: u32,
  final_off: u32,
  c_stride: u32,
  has_init: u32,
  h_off: u32,
  c_off: u32,
  _pad: u32,
}

override HAS_BIAS: bool = true;
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> proj: array<f32>;        // [T, B, D·4H] W_ih x_t + b_ih
@group(0) @binding(2) var<storage, read> whh: array<f32>;         // [D·4H, H]
@group(0) @binding(3) var<storage, read> bhh: array<f32>;         // [D·4H] (dummy if !HAS_BIAS)
@group(0) @binding(4) var<storage, read> init: array<f32>;        // [h0; c0] (dummy if !has_init)
@group(0) @binding(5) var<storage, read_write> hc: array<f32>;    // padded h and c sequences
@group(0) @binding(6) var<storage, read_write> gates: array<f32>; // [T, B, D·4H] activated i, f, g, o
@group(0) @binding(7) var<storage, read_write> fin: array<f32>;   // [hN; cN]

fn forward_element(s: u32, idx: u32) {
  let j = idx % p.H;
  let b = (idx / p.H) % p.B;
  let d = idx / (p.H * p.B);
  let t = select(p.T - 1u - s, s, d == 0u);
  let H = p.H;
  let DH = p.D * H;
  let G = 4u * H;
  let row_stride = p.B * DH;
  let prev_row = select(t + 2u, t, d == 0u);
  let gi = (t * p.B + b) * p.D * G + d * G;
  var a = vec4f(proj[gi + j], proj[gi + H + j], proj[gi + 2u * H + j], proj[gi + 3u * H + j]);
  if (HAS_BIAS) {
    let bi = d * G + j;
    a += vec4f(bhh[bi], bhh[bi + H], bhh[bi + 2u * H], bhh[bi + 3u * H]);
  }
  // W_hh rows of unit j's four gates.
  let w0 = (d * G + j) * H;
  let w1 = w0 + H * H;
  let w2 = w1 + H * H;
  let w3 = w2 + H * H;
  let in_state = p.init_off + (d * p.B + b) * H;
  let prev = prev_row * row_stride + b * DH + d * H;
  var c_prev = 0.0;
  if (s == 0u) {
    var h_init = 0.0;
    if (p.has_init != 0u) {
      for (var k = 0u; k < H; k++) {
        let hk = init[in_state + k];
        a += vec4f(whh[w0 + k], whh[w1 + k], whh[w2 + k], whh[w3 + k]) * hk;
      }
      h_init = init[in_state + j];
      c_prev = init[in_state + p.c_stride + j];
    }
    hc[p.h_off + prev + j] = h_init;
    hc[p.c_off + prev + j] = c_prev;
  } else {
    for (var k = 0u; k < H; k++) {
      let hk = hc[p.h_off + prev + k];
      a += vec4f(whh[w0 + k], whh[w1 + k], whh[w2 + k], whh[w3 + k]) * hk;
    }
    c_prev = hc[p.c_off + prev + j];
  }
  let ig = sigmoid_stable(a.x);
  let fg = sigmoid_stable(a.y);
  let gg = tanh_stable(a.z);
  let og = sigmoid_stable(a.w);
  let c = fg * c_prev + ig * gg;
  let h = og * tanh_stable(c);
  gates[gi + j] = ig;
  gates[gi + H + j] = fg;
  gates[gi + 2u * H + j] = gg;
  gates[gi + 3u * H + j] = og;
  let cur = (t + 1u) * row_stride + b * DH + d * H + j;
  hc[p.h_off + cur] = h;
  hc[p.c_off + cur] = c;
  if (s == p.T - 1u) {
    let out_state = p.final_off + (d * p.B + b) * H + j;
    fin[out_state] = h;
    fin[out_state + p.c_stride] = c;
  }
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
    storageBarrier(); // step s's h and c are visible to every invocation before step s+1
  }
}
