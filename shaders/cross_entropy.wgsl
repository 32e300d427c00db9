// Softmax cross-entropy with integer class targets, one invocation per row:
// lse = max + log Σ exp(z - max) (stable for any finite logits); row_loss = lse - z[target];
// dZ = grad_scale · (softmax(z) - onehot(target)). The loss is then scale · Σ row_loss by sum_reduce.
// A target outside [0, C) gives a NaN row loss (visible, never silently ignored).

struct Params {
  B: u32,
  C: u32,
  row_stride: u32,
  grad_scale: f32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;         // [B, C]
@group(0) @binding(2) var<storage, read> targets: array<f32>;        // [B] class indices stored as f32
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;  // [B, C]
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>; // [B]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let b = gid.x + gid.y * p.row_stride;
  if (b >= p.B) { return; }
  let row = b * p.C;
  var m = logits[row];
  for (var c = 1u; c < p.C; c++) { m = max(m, logits[row + c]); }
  var s = 0.0;
  for (var c = 0u; c < p.C; c++) { s += exp(logits[row + c] - m); }
  let lse = m + log(s);
  let t = targets[b];
  let valid = t >= 0.0 && t < f32(p.C) && t == floor(t);
  let ti = u32(max(t, 0.0));
  for (var c = 0u; c < p.C; c++) {
    let onehot = select(0.0, 1.0, c == ti);
    dlogits[row + c] = p.grad_scale * (exp(logits[row + c] - lse) - onehot);
  }
  // A quiet NaN built at run time (a constant NaN is rejected by the WGSL compiler).
  let nan = bitcast<f32>(0x7fc00000u | (p.B & 0u));
  row_loss[b] = select(nan, lse - logits[row + min(ti, p.C - 1u)], valid);
}
