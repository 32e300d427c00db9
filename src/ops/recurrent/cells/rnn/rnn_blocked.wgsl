// RNN forward and backward step, register-blocked variant (the default on CPU-backed adapters), like
// matmul_blocked.wgsl: one invocation computes a block of BB batch rows × 4 consecutive units of one
// direction, Σ_k src[b, k] · whh[d][k, j..j+3] with the pass's source (h_{t-1} forward, δ_src backward)
// and whh = [D, H (k), H (j)] (W_hh transposed forward, as stored backward: a vec4 of 4 units is
// contiguous). Prepended on the host: rnn_forward.wgsl or rnn_backward.wgsl (parameters, bindings,
// epilogue; has_source, source and rec_out) and recurrent_grid.wgsl (the block grid and the entry points
// `step` and `sequence`).

override BB: u32 = 4u; // batch rows per invocation: 1, 2 or 4

fn cell_block(s: u32, block: u32) {
  let origin = block_origin(block);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  // Edge blocks read clamped (valid) rows and units; their extra results are never stored.
  let j = block_units(j0);
  let b = min(vec4u(b0, b0 + 1u, b0 + 2u, b0 + 3u), vec4u(p.B - 1u));
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  if (has_source(s)) {
    for (var k = 0u; k < p.H; k++) {
      let row = (d * p.H + k) * p.H;
      let w = vec4f(whh[row + j.x], whh[row + j.y], whh[row + j.z], whh[row + j.w]);
      acc0 += source(s, d, b.x, k) * w;
      if (BB > 1u) { acc1 += source(s, d, b.y, k) * w; }
      if (BB > 2u) {
        acc2 += source(s, d, b.z, k) * w;
        acc3 += source(s, d, b.w, k) * w;
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
      rec_out(s, d, bi, ji, rows[r][c]);
    }
  }
}
