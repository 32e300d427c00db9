// Adam / AdamW update over a flat parameter buffer, PyTorch torch.optim.Adam(W) semantics:
// g = coef·grad; Adam: g += weight_decay·p; AdamW: p *= 1 - lr·weight_decay;
// m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; t = step + 1;
// p -= (lr / (1-β1ᵗ)) · m / (sqrt(v) / sqrt(1-β2ᵗ) + eps).
// coef = gscale[1] is the gradient-clipping coefficient (1 when not clipping), gscale[2] ≠ 0 skips the
// update (explosion guard); t comes from the GPU-side
// step counter and lr from a one-element buffer a schedule rewrites in place, so the uniforms (cached
// by content) and the bind group stay the same every step (no per-step allocation).

struct Params {
  n: u32,
  row_stride: u32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  decoupled: u32, // 1: AdamW
  _pad: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;  // [n]
@group(0) @binding(2) var<storage, read> grad: array<f32>;         // [n]
@group(0) @binding(3) var<storage, read_write> m: array<f32>;      // [n] first moment
@group(0) @binding(4) var<storage, read_write> v: array<f32>;      // [n] second moment
@group(0) @binding(5) var<storage, read> gscale: array<f32>;       // [4] norm, clip coefficient, skip, loss
@group(0) @binding(6) var<storage, read> step: array<f32>;         // [1] updates done before this one
@group(0) @binding(7) var<storage, read> lr: array<f32>;           // [1] learning rate

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n || gscale[2] != 0.0) { return; } // explosion guard: a non-finite step changes nothing
  let t = step[0] + 1.0;
  let rate = lr[0];
  var g = gscale[1] * grad[i];
  var w = param[i];
  if (p.weight_decay != 0.0) {
    if (p.decoupled != 0u) { w *= 1.0 - rate * p.weight_decay; } else { g += p.weight_decay * w; }
  }
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let bc1 = 1.0 - pow(p.beta1, t);
  let bc2 = 1.0 - pow(p.beta2, t);
  param[i] = w - (rate / bc1) * mi / (sqrt(vi) / sqrt(bc2) + p.eps);
}
