// Matmul, register-blocked without workgroup memory (the `blocked` variant): each invocation keeps
// an 8×4 block of C in eight vec4 accumulators and streams A and B from storage. On CPU-backed adapters
// (lavapipe, SwiftShader) the CPU caches do the tiling and barriers only cost, so this wins there
// (README, Benchmarks: the kernel harness's matmul table).
// Prepended: activation_fns.wgsl, matmul_common.wgsl. Dispatch: (ceil(N/(4·WG_X)), ceil(M/(8·WG_Y))).

override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 8u;
  if (m0 >= p.M || n0 >= p.N) { return; }
  // Edge blocks read clamped (valid) rows/columns; their extra results are never stored.
  let last_m = vec4u(p.M - 1u);
  let m_lo = min(vec4u(m0, m0 + 1u, m0 + 2u, m0 + 3u), last_m);
  let m_hi = min(vec4u(m0 + 4u, m0 + 5u, m0 + 6u, m0 + 7u), last_m);
  let n = min(vec4u(n0, n0 + 1u, n0 + 2u, n0 + 3u), vec4u(p.N - 1u));
  var acc: array<vec4f, 8>;
  for (var k = 0u; k < p.K; k++) {
    let bk = vec4f(load_b(k, n.x), load_b(k, n.y), load_b(k, n.z), load_b(k, n.w));
    acc[0] += load_a(m_lo.x, k) * bk;
    acc[1] += load_a(m_lo.y, k) * bk;
    acc[2] += load_a(m_lo.z, k) * bk;
    acc[3] += load_a(m_lo.w, k) * bk;
    acc[4] += load_a(m_hi.x, k) * bk;
    acc[5] += load_a(m_hi.y, k) * bk;
    acc[6] += load_a(m_hi.z, k) * bk;
    acc[7] += load_a(m_hi.w, k) * bk;
  }
  for (var i = 0u; i < 8u; i++) {
    if (m0 + i >= p.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (n0 + j < p.N) { store_c(m0 + i, n0 + j, acc[i][j]); }
    }
  }
}
