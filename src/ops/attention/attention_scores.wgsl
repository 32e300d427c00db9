// Attention scores for every (b, t, s) at once: e [B, T, S] from rows a (T steps) and c (S steps).
//   SCORE 0 (dot, and general on q·W_a):  e = scale · Σ_i a[t, b, i] · c[s, b, i]
//   SCORE 1 (additive, a = W_q q and c = W_k k projected): e = Σ_u v[u] · tanh(a[t, b, u] + c[s, b, u])
// The backward uses SCORE 0 for dC·v_s. Scores past a row's length are 0, their keys never read (the
// softmax gives them weight 0 whatever they hold).
// Prepended: activation_fns.wgsl, attention_common.wgsl.

struct Params {
  n: u32,         // B·T·S scores
  T: u32,
  S: u32,
  B: u32,
  D: u32,         // length of the dot products (U for additive)
  scale: f32,
  row_stride: u32,
  _pad: u32,
}

override SCORE: u32 = 0u;
override HAS_LENGTHS: bool = false;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> lengths: array<f32>;   // [B] integers 1 … S (dummy without HAS_LENGTHS)
@group(0) @binding(2) var<storage, read> a: array<f32>;         // [T, B, D]
@group(0) @binding(3) var<storage, read> c: array<f32>;         // [S, B, D]
@group(0) @binding(4) var<storage, read> vvec: array<f32>;      // [D] (SCORE 1; dummy otherwise)
@group(0) @binding(5) var<storage, read_write> e: array<f32>;   // [B, T, S]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let s = i % p.S;
  let t = (i / p.S) % p.T;
  let b = i / (p.S * p.T);
  if (HAS_LENGTHS && s >= u32(lengths[b])) { e[i] = 0.0; return; }
  let ai = seq_row(t, b, p.T, p.B) * p.D;
  let ci = seq_row(s, b, p.S, p.B) * p.D;
  var acc = 0.0;
  if (SCORE == 1u) {
    for (var u = 0u; u < p.D; u++) { acc += vvec[u] * tanh_stable(a[ai + u] + c[ci + u]); }
  } else {
    for (var u = 0u; u < p.D; u++) { acc += a[ai + u] * c[ci + u]; }
  }
  e[i] = p.scale * acc;
}
