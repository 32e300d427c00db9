enable subgroups;
// Entry point and reduction of the split step kernels (rnn/lstm × forward/backward), subgroup flavour
// (adapters with the `subgroups` feature; the device requests it). As recurrent_split_tree.wgsl, but
// tile_reduce sums each output within every subgroup with subgroupAdd, then across the WG / sg_size
// subgroups in workgroup memory: 2 barriers instead of log2(WG). Subgroups are taken to be contiguous
// runs of local_invocation_index (lid / sg_size names one), as Vulkan, Metal and D3D12 drivers lay out
// a 1-D workgroup; WG is a multiple of the subgroup size (the host makes WG ≥ the adapter's largest).

const MAX_OUT = 16u;
var<workgroup> scratch: array<f32, MAX_OUT * WG>; // [output][subgroup]
var<private> sg_lane: u32;
var<private> sg_size: u32;

// One dispatch per step: step p.s; tiles folded into a 2-D grid past the per-dimension workgroup limit.
@compute @workgroup_size(WG)
fn step(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u,
        @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) size: u32) {
  sg_lane = lane;
  sg_size = size;
  let tile = wid.x + wid.y * groups.x;
  if (tile >= tile_count()) { return; }
  split_tile(p.s, tile, lid);
}

// Sums every invocation's partials; afterwards tile_sum(o) holds output o for the whole workgroup.
fn tile_reduce(lid: u32, part: ptr<function, array<f32, MAX_OUT>>) {
  for (var o = 0u; o < tile_outputs(); o++) {
    let total = subgroupAdd((*part)[o]);
    if (sg_lane == 0u) { scratch[o * WG + lid / sg_size] = total; }
  }
  workgroupBarrier();
  if (lid < tile_outputs()) {
    var total = 0.0;
    for (var g = 0u; g < WG / sg_size; g++) { total += scratch[lid * WG + g]; }
    scratch[lid * WG] = total;
  }
  workgroupBarrier();
}

fn tile_sum(o: u32) -> f32 { return scratch[o * WG]; }
