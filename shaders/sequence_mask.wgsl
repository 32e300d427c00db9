// Zeroes the steps past each batch row's length (variable-length sequences, PyTorch's packed
// semantics): x [T, B, C] → y with y[t, b, :] = x[t, b, :] for t < len[b], else 0. A recurrent layer
// run with lengths carries its state through those steps (where its kernels read it); this makes the
// layer's visible output.

struct Params {
  n: u32,         // T·B·C elements
  BC: u32,        // B·C: elements per step
  C: u32,
  row_stride: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;         // [T, B, C]
@group(0) @binding(2) var<storage, read> lengths: array<f32>;   // [B] integers 1 … T
@group(0) @binding(3) var<storage, read_write> y: array<f32>;   // [T, B, C]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let t = i / p.BC;
  let b = (i % p.BC) / p.C;
  y[i] = select(0.0, x[i], t < u32(lengths[b]));
}
