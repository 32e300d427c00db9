// Embedding backward, deterministic without atomics: one invocation per (vocabulary row v, column e)
// scans all N ids in order and ACCUMULATES dweight[v, e] += Σ_{n: ids[n] = v} dout[n, e]; the padding
// row (padding = V when there is none) gets nothing. Neighbouring invocations read neighbouring
// columns of dout and the same id. Cost V·E·N reads of ids: fine for character and word vocabularies
// of a few thousand, not for 50k-token ones. CPU twin: src/cpu/embedding.ts.

struct Params {
  n: u32,          // V·E gradient elements
  row_stride: u32, // invocations per grid row = groups_x · WG
  count: u32,      // N ids
  dim: u32,        // E
  padding: u32,    // the row with no gradient; V for none
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<f32>;           // [N]
@group(0) @binding(2) var<storage, read> dout: array<f32>;          // [N, E]
@group(0) @binding(3) var<storage, read_write> dweight: array<f32>; // [V, E], accumulated

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let v = i / p.dim;
  let e = i % p.dim;
  if (v == p.padding) { return; }
  let want = f32(v);
  var acc = 0.0;
  for (var k = 0u; k < p.count; k++) {
    if (ids[k] == want) { acc += dout[k * p.dim + e]; }
  }
  dweight[i] += acc;
}
