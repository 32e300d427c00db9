// Activation functions shared by every kernel that applies one; `kind` is an ACT override constant,
// so each pipeline compiles only its own branch. Written to stay finite for any finite input:
// exp() only ever sees arguments <= 0.

fn sigmoid_stable(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}

fn tanh_stable(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

// h = f(a)
fn act_forward(a: f32, kind: u32, param: f32) -> f32 {
  switch kind {
    case 1u: { return sigmoid_stable(a); }
    case 2u: { return tanh_stable(a); }
    case 3u: { return max(a, 0.0); }
    case 4u: { return select(param * a, a, a > 0.0); }
    case 5u: { return select(param * (exp(min(a, 0.0)) - 1.0), a, a > 0.0); }
    default: { return a; }
  }
}

// f'(a), computed from whichever of a (pre-activation) and h = f(a) is cheaper.
fn act_derivative(a: f32, h: f32, kind: u32, param: f32) -> f32 {
  switch kind {
    case 1u: { return h * (1.0 - h); }
    case 2u: { return 1.0 - h * h; }
    case 3u: { return select(0.0, 1.0, a > 0.0); }
    case 4u: { return select(param, 1.0, a > 0.0); }
    case 5u: { return select(h + param, 1.0, a > 0.0); }
    default: { return 1.0; }
  }
}
