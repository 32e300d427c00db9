// log softmax of every row of x [R, C]: out = x − max − log Σ exp(x − max), one invocation per row
// (rows are a decoder's logits over its vocabulary).

struct Params {
  R: u32,
  C: u32,
  row_stride: u32,
  _pad0: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // [R, C]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // [R, C]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x + gid.y * p.row_stride;
  if (r >= p.R) { return; }
  let base = r * p.C;
  var m = x[base];
  for (var c = 1u; c < p.C; c++) { m = max(m, x[base + c]); }
  var s = 0.0;
  for (var c = 0u; c < p.C; c++) { s += exp(x[base + c] - m); }
  let lse = m + log(s);
  for (var c = 0u; c < p.C; c++) { out[base + c] = x[base + c] - lse; }
}
