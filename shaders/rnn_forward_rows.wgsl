// RNN forward, the GPU-shaped persistent kernel: ONE workgroup runs every step (small B·H). Each step
// stages h_{t-1} of every (d, b) in workgroup memory, then one invocation per output (d, b, j) computes
// Σ_k h_{t-1}[d][b][k] · whh[d][k][j] with whh = W_hh transposed [D, H (k), H (j)], so neighbouring
// invocations (neighbouring j) read neighbouring addresses (coalesced), and runs the epilogue; a storage
// barrier separates the steps. Prepended on the host: rnn_forward.wgsl (parameters, bindings, epilogue).

override UNITS: u32 = 64u; // D·B·H: the staged h_{t-1}, and the outputs of a step

var<workgroup> h_stage: array<f32, UNITS>; // [D, B, H]

@compute @workgroup_size(WG)
fn sequence(@builtin(local_invocation_index) lid: u32) {
  for (var s = 0u; s < p.T; s++) {
    let has_prev = s > 0u || p.has_init != 0u;
    for (var i = lid; i < UNITS; i += WG) {
      let k = i % p.H;
      let b = (i / p.H) % p.B;
      let d = i / (p.H * p.B);
      var h = 0.0;
      if (has_prev) { h = h_prev(s, d, b, k, prev_row(forward_time(s, d), d)); }
      h_stage[i] = h;
    }
    workgroupBarrier();
    for (var i = lid; i < UNITS; i += WG) {
      let j = i % p.H;
      let db = i / p.H; // d·B + b
      let d = db / p.B;
      var acc = 0.0;
      for (var k = 0u; k < p.H; k++) { acc += h_stage[db * p.H + k] * whh[(d * p.H + k) * p.H + j]; }
      rnn_cell_out(s, d, db % p.B, j, acc);
    }
    storageBarrier();
  }
}
