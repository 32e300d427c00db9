// Deterministic two-stage reduction (no float atomics; the same bits on every run):
// stage 1 (SQUARE = true): workgroup g sums x[i]² over its chunk [g·chunk, (g+1)·chunk) into out[out_offset + g];
// stage 2 (SQUARE = false): one workgroup sums the partials into out[out_offset].
// Each invocation strides through the chunk, then a fixed-order tree in workgroup memory.

struct Params {
  n: u32,
  chunk: u32,
  out_offset: u32,
  _pad: u32,
}

override SQUARE: bool = true;
const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // [n]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // partials

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let start = wg.x * p.chunk;
  let end = min(start + p.chunk, p.n);
  var s = 0.0;
  for (var i = start + lid.x; i < end; i += WG) {
    let v = x[i];
    s += select(v, v * v, SQUARE);
  }
  partial[lid.x] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid.x < stride) { partial[lid.x] += partial[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { out[p.out_offset + wg.x] = partial[0]; }
}
