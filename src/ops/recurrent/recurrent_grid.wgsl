// Shared by the four register-blocked recurrent kernels (rnn/lstm × forward/backward), prepended on the
// host: the grid of register blocks (BB batch rows × 4 consecutive units of one direction per invocation)
// and the two entry points. Each kernel declares Params p (with T, B, H, D, s), the override constants BB
// and WG, and defines `cell_block(s, block)` and `step_count()`.

fn unit_blocks() -> u32 { return (p.H + 3u) / 4u; }
fn batch_blocks() -> u32 { return (p.B + BB - 1u) / BB; }
fn block_count() -> u32 { return p.D * batch_blocks() * unit_blocks(); }

// (first unit j0, first batch row b0, direction d) of a block.
fn block_origin(block: u32) -> vec3u {
  return vec3u((block % unit_blocks()) * 4u, ((block / unit_blocks()) % batch_blocks()) * BB, block / (unit_blocks() * batch_blocks()));
}

// The block's 4 units, clamped to valid indices: edge blocks compute on repeated units and store none of them.
fn block_units(j0: u32) -> vec4u {
  return min(vec4u(j0, j0 + 1u, j0 + 2u, j0 + 3u), vec4u(p.H - 1u));
}

// One dispatch per step: step p.s.
@compute @workgroup_size(WG)
fn step(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= block_count()) { return; }
  cell_block(p.s, gid.x);
}

// The persistent kernel for small problems: ONE workgroup runs every step, a storage barrier between
// them so each step sees the previous one's results.
@compute @workgroup_size(WG)
fn sequence(@builtin(local_invocation_index) lid: u32) {
  for (var s = 0u; s < step_count(); s++) {
    for (var block = lid; block < block_count(); block += WG) { cell_block(s, block); }
    storageBarrier();
  }
}
