// Inverted dropout, forward and backward (the mask is linear: dL/dx is this kernel on dL/dy with the
// same step): y_i = x_i · scale where element i is kept, else 0; scale = 1/(1 − p) (0 for p = 1).
// Element i is kept when lane i mod 4 of Philox4x32-10(counter = (i / 4, step, stream, 0),
// key = (seed_lo, seed_hi)) is below `keep` = ⌈(1 − p)·2^32⌉: the same masks on every adapter, exact in
// u32 arithmetic (the 32×32→64 multiply is done in 16-bit halves). CPU twin: src/cpu/dropout.ts.
// The step is read from step_in[0] and step + 1 written to step_out[0]: the host alternates the two
// one-element buffers between calls, so the uniforms never change from step to step.
// Grid: one invocation per 4 elements (one Philox block), 1-D folded into 2-D past 65535 groups.

struct Params {
  n: u32,
  row_stride: u32, // invocations per grid row = groups_x · WG
  seed_lo: u32,
  seed_hi: u32,
  stream: u32,     // the dropout site within its model
  keep: u32,       // kept where the draw is below this
  scale: f32,
  _pad: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;              // [n]
@group(0) @binding(2) var<storage, read> step_in: array<u32>;        // [1] the step counter (a u32)
@group(0) @binding(3) var<storage, read_write> y: array<f32>;        // [n]
@group(0) @binding(4) var<storage, read_write> step_out: array<u32>; // [1] step + 1

const M0: u32 = 0xd2511f53u;
const M1: u32 = 0xcd9e8d57u;
const W0: u32 = 0x9e3779b9u;
const W1: u32 = 0xbb67ae85u;

// (high, low) 32 bits of a·b from four 16×16-bit products, each exact in a u32.
fn mulhilo(a: u32, b: u32) -> vec2u {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let mid = ((a0 * b0) >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu); // < 3·2^16: no overflow
  return vec2u(a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u), a * b);
}

fn philox4x32_10(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) { k += vec2u(W0, W1); }
    let m0 = mulhilo(M0, c.x);
    let m1 = mulhilo(M1, c.z);
    c = vec4u(m1.x ^ c.y ^ k.x, m1.y, m0.x ^ c.w ^ k.y, m0.y);
  }
  return c;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let block = gid.x + gid.y * p.row_stride;
  let step = step_in[0];
  if (block == 0u) { step_out[0] = step + 1u; }
  if (block * 4u >= p.n) { return; }
  let r = philox4x32_10(vec4u(block, step, p.stream, 0u), vec2u(p.seed_lo, p.seed_hi));
  for (var j = 0u; j < 4u; j++) {
    let i = block * 4u + j;
    if (i < p.n) { y[i] = select(0.0, x[i] * p.scale, r[j] < p.keep); }
  }
}
