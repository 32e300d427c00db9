// Softmax cross-entropy with integer class targets and label smoothing ε, one invocation per row:
// lse = max + log Σ exp(z - max) (stable for any finite logits);
// row_loss = (1 - ε)·(lse - z[target]) + ε/C · Σ_c (lse - z_c);
// dZ = grad_scale · (softmax(z) - (1 - ε)·onehot(target) - ε/C). The loss is then scale · Σ row_loss by sum_reduce.
// A target outside [0, C) gives a NaN row loss and gradient (visible, never silently ignored), unless it equals
// ignore_index (with has_ignore): then the row's loss, gradient and weight are 0. row_weight (1 or 0) is
// what 'mean' divides by when rows can be ignored: its total is the count of loss_mean.wgsl.

struct Params {
  B: u32,
  C: u32,
  row_stride: u32,
  grad_scale: f32,
  ignore_index: f32,
  has_ignore: u32,
  smoothing: f32,
  _pad: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;           // [B, C]
@group(0) @binding(2) var<storage, read> targets: array<f32>;          // [B] class indices stored as f32
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;    // [B, C]
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>;   // [B]
@group(0) @binding(5) var<storage, read_write> row_weight: array<f32>; // [B] 1, or 0 for an ignored row

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let b = gid.x + gid.y * p.row_stride;
  if (b >= p.B) { return; }
  let row = b * p.C;
  let t = targets[b];
  if (p.has_ignore != 0u && t == p.ignore_index) {
    for (var c = 0u; c < p.C; c++) { dlogits[row + c] = 0.0; }
    row_loss[b] = 0.0;
    row_weight[b] = 0.0;
    return;
  }
  var m = logits[row];
  for (var c = 1u; c < p.C; c++) { m = max(m, logits[row + c]); }
  var s = 0.0;
  for (var c = 0u; c < p.C; c++) { s += exp(logits[row + c] - m); }
  let lse = m + log(s);
  let valid = t >= 0.0 && t < f32(p.C) && t == floor(t);
  let ti = u32(max(t, 0.0));
  // A quiet NaN built at run time (a constant NaN is rejected by the WGSL compiler).
  let nan = bitcast<f32>(0x7fc00000u | (p.B & 0u));
  let uniform_part = p.smoothing / f32(p.C);
  var spread = 0.0;
  for (var c = 0u; c < p.C; c++) {
    let onehot = select(0.0, 1.0 - p.smoothing, c == ti);
    dlogits[row + c] = select(nan, p.grad_scale * (exp(logits[row + c] - lse) - onehot - uniform_part), valid);
    spread += lse - logits[row + c];
  }
  let nll = lse - logits[row + min(ti, p.C - 1u)];
  row_loss[b] = select(nan, (1.0 - p.smoothing) * nll + uniform_part * spread, valid);
  row_weight[b] = 1.0;
}
