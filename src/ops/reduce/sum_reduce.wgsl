// Deterministic two-stage sum (no float atomics; the same bits on every run), of x or of x²:
// stage 1: workgroup g sums its chunk [g·chunk, (g+1)·chunk) into out[out_offset + g];
// stage 2 (one workgroup, SQUARE = false): out[out_offset] = scale · Σ partials.
// Each invocation strides through the chunk, then a fixed-order tree in workgroup memory.
// Used for gradient norms (Σ g²) and loss totals (Σ per-row losses / n).

struct Params {
  n: u32,
  chunk: u32,
  out_offset: u32,
  scale: f32,
}

override SQUARE: bool = true;
const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // [n]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // partials, or the total

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
  if (lid.x == 0u) { out[p.out_offset + wg.x] = p.scale * partial[0]; }
}
