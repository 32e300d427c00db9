// L2 norm of each segment of a flat buffer — the per-parameter gradient norms of a model's flat
// gradient buffer. One workgroup per segment; each invocation strides through it, then a fixed-order
// tree in workgroup memory (deterministic, no atomics). segments holds (offset, length) pairs as f32
// (exact for offsets below 2^24, checked on the host).

struct Params {
  count: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // the flat buffer
@group(0) @binding(2) var<storage, read> segments: array<f32>;   // [count, 2] offset, length
@group(0) @binding(3) var<storage, read_write> out: array<f32>;  // [count]

var<workgroup> acc: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let start = u32(segments[2u * wg.x]);
  let end = start + u32(segments[2u * wg.x + 1u]);
  var s = 0.0;
  for (var i = start + lid.x; i < end; i += WG) { s += x[i] * x[i]; }
  acc[lid.x] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) { acc[lid.x] += acc[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { out[wg.x] = sqrt(acc[0]); }
}
