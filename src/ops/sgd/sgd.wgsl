// SGD update over a flat parameter buffer, PyTorch torch.optim.SGD semantics:
// g = coef·grad (+ weight_decay·p); with momentum: buf = g on the first step, else momentum·buf + (1-dampening)·g;
// g = nesterov ? g + momentum·buf : buf; p -= lr·g.
// coef = gscale[1] is the gradient-clipping coefficient (1 when not clipping): folded in, no rescale pass;
// gscale[2] ≠ 0 (a non-finite loss or gradient norm) skips the update entirely.
// lr lives in its own one-element buffer, not in Params: a schedule rewrites it between steps in place,
// so the uniforms (cached by content) and the bind group stay the same.

struct Params {
  n: u32,
  row_stride: u32,
  momentum: f32,
  dampening: f32,
  weight_decay: f32,
  nesterov: u32,
  _pad0: u32,
  _pad1: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;  // [n]
@group(0) @binding(2) var<storage, read> grad: array<f32>;         // [n]
@group(0) @binding(3) var<storage, read_write> buf: array<f32>;    // [n] momentum buffer
@group(0) @binding(4) var<storage, read> gscale: array<f32>;       // [4] norm, clip coefficient, skip, loss
@group(0) @binding(5) var<storage, read> step: array<f32>;         // [1] updates done before this one
@group(0) @binding(6) var<storage, read> lr: array<f32>;           // [1] learning rate

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n || gscale[2] != 0.0) { return; } // explosion guard: a non-finite step changes nothing
  var g = gscale[1] * grad[i];
  if (p.weight_decay != 0.0) { g += p.weight_decay * param[i]; }
  if (p.momentum != 0.0) {
    let b = select(p.momentum * buf[i] + (1.0 - p.dampening) * g, g, step[0] == 0.0);
    buf[i] = b;
    g = select(b, g + p.momentum * b, p.nesterov != 0u);
  }
  param[i] -= lr[0] * g;
}
