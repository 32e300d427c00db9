// Shared by the matmul variants: C = act(α·op(A)·op(B) + β·C + bias), op = optional transpose.
// BLAS-style leading dimensions and element offsets, so a kernel can work on a strided block of a
// larger buffer (one direction's columns of a bidirectional layer, a time-shifted range of rows).
// Prepended on the host: activation_fns.wgsl. Transposes and the epilogue are override constants,
// so each pipeline is compiled for one layout with no runtime branching in the inner loop.

struct Params {
  M: u32,
  N: u32,
  K: u32,
  alpha: f32,
  beta: f32,      // 0 means C is not read (it may hold garbage, as in BLAS)
  act_param: f32,
  lda: u32,   // row stride of A as stored
  ldb: u32,
  ldc: u32,
  a_off: u32, // element offsets of the first element
  b_off: u32,
  c_off: u32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;        // op(A) [M, K]: stored [M, lda], or [K, lda] if TRANS_A
@group(0) @binding(2) var<storage, read> b: array<f32>;        // op(B) [K, N]: stored [K, ldb], or [N, ldb] if TRANS_B
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // [N], broadcast over rows (dummy if !HAS_BIAS)
@group(0) @binding(4) var<storage, read_write> c: array<f32>;  // [M, ldc]

fn load_a(m: u32, k: u32) -> f32 {
  if (TRANS_A) { return a[p.a_off + k * p.lda + m]; }
  return a[p.a_off + m * p.lda + k];
}

fn load_b(k: u32, n: u32) -> f32 {
  if (TRANS_B) { return b[p.b_off + n * p.ldb + k]; }
  return b[p.b_off + k * p.ldb + n];
}

fn store_c(m: u32, n: u32, acc: f32) {
  let i = p.c_off + m * p.ldc + n;
  var v = p.alpha * acc;
  if (p.beta != 0.0) { v += p.beta * c[i]; }
  if (HAS_BIAS) { v += bias[n]; }
  c[i] = act_forward(v, ACT, p.act_param);
}
