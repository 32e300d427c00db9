// Mean squared error, elementwise part: d = y - target; dY = grad_scale · 2d; sq = d².
// The loss is then scale · Σ sq by sum_reduce (scale 1/n for 'mean', 1 for 'sum'); grad_scale matches it.

struct Params {
  n: u32,
  row_stride: u32,
  grad_scale: f32,
  _pad: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;          // [n] predictions
@group(0) @binding(2) var<storage, read> expected: array<f32>;   // [n] target values
@group(0) @binding(3) var<storage, read_write> dy: array<f32>;   // [n] dLoss/dy
@group(0) @binding(4) var<storage, read_write> sq: array<f32>;   // [n] (y - target)²

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let d = y[i] - expected[i];
  dy[i] = p.grad_scale * 2.0 * d;
  sq[i] = d * d;
}
