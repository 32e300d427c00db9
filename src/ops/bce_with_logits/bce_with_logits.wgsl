// Binary cross-entropy on logits (torch.nn.BCEWithLogitsLoss), elementwise, in torch's stable form:
// lw = 1 + (pos_weight[c] - 1)·y;  elem = (1 - y)·x + lw·softplus(-x),  softplus(-x) = log1p(e^-|x|) + max(-x, 0);
// dX = grad_scale · ((1 - y) - lw·σ(-x)), σ(-x) from e^-|x| so that nothing overflows for any finite x.
// For x < 0 the terms x·(1 - y) - lw·x are folded first (= -pos_weight·y·x): summed apart they cancel
// and lose the small log1p(e^-|x|) of a confident right answer.
// pos_weight [C] runs along the last axis (c = i mod C); without it (has_pos_weight 0) it is never read.
// The loss is then scale · Σ elem by sum_reduce.

struct Params {
  n: u32,
  C: u32,
  row_stride: u32,
  grad_scale: f32,
  has_pos_weight: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;        // [n] = [..., C]
@group(0) @binding(2) var<storage, read> targets: array<f32>;       // [n] probabilities (0/1 or soft)
@group(0) @binding(3) var<storage, read> pos_weight: array<f32>;    // [C]
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>; // [n]
@group(0) @binding(5) var<storage, read_write> elem: array<f32>;    // [n]

// log(1 + u) accurate for small u, where 1 + u rounds (Goldberg's correction; WGSL has no log1p).
fn log1p(u: f32) -> f32 {
  let w = 1.0 + u;
  if (w == 1.0) { return u; }
  return log(w) * u / (w - 1.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_stride;
  if (i >= p.n) { return; }
  let x = logits[i];
  let y = targets[i];
  let pw = select(1.0, pos_weight[i % p.C], p.has_pos_weight != 0u);
  let lw = 1.0 + (pw - 1.0) * y;
  let u = exp(-abs(x));
  let sig_neg = select(1.0, u, x >= 0.0) / (1.0 + u); // σ(-x)
  dlogits[i] = p.grad_scale * ((1.0 - y) - lw * sig_neg);
  elem[i] = select((1.0 - y) * x, -pw * y * x, x < 0.0) + lw * log1p(u);
}
