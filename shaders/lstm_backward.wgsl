// LSTM backward through time of one layer, both directions in the same dispatch. Step s (0 ≤ s < T)
// handles t = T-1-s forward and t = s backward; one invocation computes the four gate gradients of BB
// batch rows × 4 consecutive units (fused, register-blocked):
//   dh = dOut_t + W_hhᵀ δ_next (dhN at s = 0);  dc = dc_next·f_next + dh ⊙ o ⊙ (1 - tanh² c_t)
//   δ = [dc·g·i(1-i), dc·c_{t-1}·f(1-f), dc·i·(1-g²), dh·tanh(c_t)·o(1-o)]
// The carried dc·f lives in `delta` after the T·B·D·4H gate gradients (each invocation reads and writes
// only its own entry). Step s = T writes dh0 = W_hhᵀ δ at each direction's first step; dc0 is written at s = T-1.
// Weight gradients are single matmuls over all steps afterwards. Prepended: activation_fns.wgsl,
// recurrent_grid.wgsl (the block grid and the entry points `step` and `sequence`).

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
  c_stride: u32,
  c_off: u32,
  carry_off: u32, // element offset of the dc carry [D, B, H] in delta
}

override WG: u32 = 64u;
override RECORD: bool = false; // keep dL/dh_t for gradient-flow diagnostics
override BB: u32 = 2u;         // batch rows per invocation: 1 or 2

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dout: array<f32>;         // [T, B, D·H]
@group(0) @binding(2) var<storage, read> whh: array<f32>;          // [D·4H, H]
@group(0) @binding(3) var<storage, read> gates: array<f32>;        // [T, B, D·4H]
@group(0) @binding(4) var<storage, read> seq: array<f32>;          // as in lstm_forward.wgsl
@group(0) @binding(5) var<storage, read> dfin: array<f32>;         // [dhN; dcN] (dummy if !has_dfinal)
@group(0) @binding(6) var<storage, read_write> delta: array<f32>;  // [T, B, D·4H] then the dc carry
@group(0) @binding(7) var<storage, read_write> dinit: array<f32>;  // [dh0; dc0]
@group(0) @binding(8) var<storage, read_write> dh_rec: array<f32>; // [T, B, D·H] dL/dh_t (dummy if !RECORD)

fn cell_block(s: u32, block: u32) {
  let H = p.H;
  let G = 4u * H;
  let DH = p.D * H;
  let origin = block_origin(block);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  // The step whose δ feeds this one: the previous one in reverse time, or (s = T) the direction's first.
  let t = select(s, p.T - 1u - s, d == 0u);
  var t_src = select(t - 1u, t + 1u, d == 0u);
  if (s == p.T) { t_src = select(p.T - 1u, 0u, d == 0u); }
  let j = block_units(j0);
  let b = min(vec2u(b0, b0 + 1u), vec2u(p.B - 1u));
  // Σ_r δ_src[b, r] · W_hh[d][r, j..j+3] over the four gates' rows r: the transposed recurrent product.
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  if (s > 0u) {
    let base = t_src * p.B * p.D * G + d * G;
    for (var r = 0u; r < G; r++) {
      let row = (d * G + r) * H;
      let w = vec4f(whh[row + j.x], whh[row + j.y], whh[row + j.z], whh[row + j.w]);
      acc0 += delta[base + b.x * p.D * G + r] * w;
      if (BB > 1u) { acc1 += delta[base + b.y * p.D * G + r] * w; }
    }
  }
  let rows = array<vec4f, 2>(acc0, acc1);
  let row_stride = p.B * DH;
  for (var rb = 0u; rb < BB; rb++) {
    let bi = b0 + rb;
    if (bi >= p.B) { break; }
    for (var c = 0u; c < 4u; c++) {
      let ji = j0 + c;
      if (ji >= H) { break; }
      let state = (d * p.B + bi) * H + ji;
      if (s == p.T) {
        dinit[p.dinit_off + state] = rows[rb][c];
        continue;
      }
      var dh = dout[(t * p.B + bi) * DH + d * H + ji] + rows[rb][c];
      var dc_in = 0.0;
      if (s == 0u) {
        if (p.has_dfinal != 0u) {
          dh += dfin[p.dfinal_off + state];
          dc_in = dfin[p.dfinal_off + p.c_stride + state];
        }
      } else {
        dc_in = delta[p.carry_off + state];
      }
      if (RECORD) { dh_rec[(t * p.B + bi) * DH + d * H + ji] = dh; }
      let gi = (t * p.B + bi) * p.D * G + d * G;
      let ig = gates[gi + ji];
      let fg = gates[gi + H + ji];
      let gg = gates[gi + 2u * H + ji];
      let og = gates[gi + 3u * H + ji];
      let col = bi * DH + d * H + ji;
      let cell = seq[p.c_off + (t + 1u) * row_stride + col];
      let c_prev = seq[p.c_off + select(t + 2u, t, d == 0u) * row_stride + col];
      let tc = tanh_stable(cell);
      let dc = dc_in + dh * og * (1.0 - tc * tc);
      delta[gi + ji] = dc * gg * ig * (1.0 - ig);
      delta[gi + H + ji] = dc * c_prev * fg * (1.0 - fg);
      delta[gi + 2u * H + ji] = dc * ig * (1.0 - gg * gg);
      delta[gi + 3u * H + ji] = dh * tc * og * (1.0 - og);
      delta[p.carry_off + state] = dc * fg;
      if (s == p.T - 1u) { dinit[p.dinit_off + p.c_stride + state] = dc * fg; }
    }
  }
}

fn step_count() -> u32 { return p.T + 1u; }
