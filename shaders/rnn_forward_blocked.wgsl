// RNN forward step, register-blocked variant (the default on CPU-backed adapters), like
// matmul_blocked.wgsl: one invocation computes a block of BB batch rows × 4 consecutive units of one
// direction, streaming h_{t-1} and the transposed recurrent weights
// whh = W_hh transposed [D, H (k), H (j)] (a vec4 of 4 units is contiguous).
// Prepended on the host: rnn_forward.wgsl (parameters, bindings, epilogue) and recurrent_grid.wgsl
// (the block grid and the entry points `step` and `sequence`).

override BB: u32 = 4u; // batch rows per invocation: 1, 2 or 4

fn cell_block(s: u32, block: u32) {
  let origin = block_origin(block);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  let prev = prev_row(forward_time(s, d), d);
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
      let w = vec4f(whh[row + j.x], whh[row + j.y], whh[row + j.z], whh[row + j.w]);
      acc0 += h_prev(s, d, b.x, k, prev) * w;
      if (BB > 1u) { acc1 += h_prev(s, d, b.y, k, prev) * w; }
      if (BB > 2u) {
        acc2 += h_prev(s, d, b.z, k, prev) * w;
        acc3 += h_prev(s, d, b.w, k, prev) * w;
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
      rnn_cell_out(s, d, bi, ji, rows[r][c]);
    }
  }
}
