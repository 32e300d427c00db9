// In-place gradient clipping over the flat gradient buffer:
// `scale` (clip_grad_norm_): g *= gscale[1], the coefficient from grad_norm.wgsl — as PyTorch, even when
// the norm is not finite (the coefficient is then 0 or NaN);
// `clamp` (clip_grad_value_): g = clamp(g, -clip_value, clip_value).
// A training step does not need `scale`: the optimizers fold the coefficient into their update.

struct Params {
  n: u32,
  row_stride: u32,
  clip_value: f32,
  _pad: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> gscale: array<f32>;     // [4] from grad_norm (dummy for clamp)
@group(0) @binding(2) var<storage, read_write> grad: array<f32>; // [n]

@compute @workgroup_size(WG)
fn scale(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  grad[i] *= gscale[1];
}

@compute @workgroup_size(WG)
fn clamp_values(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  grad[i] = clamp(grad[i], -p.clip_value, p.clip_value);
}
