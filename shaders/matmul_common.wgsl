// Shared by the matmul variants: C = act(α·op(A)·op(B) + β·C + bias), op = optional transpose.
// Prepended on the host: activation_fns.wgsl. Transposes and the epilogue are override constants,
// so each pipeline is compiled for one layout with no runtime branching in the inner loop.

struct Params {
  M: u32,
  N: u32,
  K: u32,
  alpha: f32,
  beta: f32,      // 0 means C is not read (it may hold garbage, as in BLAS)
  act_param: f32,
  _pad0: u32,
  _pad1: u32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;        // op(A) [M, K]: stored [M, K], or [K, M] if TRANS_A
@group(0) @binding(2) var<storage, read> b: array<f32>;        // op(B) [K, N]: stored [K, N], or [N, K] if TRANS_B
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // [N], broadcast over rows (dummy if !HAS_BIAS)
@group(0) @binding(4) var<storage, read_write> c: array<f32>;  // [M, N]

fn load_a(m: u32, k: u32) -> f32 {
  if (TRANS_A) { return a[k * p.M + m]; }
  return a[m * p.K + k];
}

fn load_b(k: u32, n: u32) -> f32 {
  if (TRANS_B) { return b[n * p.K + k]; }
  return b[k * p.N + n];
}

fn store_c(m: u32, n: u32, acc: f32) {
  let i = m * p.N + n;
  var v = p.alpha * acc;
  if (p.beta != 0.0) { v += p.beta * c[i]; }
  if (HAS_BIAS) { v += bias[n]; }
  c[i] = act_forward(v, ACT, p.act_param);
}
