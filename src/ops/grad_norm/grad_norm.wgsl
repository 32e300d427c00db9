// Global gradient norm for clipping (PyTorch clip_grad_norm_ semantics), deterministic, no atomics:
// `partial` (stage 1): workgroup g reduces its chunk of the flat gradient buffer to out[g]: Σ g² (L2) or max |g| (INF);
// `finish` (stage 2, one workgroup): total = sqrt(Σ partials) or max, coef = min(max_norm / (total + 1e-6), 1)
// exactly as PyTorch computes it (inf total → 0, NaN total → NaN), and a skip flag when the total or the
// loss is not finite (the explosion guard: optimizers then leave every weight as it was).
// gscale = [total, coef, skip, loss].

struct Params {
  n: u32,
  chunk: u32,
  max_norm: f32,
  has_loss: u32,
}

override INF: bool = false;
const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;            // partial: gradients [n]; finish: partials [n]
@group(0) @binding(2) var<storage, read> loss: array<f32>;         // [1] (finish; dummy without a loss)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;    // partial: partials; finish: gscale [4]

var<workgroup> acc: array<f32, WG>;

// Inf and NaN by their bits (arithmetic NaN tests may be optimised away).
fn is_finite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn combine(a: f32, b: f32) -> f32 {
  if (INF) {
    // max that keeps NaN: a NaN anywhere makes the total NaN, as torch's norm does.
    if (is_nan(a)) { return a; }
    if (is_nan(b)) { return b; }
    return max(a, b);
  }
  return a + b;
}

fn reduce_workgroup(lid: u32) {
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { acc[lid] = combine(acc[lid], acc[lid + stride]); }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn partial(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let start = wg.x * p.chunk;
  let end = min(start + p.chunk, p.n);
  var s = 0.0;
  for (var i = start + lid.x; i < end; i += WG) {
    let v = x[i];
    s = combine(s, select(v * v, abs(v), INF));
  }
  acc[lid.x] = s;
  reduce_workgroup(lid.x);
  if (lid.x == 0u) { out[wg.x] = acc[0]; }
}

@compute @workgroup_size(WG)
fn finish(@builtin(local_invocation_id) lid: vec3u) {
  var s = 0.0;
  for (var i = lid.x; i < p.n; i += WG) { s = combine(s, x[i]); }
  acc[lid.x] = s;
  reduce_workgroup(lid.x);
  if (lid.x == 0u) {
    let total = select(sqrt(acc[0]), acc[0], INF);
    let l = select(0.0, loss[0], p.has_loss != 0u);
    let ok = is_finite(total) && is_finite(l);
    out[0] = total;
    // min() with a NaN operand is implementation-defined in WGSL: spell PyTorch's results out.
    var coef = min(p.max_norm / (total + 1e-6), 1.0);
    if (!is_finite(total)) { coef = select(0.0, total, is_nan(total)); }
    out[1] = coef;
    out[2] = select(1.0, 0.0, ok);
    out[3] = l;
  }
}
