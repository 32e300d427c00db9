// Zeroes the steps past each batch row's length (variable-length sequences, PyTorch's packed
// semantics): x [T, B, C] ([B, T, C] with BATCH_FIRST) → y with y[t, b, :] = x[t, b, :] for t < len[b],
// else 0. A recurrent layer run with lengths carries its state through those steps (where its kernels
// read it): this makes the layer's visible output. Losses over such steps use it to drop the padding.

struct Params {
  n: u32,         // T·B·C elements
  T: u32,
  B: u32,
  C: u32,
  row_stride: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

override WG: u32 = 256u;
override BATCH_FIRST: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;         // [T, B, C] or [B, T, C]
@group(0) @binding(2) var<storage, read> lengths: array<f32>;   // [B] integers 1 … T
@group(0) @binding(3) var<storage, read_write> y: array<f32>;   // as x

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let row = i / p.C; // t·B + b, or b·T + t batch-first
  var t = row / p.B;
  var b = row % p.B;
  if (BATCH_FIRST) {
    t = row % p.T;
    b = row / p.T;
  }
  y[i] = select(0.0, x[i], t < u32(lengths[b]));
}
