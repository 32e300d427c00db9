// Matmul, register-blocked without workgroup memory (the `blocked` variant): each invocation keeps
// a 4×4 block of C in four vec4 accumulators and streams A and B from storage. On CPU-backed adapters
// (lavapipe, SwiftShader) the CPU caches do the tiling and barriers only cost, so this wins there.
// Prepended: activation_fns.wgsl, matmul_common.wgsl. Dispatch: (ceil(N/(4·WG_X)), ceil(M/(4·WG_Y))).

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  if (m0 >= p.M || n0 >= p.N) { return; }
  // Edge blocks read clamped (valid) rows/columns; their extra results are never stored.
  let m = min(vec4u(m0, m0 + 1u, m0 + 2u, m0 + 3u), vec4u(p.M - 1u));
  let n = min(vec4u(n0, n0 + 1u, n0 + 2u, n0 + 3u), vec4u(p.N - 1u));
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k = 0u; k < p.K; k++) {
    let bk = vec4f(load_b(k, n.x), load_b(k, n.y), load_b(k, n.z), load_b(k, n.w));
    acc0 += load_a(m.x, k) * bk;
    acc1 += load_a(m.y, k) * bk;
    acc2 += load_a(m.z, k) * bk;
    acc3 += load_a(m.w, k) * bk;
  }
  let rows = array<vec4f, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    if (m0 + i >= p.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (n0 + j < p.N) { store_c(m0 + i, n0 + j, rows[i][j]); }
    }
  }
}
