// Tiles of the split step kernels (every cell, forward and backward): a tile is BR batch rows × U
// consecutive units of one direction, D · ⌈B/BR⌉ · ⌈H/U⌉ of them (the host sets BR and U). Prepended on
// the host to the split bodies, which define `tile_outputs()` and `split_tile(s, tile, lid)`.

override U: u32 = 4u;
override BR: u32 = 4u;

fn unit_tiles() -> u32 { return (p.H + U - 1u) / U; }
fn row_tiles() -> u32 { return (p.B + BR - 1u) / BR; }
fn tile_count() -> u32 { return p.D * row_tiles() * unit_tiles(); }

// The tile's first unit j0, first batch row b0 and direction d, as (j0, b0, d).
fn tile_origin(tile: u32) -> vec3u {
  return vec3u((tile % unit_tiles()) * U, ((tile / unit_tiles()) % row_tiles()) * BR, tile / (unit_tiles() * row_tiles()));
}
