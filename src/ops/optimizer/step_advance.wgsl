// Advances an optimizer's GPU-side step counter after its update: step[0] += 1, unless the update was
// skipped by the explosion guard (gscale[2] ≠ 0). A separate dispatch because the update kernels read the
// counter from every invocation.

@group(0) @binding(0) var<uniform> unused: vec4u;
@group(0) @binding(1) var<storage, read_write> step: array<f32>; // [1]
@group(0) @binding(2) var<storage, read> gscale: array<f32>;     // [4] norm, clip coefficient, skip, loss

@compute @workgroup_size(1)
fn main() {
  if (gscale[2] == 0.0) { step[0] += 1.0; }
}
