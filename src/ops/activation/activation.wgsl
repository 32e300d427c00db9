// Elementwise activation forward: h = f(a).
// Prepended on the host: activation_fns.wgsl. Grid: 1-D over n, folded into 2-D past 65535 groups.

struct Params {
  n: u32,
  row_stride: u32, // invocations per grid row = groups_x · WG
  param: f32,      // leaky_relu slope or elu alpha
  _pad: u32,
}

override ACT: u32 = 0u;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;        // [n]
@group(0) @binding(2) var<storage, read_write> h: array<f32>;  // [n]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  h[i] = act_forward(a[i], ACT, p.param);
}
