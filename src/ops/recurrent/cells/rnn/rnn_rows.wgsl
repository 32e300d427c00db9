// RNN forward and backward, the GPU-shaped persistent kernel: ONE workgroup runs every step (small B·H).
// Each step stages the pass's source (h_{t-1} forward, δ_src backward) of every (d, b) in workgroup
// memory, then one invocation per output (d, b, j) computes Σ_k src[d][b][k] · whh[d][k][j] with
// whh = [D, H (k), H (j)] (W_hh transposed forward, as stored backward), so neighbouring invocations
// (neighbouring j) read neighbouring addresses (coalesced), and runs the epilogue; a storage barrier
// separates the steps. Prepended on the host: rnn_forward.wgsl or rnn_backward.wgsl (parameters,
// bindings, epilogue; has_source, source and rec_out).

override UNITS: u32 = 64u; // D·B·H: the staged source, and the outputs of a step

var<workgroup> stage: array<f32, UNITS>; // [D, B, H]

@compute @workgroup_size(WG)
fn sequence(@builtin(local_invocation_index) lid: u32) {
  for (var s = 0u; s < step_count(); s++) {
    for (var i = lid; i < UNITS; i += WG) {
      var v = 0.0;
      if (has_source(s)) { v = source(s, i / (p.H * p.B), (i / p.H) % p.B, i % p.H); }
      stage[i] = v;
    }
    workgroupBarrier();
    for (var i = lid; i < UNITS; i += WG) {
      let j = i % p.H;
      let db = i / p.H; // d·B + b
      let d = db / p.B;
      var acc = 0.0;
      for (var k = 0u; k < p.H; k++) { acc += stage[db * p.H + k] * whh[(d * p.H + k) * p.H + j]; }
      rec_out(s, d, db % p.B, j, acc);
    }
    storageBarrier();
  }
}
