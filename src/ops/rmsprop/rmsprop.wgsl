// RMSprop update over a flat parameter buffer, PyTorch torch.optim.RMSprop semantics:
// g = coef·grad (+ weight_decay·p); sq = α·sq + (1-α)·g²;
// centered: ga = α·ga + (1-α)·g, avg = sqrt(sq - ga²) + eps; else avg = sqrt(sq) + eps (eps outside the root);
// momentum > 0: buf = momentum·buf + g/avg, p -= lr·buf; else p -= lr·g/avg.
// coef = gscale[1] is the gradient-clipping coefficient (1 when not clipping), gscale[2] ≠ 0 skips the
// update (explosion guard); lr comes from a one-element buffer a schedule rewrites in place, so the
// uniforms and the bind group stay the same every step. grad_avg is touched only when centered and
// momentum_buf only with momentum > 0 (the host may bind one-element placeholders otherwise).

struct Params {
  n: u32,
  row_stride: u32,
  alpha: f32,
  eps: f32,
  weight_decay: f32,
  momentum: f32,
  centered: u32,
  _pad: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;        // [n]
@group(0) @binding(2) var<storage, read> grad: array<f32>;               // [n]
@group(0) @binding(3) var<storage, read_write> square_avg: array<f32>;   // [n]
@group(0) @binding(4) var<storage, read_write> grad_avg: array<f32>;     // [n] when centered
@group(0) @binding(5) var<storage, read_write> momentum_buf: array<f32>; // [n] when momentum > 0
@group(0) @binding(6) var<storage, read> gscale: array<f32>;             // [4] norm, clip coefficient, skip, loss
@group(0) @binding(7) var<storage, read> lr: array<f32>;                 // [1] learning rate

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n || gscale[2] != 0.0) { return; } // explosion guard: a non-finite step changes nothing
  var g = gscale[1] * grad[i];
  if (p.weight_decay != 0.0) { g += p.weight_decay * param[i]; }
  let sq = p.alpha * square_avg[i] + (1.0 - p.alpha) * g * g;
  square_avg[i] = sq;
  var variance = sq;
  if (p.centered != 0u) {
    let ga = p.alpha * grad_avg[i] + (1.0 - p.alpha) * g;
    grad_avg[i] = ga;
    // f32 rounding can push the variance of a nearly constant gradient below 0: no square root of a negative.
    variance = max(sq - ga * ga, 0.0);
  }
  let step = g / (sqrt(variance) + p.eps);
  if (p.momentum > 0.0) {
    let b = p.momentum * momentum_buf[i] + step;
    momentum_buf[i] = b;
    param[i] -= lr[0] * b;
  } else {
    param[i] -= lr[0] * step;
  }
}
