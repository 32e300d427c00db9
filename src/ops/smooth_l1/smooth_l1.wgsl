// torch's SmoothL1Loss, HuberLoss and L1Loss as one elementwise loss, d = y - target:
// elem = |d| < β ? 0.5·d²/β : |d| - 0.5·β;  dY = grad_scale · (|d| < β ? d/β : sign(d)).
// SmoothL1Loss(beta): β = beta; HuberLoss(delta) = delta · SmoothL1Loss(beta = delta); L1Loss: β = 0.
// The host folds that factor into grad_scale and into the scale of the sum_reduce that totals elem.

struct Params {
  n: u32,
  row_stride: u32,
  grad_scale: f32,
  beta: f32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;            // [n] predictions
@group(0) @binding(2) var<storage, read> expected: array<f32>;     // [n] target values
@group(0) @binding(3) var<storage, read_write> dy: array<f32>;     // [n] dLoss/dy
@group(0) @binding(4) var<storage, read_write> elem: array<f32>;   // [n] unscaled elementwise loss

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let d = y[i] - expected[i];
  let a = abs(d);
  let quadratic = a < p.beta; // never with β = 0, so d/β is never selected there
  dy[i] = p.grad_scale * select(sign(d), d / p.beta, quadratic);
  elem[i] = select(a - 0.5 * p.beta, 0.5 * d * d / p.beta, quadratic);
}
