// RNN backward step, split variant (GPU-shaped): a workgroup computes a tile of BR batch rows × U units
// of one direction; its WG invocations split each dot product (W_hhᵀ δ_src)[b, j] = Σ_k δ_src[b][k] W_hh[d][k][j]
// over k: invocation l takes k = l, l + WG, …, reading whh = W_hh transposed [D, H (j), H (k)] and δ_src
// at neighbouring addresses (coalesced). Prepended on the host: recurrent_split_{subgroup,tree}.wgsl
// (entry point `step`, reduction), recurrent_split_tiles.wgsl (the tile grid, U and BR) and
// rnn_backward.wgsl (parameters, bindings, epilogue).

fn tile_outputs() -> u32 { return BR * U; }

fn split_tile(s: u32, tile: u32, lid: u32) {
  let origin = tile_origin(tile);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  var part: array<f32, MAX_OUT>; // [r·U + u]
  if (s > 0u) {
    for (var k = lid; k < p.H; k += WG) {
      // Edge tiles read clamped (valid) rows and units; their extra results are never stored.
      var dk: array<f32, MAX_OUT>;
      for (var r = 0u; r < BR; r++) { dk[r] = delta_src(s, d, min(b0 + r, p.B - 1u), k); }
      for (var u = 0u; u < U; u++) {
        let w = whh[(d * p.H + min(j0 + u, p.H - 1u)) * p.H + k];
        for (var r = 0u; r < BR; r++) { part[r * U + u] += dk[r] * w; }
      }
    }
  }
  tile_reduce(lid, &part);
  if (lid < tile_outputs()) {
    let b = b0 + lid / U;
    let j = j0 + lid % U;
    if (b < p.B && j < p.H) { rnn_cell_grad(s, d, b, j, tile_sum(lid)); }
  }
}
