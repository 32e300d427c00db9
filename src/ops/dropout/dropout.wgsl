// Inverted dropout, forward and backward (the mask is linear: dL/dx is this kernel on dL/dy with the
// same step): y_i = x_i · scale where element i is kept, else 0; scale = 1/(1 − p) (0 for p = 1).
// Element i is kept when lane i mod 4 of Philox4x32-10(counter = (i / 4, step, stream, 0),
// key = (seed_lo, seed_hi)) is below `keep` = ⌈(1 − p)·2^32⌉: the same masks on every adapter, exact in
// u32 arithmetic (the 32×32→64 multiply is done in 16-bit halves). CPU twin: cpu.ts.
// The step is read from step_in[0] and step + 1 written to step_out[0]: the host alternates the two
// one-element buffers between calls, so the uniforms never change from step to step.
// Grid: one invocation per 4 elements (one Philox block), 1-D folded into 2-D past 65535 groups.
// philox4x32_10 comes from ../philox/philox.wgsl, prepended.

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
