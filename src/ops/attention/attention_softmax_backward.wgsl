// Backward of attention_softmax.wgsl, in place, one invocation per row (b, t) of [B, T, S]:
// g = dL/dα (dC·v_s, plus the caller's dα with HAS_DA) → de_s = α_s (g_s − Σ_s' α_s' g_s').
// α is exactly 0 past a row's length, so de is too.

struct Params {
  rows: u32,      // B·T
  S: u32,
  row_stride: u32,
  _pad: u32,
}

override HAS_DA: bool = false;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> alpha: array<f32>;      // [B, T, S]
@group(0) @binding(2) var<storage, read> da: array<f32>;         // [B, T, S] (dummy without HAS_DA)
@group(0) @binding(3) var<storage, read_write> g: array<f32>;    // [B, T, S] dL/dα in, de out

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x + gid.y * p.row_stride;
  if (r >= p.rows) { return; }
  let base = r * p.S;
  var dot = 0.0;
  for (var s = 0u; s < p.S; s++) {
    var gs = g[base + s];
    if (HAS_DA) { gs += da[base + s]; }
    g[base + s] = gs;
    dot += alpha[base + s] * gs;
  }
  for (var s = 0u; s < p.S; s++) { g[base + s] = alpha[base + s] * (g[base + s] - dot); }
}
