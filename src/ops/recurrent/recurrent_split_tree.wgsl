// Entry point and reduction of the split step kernels (rnn/lstm × forward/backward), workgroup-tree
// flavour (any adapter). A workgroup computes one tile of at most MAX_OUT outputs; each of its WG
// invocations holds a partial sum of every output (its share of the dot products), and tile_reduce sums
// them: a tree over WG slots in workgroup memory, log2(WG) barriers. Each kernel defines
// `tile_count()`, `tile_outputs()` (≤ MAX_OUT) and `split_tile(s, tile, lid)`. WG is a power of two.

const MAX_OUT = 16u;
var<workgroup> scratch: array<f32, MAX_OUT * WG>; // [output][invocation]

// One dispatch per step: step p.s; tiles folded into a 2-D grid past the per-dimension workgroup limit.
@compute @workgroup_size(WG)
fn step(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let tile = wid.x + wid.y * groups.x;
  if (tile >= tile_count()) { return; }
  split_tile(p.s, tile, lid);
}

// Sums every invocation's partials; afterwards tile_sum(o) holds output o for the whole workgroup.
fn tile_reduce(lid: u32, part: ptr<function, array<f32, MAX_OUT>>) {
  for (var o = 0u; o < tile_outputs(); o++) { scratch[o * WG + lid] = (*part)[o]; }
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    workgroupBarrier();
    if (lid < stride) {
      for (var o = 0u; o < tile_outputs(); o++) { scratch[o * WG + lid] += scratch[o * WG + lid + stride]; }
    }
  }
  workgroupBarrier();
}

fn tile_sum(o: u32) -> f32 { return scratch[o * WG]; }
