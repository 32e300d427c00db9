// Backward of the additive score e = Σ_u v_u tanh(a_u), a = pq[t, b] + pk[s, b] (pq = W_q q, pk = W_k k),
// given de [B, T, S] (0 past each row's length), z = tanh(a) recomputed:
//   SIDE 0, one invocation per (t, b, u): dpq[t, b, u] = Σ_{s < len} de · v_u (1 − z²),
//                                         dvpart[t, b, u] = Σ_{s < len} de · z   (dv = Σ_{t, b} dvpart)
//   SIDE 1, one invocation per (s, b, u): dpk[s, b, u] = Σ_t de · v_u (1 − z²), exactly 0 for s ≥ len[b].
// Prepended: activation_fns.wgsl, attention_common.wgsl.

struct Params {
  n: u32,         // T·B·U (SIDE 0) or S·B·U (SIDE 1)
  T: u32,
  S: u32,
  B: u32,
  U: u32,
  row_stride: u32,
  _pad0: u32,
  _pad1: u32,
}

override SIDE: u32 = 0u;
override HAS_LENGTHS: bool = false;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pq: array<f32>;             // [T, B, U]
@group(0) @binding(2) var<storage, read> pk: array<f32>;             // [S, B, U]
@group(0) @binding(3) var<storage, read> vvec: array<f32>;           // [U]
@group(0) @binding(4) var<storage, read> de: array<f32>;             // [B, T, S]
@group(0) @binding(5) var<storage, read> lengths: array<f32>;        // [B] (dummy without HAS_LENGTHS)
@group(0) @binding(6) var<storage, read_write> out: array<f32>;      // dpq [T, B, U] or dpk [S, B, U]
@group(0) @binding(7) var<storage, read_write> dvpart: array<f32>;   // [T, B, U] (SIDE 0; dummy for SIDE 1)

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let u = i % p.U;
  let row = i / p.U;
  let steps = select(p.T, p.S, SIDE == 1u);
  var o = row / p.B;
  var b = row % p.B;
  if (BATCH_FIRST) {
    o = row % steps;
    b = row / steps;
  }
  var len = p.S;
  if (HAS_LENGTHS) { len = u32(lengths[b]); }
  let vu = vvec[u];
  var acc = 0.0;
  if (SIDE == 1u) {
    if (o >= len) { out[i] = 0.0; return; }
    let k = pk[i];
    for (var t = 0u; t < p.T; t++) {
      let z = tanh_stable(pq[seq_row(t, b, p.T, p.B) * p.U + u] + k);
      acc += de[(b * p.T + t) * p.S + o] * vu * (1.0 - z * z);
    }
    out[i] = acc;
    return;
  }
  let q = pq[i];
  var dv = 0.0;
  let db = (b * p.T + o) * p.S;
  for (var s = 0u; s < len; s++) {
    let z = tanh_stable(q + pk[seq_row(s, b, p.S, p.B) * p.U + u]);
    let g = de[db + s];
    acc += g * vu * (1.0 - z * z);
    dv += g * z;
  }
  out[i] = acc;
  dvpart[i] = dv;
}
