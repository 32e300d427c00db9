// 'mean' over a count known only on the GPU (cross-entropy's rows not ignored; the sum of a mask's weights
// would fit the same way): total[0] /= count[0] and grad *= 1 / count[0], after the kernels that wrote the
// unscaled gradient, the summed loss and the count. A count of 0 (every row ignored) gives a NaN loss and
// a zero gradient, as torch.

struct Params {
  n: u32,
  row_stride: u32,
  _pad0: u32,
  _pad1: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;  // [n] unscaled dLoss/dy, scaled in place
@group(0) @binding(2) var<storage, read_write> total: array<f32>; // [1] the summed loss, divided in place
@group(0) @binding(3) var<storage, read> count: array<f32>;       // [1] how many terms the sum holds

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  let c = count[0];
  if (i == 0u) {
    let nan = bitcast<f32>(0x7fc00000u | (p.n & 0u)); // a run-time quiet NaN (a constant one is rejected)
    total[0] = select(total[0] / c, nan, c == 0.0);
  }
  if (i >= p.n) { return; }
  grad[i] *= select(1.0 / c, 0.0, c == 0.0);
}
