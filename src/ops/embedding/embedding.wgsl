// Embedding forward: out[n, e] = weight[ids[n], e] for ids [N] (f32 holding integers), weight [V, E].
// An id that is not an integer in [0, V) gives a row of NaN: the host checks ids it uploads (fit,
// predict, generate), and a bad id already on the device must not pass as a real row.
// CPU twin: cpu.ts. Grid: one invocation per output element, 1-D folded into 2-D.

struct Params {
  n: u32,          // N·E outputs
  row_stride: u32, // invocations per grid row = groups_x · WG
  vocab: u32,      // V
  dim: u32,        // E
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> weight: array<f32>;    // [V, E]
@group(0) @binding(2) var<storage, read> ids: array<f32>;       // [N]
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // [N, E]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let id = ids[i / p.dim];
  if (id >= 0.0 && id < f32(p.vocab) && floor(id) == id) {
    out[i] = weight[u32(id) * p.dim + i % p.dim];
  } else {
    out[i] = bitcast<f32>(0x7fc00000u | (p.n & 0u)); // a quiet NaN built at run time (a constant one is rejected)
  }
}
