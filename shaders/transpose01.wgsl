// Swaps the first two axes of a row-major [A, B, C] tensor: out[b, a, c] = x[a, b, c].
// Converts batch-first sequences [B, T, I] to time-major [T, B, I] and back (its own backward).

struct Params {
  A: u32,
  B: u32,
  C: u32,
  row_stride: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // [A, B, C]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // [B, A, C]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride; // index into out
  if (i >= p.A * p.B * p.C) { return; }
  let c = i % p.C;
  let a = (i / p.C) % p.A;
  let b = i / (p.C * p.A);
  out[i] = x[(a * p.B + b) * p.C + c];
}
