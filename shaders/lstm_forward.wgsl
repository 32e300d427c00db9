// LSTM forward time loop of one layer, both directions in the same dispatch (PyTorch gate order i, f, g, o):
//   [a_i, a_f, a_g, a_o] = (W_ih x_t + b_ih) + b_hh + W_hh h_{t-1}
//   i, f, o = σ(a), g = tanh(a_g);  c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
// The input projection for all steps and all four gates is ONE matmul before the loop (`proj`).
// Register-blocked and fused: one invocation computes the four gates, c and h of BB batch rows × 4
// consecutive units, streaming h_{t-1} and W_hh transposed (wt[d][k][r] = W_hh[d][r][k]: the 4 units of
// each gate are contiguous). Step s runs t = s forward, t = T-1-s backward.
// Prepended on the host: activation_fns.wgsl, recurrent_grid.wgsl (the block grid and the entry points:
// `step`, one dispatch per step, and `sequence`, the persistent one-workgroup kernel).
//
// seq holds two padded sequences (layout as seq in rnn_forward.wgsl: row r = time r-1, rows 0 and
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
  has_init: u32,
  h_off: u32,
  c_stride: u32,
  c_off: u32,
  _pad: u32,
}

override HAS_BIAS: bool = true;
override WG: u32 = 64u;
override BB: u32 = 2u; // batch rows per invocation: 1 or 2 (four gates × 4 units × BB rows of accumulators)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> proj: array<f32>;        // [T, B, D·4H] W_ih x_t + b_ih
@group(0) @binding(2) var<storage, read> wt: array<f32>;          // [D, H (k), 4H (gate rows)] W_hh transposed
@group(0) @binding(3) var<storage, read> bhh: array<f32>;         // [D·4H] (dummy if !HAS_BIAS)
@group(0) @binding(4) var<storage, read> init: array<f32>;        // [h0; c0] (dummy if !has_init)
@group(0) @binding(5) var<storage, read_write> seq: array<f32>;   // padded h and c sequences
@group(0) @binding(6) var<storage, read_write> gates: array<f32>; // [T, B, D·4H] activated i, f, g, o
@group(0) @binding(7) var<storage, read_write> fin: array<f32>;   // [hN; cN]

// h_{prev}[b, k] of direction d at step s (h0 at the first step).
fn h_prev(s: u32, d: u32, b: u32, k: u32, prev: u32) -> f32 {
  if (s == 0u) { return init[p.init_off + (d * p.B + b) * p.H + k]; }
  return seq[p.h_off + prev + b * p.D * p.H + d * p.H + k];
}

// W_hh·h_{t-1} of 4 units for one batch row, per gate (PyTorch order i, f, g, o).
struct GateAcc {
  i: vec4f,
  f: vec4f,
  g: vec4f,
  o: vec4f,
}

fn cell_block(s: u32, block: u32) {
  let H = p.H;
  let G = 4u * H;
  let DH = p.D * H;
  let origin = block_origin(block);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  let t = select(p.T - 1u - s, s, d == 0u);
  let row_stride = p.B * DH;
  let prev = select(t + 2u, t, d == 0u) * row_stride; // element offset of the previous step's row
  let j = block_units(j0);
  let b = min(vec2u(b0, b0 + 1u), vec2u(p.B - 1u));
  var r0 = GateAcc(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  var r1 = GateAcc(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
  if (s > 0u || p.has_init != 0u) {
    for (var k = 0u; k < H; k++) {
      let row = (d * H + k) * G;
      let wi = vec4f(wt[row + j.x], wt[row + j.y], wt[row + j.z], wt[row + j.w]);
      let wf = vec4f(wt[row + H + j.x], wt[row + H + j.y], wt[row + H + j.z], wt[row + H + j.w]);
      let wg = vec4f(wt[row + 2u * H + j.x], wt[row + 2u * H + j.y], wt[row + 2u * H + j.z], wt[row + 2u * H + j.w]);
      let wo = vec4f(wt[row + 3u * H + j.x], wt[row + 3u * H + j.y], wt[row + 3u * H + j.z], wt[row + 3u * H + j.w]);
      let h0k = h_prev(s, d, b.x, k, prev);
      r0.i += h0k * wi;
      r0.f += h0k * wf;
      r0.g += h0k * wg;
      r0.o += h0k * wo;
      if (BB > 1u) {
        let h1k = h_prev(s, d, b.y, k, prev);
        r1.i += h1k * wi;
        r1.f += h1k * wf;
        r1.g += h1k * wg;
        r1.o += h1k * wo;
      }
    }
  }
  let rows = array<GateAcc, 2>(r0, r1);
  for (var r = 0u; r < BB; r++) {
    let bi = b0 + r;
    if (bi >= p.B) { break; }
    let acc = rows[r];
    for (var c = 0u; c < 4u; c++) {
      let ji = j0 + c;
      if (ji >= H) { break; }
      let gi = (t * p.B + bi) * p.D * G + d * G;
      var a = vec4f(acc.i[c], acc.f[c], acc.g[c], acc.o[c]) + vec4f(proj[gi + ji], proj[gi + H + ji], proj[gi + 2u * H + ji], proj[gi + 3u * H + ji]);
      if (HAS_BIAS) {
        let bi4 = d * G + ji;
        a += vec4f(bhh[bi4], bhh[bi4 + H], bhh[bi4 + 2u * H], bhh[bi4 + 3u * H]);
      }
      let state = p.init_off + (d * p.B + bi) * H + ji;
      let col = bi * DH + d * H + ji;
      var c_prev = 0.0;
      if (s == 0u) {
        // Keep (h0, c0) in the padding rows: the weight gradient and the backward pass read them there.
        var h_init = 0.0;
        if (p.has_init != 0u) {
          h_init = init[state];
          c_prev = init[state + p.c_stride];
        }
        seq[p.h_off + prev + col] = h_init;
        seq[p.c_off + prev + col] = c_prev;
      } else {
        c_prev = seq[p.c_off + prev + col];
      }
      let ig = sigmoid_stable(a.x);
      let fg = sigmoid_stable(a.y);
      let gg = tanh_stable(a.z);
      let og = sigmoid_stable(a.w);
      let cell = fg * c_prev + ig * gg;
      let h = og * tanh_stable(cell);
      gates[gi + ji] = ig;
      gates[gi + H + ji] = fg;
      gates[gi + 2u * H + ji] = gg;
      gates[gi + 3u * H + ji] = og;
      let cur = (t + 1u) * row_stride + col;
      seq[p.h_off + cur] = h;
      seq[p.c_off + cur] = cell;
      if (s == p.T - 1u) {
        let out_state = p.final_off + (d * p.B + bi) * H + ji;
        fin[out_state] = h;
        fin[out_state + p.c_stride] = cell;
      }
    }
  }
}

fn step_count() -> u32 { return p.T; }
