// Merges the two directions of a bidirectional layer per step, as Keras' Bidirectional merge_mode:
// x [T, B, 2H] = [fwd; bwd] → y [T, B, H] = fwd + bwd (MODE 0), fwd ⊙ bwd (1) or (fwd + bwd) / 2 (2).
// ('concat', PyTorch's layout, is x itself: no kernel.)

struct Params {
  n: u32,       // T·B·H outputs
  H: u32,
  row_stride: u32,
  _pad: u32,
}

override MODE: u32 = 0u;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;        // [T, B, 2H]
@group(0) @binding(2) var<storage, read_write> y: array<f32>;  // [T, B, H]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let row = i / p.H;
  let j = i % p.H;
  let f = x[row * 2u * p.H + j];
  let r = x[row * 2u * p.H + p.H + j];
  switch MODE {
    case 1u: { y[i] = f * r; }
    case 2u: { y[i] = 0.5 * (f + r); }
    default: { y[i] = f + r; }
  }
}
