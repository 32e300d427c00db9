// RNN backward step, register-blocked variant (the default on CPU-backed adapters): one invocation
// handles BB batch rows × 4 consecutive units; whh = W_hh as stored [D, H (k), H (j)], so W_hh[d][k][j..j+3]
// is contiguous and the transposed product streams vec4s. Prepended on the host: rnn_backward.wgsl
// (parameters, bindings, epilogue) and recurrent_grid.wgsl (the block grid, entry points `step`, `sequence`).

override BB: u32 = 4u; // batch rows per invocation: 1, 2 or 4

fn cell_block(s: u32, block: u32) {
  let origin = block_origin(block);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  let j = block_units(j0);
  let b = min(vec4u(b0, b0 + 1u, b0 + 2u, b0 + 3u), vec4u(p.B - 1u));
  // Σ_k δ_src[b, k] · W_hh[d][k, j..j+3]: the transposed recurrent product.
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  if (s > 0u) {
    let DH = p.D * p.H;
    let base = source_time(s, d) * p.B * DH + d * p.H;
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
      rnn_cell_grad(s, d, bi, ji, rows[r][c]);
    }
  }
}
