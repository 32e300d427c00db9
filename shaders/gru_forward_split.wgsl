// GRU forward step, split variant (GPU-shaped: many short invocations). A workgroup computes one tile:
// the three gate rows of U consecutive units × BR batch rows of one direction. Its WG invocations split
// every H-long dot product Σ_k W_hh[d][r][k] h_{t-1}[b][k] over k: invocation l takes k = l, l + WG, …,
// reading whh = W_hh as stored [D, 3H (r), H (k)] and h_{t-1} at neighbouring addresses (coalesced).
// tile_reduce sums the WG partials of the 3·U·BR outputs, then U·BR invocations run the fused epilogue.
// Prepended on the host: recurrent_split_{subgroup,tree}.wgsl (entry point `step`, reduction),
// gru_forward.wgsl (parameters, bindings, epilogue). Tiles: D · ⌈B/BR⌉ · ⌈H/U⌉; 3·U·BR ≤ MAX_OUT.

override U: u32 = 1u;
override BR: u32 = 4u;

fn unit_tiles() -> u32 { return (p.H + U - 1u) / U; }
fn row_tiles() -> u32 { return (p.B + BR - 1u) / BR; }
fn tile_count() -> u32 { return p.D * row_tiles() * unit_tiles(); }
fn tile_outputs() -> u32 { return 3u * BR * U; }

fn split_tile(s: u32, tile: u32, lid: u32) {
  let H = p.H;
  let j0 = (tile % unit_tiles()) * U;
  let b0 = ((tile / unit_tiles()) % row_tiles()) * BR;
  let d = tile / (unit_tiles() * row_tiles());
  var part: array<f32, MAX_OUT>; // [(r·U + u)·3 + gate]
  if (s > 0u || p.has_init != 0u) {
    let prev = prev_row(forward_time(s, d), d) * p.B * p.D * H;
    for (var k = lid; k < H; k += WG) {
      // Edge tiles read clamped (valid) rows and units; their extra results are never stored.
      var hk: array<f32, MAX_OUT>;
      for (var r = 0u; r < BR; r++) { hk[r] = h_prev(s, d, min(b0 + r, p.B - 1u), k, prev); }
      for (var u = 0u; u < U; u++) {
        let j = min(j0 + u, H - 1u);
        for (var gate = 0u; gate < 3u; gate++) {
          let w = whh[(d * 3u * H + gate * H + j) * H + k];
          for (var r = 0u; r < BR; r++) { part[(r * U + u) * 3u + gate] += hk[r] * w; }
        }
      }
    }
  }
  tile_reduce(lid, &part);
  if (lid < BR * U) {
    let b = b0 + lid / U;
    let j = j0 + lid % U;
    let o = lid * 3u;
    if (b < p.B && j < H) { gru_cell_out(s, d, b, j, vec3f(tile_sum(o), tile_sum(o + 1u), tile_sum(o + 2u))); }
  }
}
