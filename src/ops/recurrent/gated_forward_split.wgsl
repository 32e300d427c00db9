// Forward step of the gated cells (LSTM, GRU, …: GATES gate rows per unit), split variant (GPU-shaped: many
// short invocations). A workgroup computes one tile: the GATES gate rows of U consecutive units × BR
// batch rows of one direction. Its WG invocations split every H-long dot product
// Σ_k W_hh[d][r][k] h_{t-1}[b][k] over k: invocation l takes k = l, l + WG, …, reading whh = W_hh as
// stored [D, GATES·H (r), H (k)] and h_{t-1} at neighbouring addresses (coalesced); each h element is
// read by one invocation of the tile, so it is not staged. tile_reduce sums the WG partials of the
// GATES·U·BR outputs, then U·BR invocations run the fused epilogue. Prepended on the host:
// recurrent_split_{subgroup,tree}.wgsl (entry point `step`, reduction), recurrent_split_tiles.wgsl (the
// tile grid, U and BR), the cell's forward file (cells/<cell>/<cell>_forward.wgsl: parameters,
// bindings, epilogue). Tiles: D · ⌈B/BR⌉ · ⌈H/U⌉; GATES·U·BR ≤ MAX_OUT (the host sets U = 1).

fn tile_outputs() -> u32 { return GATES * BR * U; }

fn split_tile(s: u32, tile: u32, lid: u32) {
  let H = p.H;
  let origin = tile_origin(tile);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  var part: array<f32, MAX_OUT>; // [(r·U + u)·GATES + gate]
  if (s > 0u || p.has_init != 0u) {
    let prev = prev_row(forward_time(s, d), d) * p.B * p.D * H;
    for (var k = lid; k < H; k += WG) {
      // Edge tiles read clamped (valid) rows and units; their extra results are never stored.
      var hk: array<f32, MAX_OUT>;
      for (var r = 0u; r < BR; r++) { hk[r] = h_prev(s, d, min(b0 + r, p.B - 1u), k, prev); }
      for (var u = 0u; u < U; u++) {
        let j = min(j0 + u, H - 1u);
        for (var gate = 0u; gate < GATES; gate++) {
          let w = whh[(d * GATES * H + gate * H + j) * H + k];
          for (var r = 0u; r < BR; r++) { part[(r * U + u) * GATES + gate] += hk[r] * w; }
        }
      }
    }
  }
  tile_reduce(lid, &part);
  if (lid < BR * U) {
    let b = b0 + lid / U;
    let j = j0 + lid % U;
    let o = lid * GATES;
    if (b < p.B && j < H) {
      var rec: Gates;
      for (var gate = 0u; gate < GATES; gate++) { rec[gate] = tile_sum(o + gate); }
      cell_out(s, d, b, j, rec);
    }
  }
}
