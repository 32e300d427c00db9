// Backward step of the gated cells (LSTM, GRU, …: GATES gate rows per unit), split variant (GPU-shaped): a
// workgroup computes a tile of BR batch rows × U units of one direction; its WG invocations split each
// GATES·H-long dot product
// (W_hhᵀ δ_src)[b, j] = Σ_r δ_src[b][r] W_hh[d][r][j] over r: invocation l takes r = l, l + WG, …,
// reading whh = W_hh transposed [D, H (j), GATES·H (r)] and δ_src at neighbouring addresses (coalesced).
// Prepended on the host: recurrent_split_{subgroup,tree}.wgsl (entry point `step`, reduction),
// recurrent_split_tiles.wgsl (the tile grid, U and BR) and the cell's backward file (cells/<cell>/<cell>_backward.wgsl: parameters, bindings, epilogue).

fn tile_outputs() -> u32 { return BR * U; }

fn split_tile(s: u32, tile: u32, lid: u32) {
  let G = GATES * p.H;
  let origin = tile_origin(tile);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  var part: array<f32, MAX_OUT>; // [r·U + u]
  if (s > 0u) {
    for (var r = lid; r < G; r += WG) {
      // Edge tiles read clamped (valid) rows and units; their extra results are never stored.
      var dr: array<f32, MAX_OUT>;
      for (var rb = 0u; rb < BR; rb++) { dr[rb] = delta_src(s, d, min(b0 + rb, p.B - 1u), r); }
      for (var u = 0u; u < U; u++) {
        let w = whh[(d * p.H + min(j0 + u, p.H - 1u)) * G + r];
        for (var rb = 0u; rb < BR; rb++) { part[rb * U + u] += dr[rb] * w; }
      }
    }
  }
  tile_reduce(lid, &part);
  if (lid < tile_outputs()) {
    let b = b0 + lid / U;
    let j = j0 + lid % U;
    if (b < p.B && j < p.H) { cell_grad(s, d, b, j, tile_sum(lid)); }
  }
}
