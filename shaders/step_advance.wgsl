// Advances an optimizer's GPU-side step counter after its update: step[0] += 1.
// A separate dispatch because the update kernels read the counter from every invocation.

@group(0) @binding(0) var<uniform> unused: vec4u;
@group(0) @binding(1) var<storage, read_write> step: array<f32>; // [1]

@compute @workgroup_size(1)
fn main() {
  step[0] += 1.0;
}
