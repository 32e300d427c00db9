// Swaps two axes of a row-major [N, A, B, C] tensor: out[n, b, a, c] = x[n, a, b, c] (N = 1: [A, B, C]).
// Converts batch-first sequences [B, T, I] to time-major [T, B, I] and back (its own backward), and
// transposes each direction's recurrent weights [D, G·H, H] → [D, H, G·H] for the recurrent kernels.

struct Params {
  A: u32,
  B: u32,
  C: u32,
  row_stride: u32,
  N: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // [N, A, B, C]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // [N, B, A, C]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride; // index into out
  if (i >= p.N * p.A * p.B * p.C) { return; }
  let c = i % p.C;
  let a = (i / p.C) % p.A;
  let b = (i / (p.C * p.A)) % p.B;
  let n = i / (p.C * p.A * p.B);
  out[i] = x[((n * p.A + a) * p.B + b) * p.C + c];
}
