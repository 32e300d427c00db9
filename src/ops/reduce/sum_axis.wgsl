// Sum of a row-major matrix X [R, C] along one axis, accumulated: out = β·out + Σ.
// AXIS 0: out[c] = Σ_r X[r, c] (bias gradients: sum over the batch rows), out [C].
// AXIS 1: out[r] = Σ_c X[r, c], out [R].
// SQUARE sums X² instead (per-step squared gradient norms for the gradient-flow diagnostics).
// One invocation per output, summing in index order: deterministic. Grid 1-D, folded into 2-D.

struct Params {
  R: u32,
  C: u32,
  row_stride: u32, // invocations per grid row
  beta: f32,       // 0 means out is not read
}

override AXIS: u32 = 0u;
override SQUARE: bool = false;
override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // [R, C]
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // [C] if AXIS 0, [R] if AXIS 1

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let o = gid.x + gid.y * p.row_stride;
  var s = 0.0;
  if (AXIS == 0u) {
    if (o >= p.C) { return; }
    for (var r = 0u; r < p.R; r++) { let v = x[r * p.C + o]; s += select(v, v * v, SQUARE); }
  } else {
    if (o >= p.R) { return; }
    for (var c = 0u; c < p.C; c++) { let v = x[o * p.C + c]; s += select(v, v * v, SQUARE); }
  }
  if (p.beta != 0.0) { s += p.beta * out[o]; }
  out[o] = s;
}
