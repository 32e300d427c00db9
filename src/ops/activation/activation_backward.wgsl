// Elementwise activation backward: dA = f'(a) ⊙ dH (written, not accumulated).
// Prepended on the host: activation_fns.wgsl.

struct Params {
  n: u32,
  row_stride: u32,
  param: f32,
  _pad: u32,
}

override ACT: u32 = 0u;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;         // [n] pre-activation
@group(0) @binding(2) var<storage, read> h: array<f32>;         // [n] f(a)
@group(0) @binding(3) var<storage, read> dh: array<f32>;        // [n]
@group(0) @binding(4) var<storage, read_write> da: array<f32>;  // [n]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  da[i] = dh[i] * act_derivative(a[i], h[i], ACT, p.param);
}
