// Masked softmax over source steps, in place, one invocation per row (b, t) of x [B, T, S]:
// α[s] = exp(x[s] − m) / Σ_{s' < len} exp(x[s'] − m) for s < len[b] (m the row's max over them), exactly 0
// past len[b] (padding is never attended, whatever its scores). exp only sees arguments ≤ 0.

struct Params {
  rows: u32,      // B·T
  T: u32,
  S: u32,
  row_stride: u32,
}

override HAS_LENGTHS: bool = false;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> lengths: array<f32>;    // [B] integers 1 … S (dummy without HAS_LENGTHS)
@group(0) @binding(2) var<storage, read_write> x: array<f32>;    // [B, T, S] scores in, α out

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x + gid.y * p.row_stride;
  if (r >= p.rows) { return; }
  var len = p.S;
  if (HAS_LENGTHS) { len = u32(lengths[r / p.T]); }
  let base = r * p.S;
  var m = x[base];
  for (var s = 1u; s < len; s++) { m = max(m, x[base + s]); }
  var sum = 0.0;
  for (var s = 0u; s < len; s++) {
    let ex = exp(x[base + s] - m);
    x[base + s] = ex;
    sum += ex;
  }
  for (var s = 0u; s < p.S; s++) { x[base + s] = select(0.0, x[base + s] / sum, s < len); }
}
