// RNN backward, the GPU-shaped persistent kernel: ONE workgroup runs every step. Each step stages
// δ_src of every (d, b) in workgroup memory, then one invocation per output (d, b, j) computes
// Σ_k δ_src[d][b][k] · whh[d][k][j] with whh = W_hh as stored [D, H (k), H (j)] (neighbouring j,
// neighbouring addresses) and runs the epilogue; a storage barrier separates the steps.
// Prepended on the host: rnn_backward.wgsl (parameters, bindings, epilogue).

override UNITS: u32 = 64u; // D·B·H: the staged δ_src, and the outputs of a step

var<workgroup> delta_stage: array<f32, UNITS>; // [D, B, H]

@compute @workgroup_size(WG)
fn sequence(@builtin(local_invocation_index) lid: u32) {
  for (var s = 0u; s <= p.T; s++) {
    for (var i = lid; i < UNITS; i += WG) {
      var v = 0.0;
      if (s > 0u) { v = delta_src(s, i / (p.H * p.B), (i / p.H) % p.B, i % p.H); }
      delta_stage[i] = v;
    }
    workgroupBarrier();
    for (var i = lid; i < UNITS; i += WG) {
      let j = i % p.H;
      let db = i / p.H; // d·B + b
      let d = db / p.B;
      var acc = 0.0;
      for (var k = 0u; k < p.H; k++) { acc += delta_stage[db * p.H + k] * whh[(d * p.H + k) * p.H + j]; }
      rnn_cell_grad(s, d, db % p.B, j, acc);
    }
    storageBarrier();
  }
}
