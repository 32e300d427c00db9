// RNN forward and backward step, split variant (GPU-shaped: many short invocations). A workgroup computes
// one tile: BR batch rows × U consecutive units of one direction. Its WG invocations split every H-long dot
// product Σ_k whh[d][j][k] src[b][k] with the pass's source (h_{t-1} forward, δ_src backward) and
// whh = [D, H (j), H (k)] (W_hh as stored forward, transposed backward): invocation l takes
// k = l, l + WG, …, so neighbouring invocations read neighbouring addresses (coalesced). Each source
// element is read by one invocation of the tile, so it is not staged in workgroup memory. tile_reduce
// sums the WG partials of the BR·U outputs, then BR·U invocations run the epilogue. Prepended on the
// host: recurrent_split_{subgroup,tree}.wgsl (entry point `step`, reduction), recurrent_split_tiles.wgsl
// (the tile grid, U and BR), rnn_forward.wgsl or rnn_backward.wgsl (parameters, bindings, epilogue;
// has_source, source and rec_out). Tiles: D · ⌈B/BR⌉ · ⌈H/U⌉; BR·U ≤ MAX_OUT.

fn tile_outputs() -> u32 { return BR * U; }

fn split_tile(s: u32, tile: u32, lid: u32) {
  let origin = tile_origin(tile);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  var part: array<f32, MAX_OUT>; // [r·U + u]
  if (has_source(s)) {
    for (var k = lid; k < p.H; k += WG) {
      // Edge tiles read clamped (valid) rows and units; their extra results are never stored.
      var sk: array<f32, MAX_OUT>;
      for (var r = 0u; r < BR; r++) { sk[r] = source(s, d, min(b0 + r, p.B - 1u), k); }
      for (var u = 0u; u < U; u++) {
        let w = whh[(d * p.H + min(j0 + u, p.H - 1u)) * p.H + k];
        for (var r = 0u; r < BR; r++) { part[r * U + u] += sk[r] * w; }
      }
    }
  }
  tile_reduce(lid, &part);
  if (lid < tile_outputs()) {
    let b = b0 + lid / U;
    let j = j0 + lid % U;
    if (b < p.B && j < p.H) { rec_out(s, d, b, j, tile_sum(lid)); }
  }
}
