// Backward of bidir_merge.wgsl: dY [T, B, H] → dX [T, B, 2H] = [dY·∂y/∂fwd; dY·∂y/∂bwd]
// (sum: [dY; dY], mul: [dY⊙bwd; dY⊙fwd], ave: [dY/2; dY/2]). Written, not accumulated.

struct Params {
  n: u32,
  H: u32,
  row_stride: u32,
  _pad: u32,
}

override MODE: u32 = 0u;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // [T, B, 2H] the merged inputs
@group(0) @binding(2) var<storage, read> dy: array<f32>;         // [T, B, H]
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;   // [T, B, 2H]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let fi = (i / p.H) * 2u * p.H + i % p.H;
  let ri = fi + p.H;
  let g = dy[i];
  switch MODE {
    case 1u: { dx[fi] = g * x[ri]; dx[ri] = g * x[fi]; }
    case 2u: { dx[fi] = 0.5 * g; dx[ri] = 0.5 * g; }
    default: { dx[fi] = g; dx[ri] = g; }
  }
}
