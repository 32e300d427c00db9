// Weighted sums of rows with the [B, T, S] weights w, one invocation per output element:
//   TRANSPOSE false: out[t, b, j] = scale · Σ_{s < len[b]} w[b, t, s] · x[s, b, j]   (context = α·V; dQ = de·K)
//   TRANSPOSE true:  out[s, b, j] = scale · Σ_t w[b, t, s] · x[t, b, j]              (dV = αᵀ·dC; dK = deᵀ·Q)
//                    and exactly 0 for s ≥ len[b].
// Padded source rows are never read, so their contents (even non-finite) change nothing.
// Prepended: attention_common.wgsl.

struct Params {
  n: u32,         // output elements: T·B·D, or S·B·D transposed
  T: u32,
  S: u32,
  B: u32,
  D: u32,
  scale: f32,
  row_stride: u32,
  _pad: u32,
}

override TRANSPOSE: bool = false;
override HAS_LENGTHS: bool = false;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> lengths: array<f32>;     // [B] (dummy without HAS_LENGTHS)
@group(0) @binding(2) var<storage, read> w: array<f32>;           // [B, T, S]
@group(0) @binding(3) var<storage, read> x: array<f32>;           // [S, B, D], or [T, B, D] transposed
@group(0) @binding(4) var<storage, read_write> out: array<f32>;   // [T, B, D], or [S, B, D] transposed

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let j = i % p.D;
  let row = i / p.D;
  let steps = select(p.T, p.S, TRANSPOSE); // of the output
  var o = row / p.B; // output step
  var b = row % p.B;
  if (BATCH_FIRST) {
    o = row % steps;
    b = row / steps;
  }
  var len = p.S;
  if (HAS_LENGTHS) { len = u32(lengths[b]); }
  var acc = 0.0;
  if (TRANSPOSE) {
    if (o >= len) { out[i] = 0.0; return; }
    for (var t = 0u; t < p.T; t++) {
      acc += w[(b * p.T + t) * p.S + o] * x[seq_row(t, b, p.T, p.B) * p.D + j];
    }
  } else {
    let wb = (b * p.T + o) * p.S;
    for (var s = 0u; s < len; s++) { acc += w[wb + s] * x[seq_row(s, b, p.S, p.B) * p.D + j]; }
  }
  out[i] = p.scale * acc;
}
