// Backward of the gated cells (LSTM, GRU, …: GATES gate rows per unit), the GPU-shaped persistent kernel:
// ONE workgroup runs every step. Each step stages δ_src (the gates' rows) of every (d, b) in workgroup
// memory, then one invocation per unit (d, b, j) computes Σ_r δ_src[d][b][r] · whh[d][r][j] with whh = W_hh as stored [D, GATES·H (r), H (j)] (neighbouring
// j, neighbouring addresses) and runs the fused epilogue; a storage barrier separates the steps.
// Prepended on the host: the cell's backward file (cells/<cell>/<cell>_backward.wgsl: parameters,
// bindings, epilogue).

override UNITS: u32 = 64u; // D·B·H: the units of a step
override ROWS: u32 = 256u; // D·B·GATES·H: the staged δ_src

var<workgroup> delta_stage: array<f32, ROWS>; // [D, B, GATES·H]

@compute @workgroup_size(WG)
fn sequence(@builtin(local_invocation_index) lid: u32) {
  let G = GATES * p.H;
  for (var s = 0u; s <= p.T; s++) {
    for (var i = lid; i < ROWS; i += WG) {
      var v = 0.0;
      if (s > 0u) { v = delta_src(s, i / (G * p.B), (i / G) % p.B, i % G); }
      delta_stage[i] = v;
    }
    workgroupBarrier();
    for (var i = lid; i < UNITS; i += WG) {
      let j = i % p.H;
      let db = i / p.H; // d·B + b
      let d = db / p.B;
      var acc = 0.0;
      for (var r = 0u; r < G; r++) { acc += delta_stage[db * G + r] * whh[(d * G + r) * p.H + j]; }
      cell_grad(s, d, db % p.B, j, acc);
    }
    storageBarrier();
  }
}
