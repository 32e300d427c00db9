// RNN forward step, split variant (GPU-shaped: many short invocations). A workgroup computes one tile:
// BR batch rows × U consecutive units of one direction. Its WG invocations split every H-long dot
// product (W_hh h_{t-1})[b, j] = Σ_k W_hh[d][j][k] h_{t-1}[b][k]: invocation l takes k = l, l + WG, …, so
// neighbouring invocations read neighbouring addresses of whh = W_hh as stored [D, H (j), H (k)] and of
// h_{t-1} (coalesced). Each h element is read by one invocation of the tile, so it is not staged in
// workgroup memory. tile_reduce sums the WG partials of the BR·U outputs, then BR·U invocations run the
// epilogue. Prepended on the host: recurrent_split_{subgroup,tree}.wgsl (entry point `step`, reduction),
// recurrent_split_tiles.wgsl (the tile grid, U and BR), rnn_forward.wgsl (parameters, bindings, epilogue). Tiles: D · ⌈B/BR⌉ · ⌈H/U⌉; BR·U ≤ MAX_OUT.

fn tile_outputs() -> u32 { return BR * U; }

fn split_tile(s: u32, tile: u32, lid: u32) {
  let origin = tile_origin(tile);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  var part: array<f32, MAX_OUT>; // [r·U + u]
  if (s > 0u || p.has_init != 0u) {
    let prev = prev_row(forward_time(s, d), d);
    for (var k = lid; k < p.H; k += WG) {
      // Edge tiles read clamped (valid) rows and units; their extra results are never stored.
      var hk: array<f32, MAX_OUT>;
      for (var r = 0u; r < BR; r++) { hk[r] = h_prev(s, d, min(b0 + r, p.B - 1u), k, prev); }
      for (var u = 0u; u < U; u++) {
        let w = whh[(d * p.H + min(j0 + u, p.H - 1u)) * p.H + k];
        for (var r = 0u; r < BR; r++) { part[r * U + u] += hk[r] * w; }
      }
    }
  }
  tile_reduce(lid, &part);
  if (lid < tile_outputs()) {
    let b = b0 + lid / U;
    let j = j0 + lid % U;
    if (b < p.B && j < p.H) { rnn_cell_out(s, d, b, j, tile_sum(lid)); }
  }
}
