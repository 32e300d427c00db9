// Backward step of the gated cells (LSTM, GRU, …: GATES gate rows per unit), register-blocked variant (the
// default on CPU-backed adapters): one invocation computes the gate gradients of BB batch rows × 4
// consecutive units; whh = W_hh as stored [D, GATES·H (r), H (j)], so W_hh[d][r][j..j+3] is contiguous.
// Prepended on the host: the cell's backward file (cells/<cell>/<cell>_backward.wgsl: parameters,
// bindings, GATES, delta_row, delta_src and the epilogue cell_grad) and recurrent_grid.wgsl (the block grid, entry
// points `step`, `sequence`).

override BB: u32 = 2u; // batch rows per invocation: 1 or 2

fn cell_block(s: u32, block: u32) {
  let H = p.H;
  let G = GATES * H;
  let origin = block_origin(block);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  let j = block_units(j0);
  let b = min(vec2u(b0, b0 + 1u), vec2u(p.B - 1u));
  // Σ_r δ_src[b, r] · W_hh[d][r, j..j+3] over the gates' rows r: the transposed recurrent product.
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  if (s > 0u) {
    let base0 = delta_row(s, d, b.x);
    let base1 = delta_row(s, d, b.y);
    for (var r = 0u; r < G; r++) {
      let row = (d * G + r) * H;
      let w = vec4f(whh[row + j.x], whh[row + j.y], whh[row + j.z], whh[row + j.w]);
      acc0 += delta[base0 + r] * w;
      if (BB > 1u) { acc1 += delta[base1 + r] * w; }
    }
  }
  let rows = array<vec4f, 2>(acc0, acc1);
  for (var rb = 0u; rb < BB; rb++) {
    let bi = b0 + rb;
    if (bi >= p.B) { break; }
    for (var c = 0u; c < 4u; c++) {
      let ji = j0 + c;
      if (ji >= H) { break; }
      cell_grad(s, d, bi, ji, rows[rb][c]);
    }
  }
}
