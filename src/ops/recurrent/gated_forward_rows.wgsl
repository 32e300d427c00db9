// Forward of the gated cells (LSTM, GRU, …: GATES gate rows per unit), the GPU-shaped persistent kernel:
// ONE workgroup runs every step (small B·H). Each step stages h_{t-1} of every (d, b) in workgroup memory;
// one invocation per gate row (d, b, r) computes Σ_k h_{t-1}[d][b][k] · whh[d][k][r] with whh = W_hh
// transposed [D, H (k), GATES·H (r)], so neighbouring invocations (neighbouring r) read neighbouring
// addresses (coalesced), into workgroup memory; then one invocation per unit (d, b, j) runs the fused epilogue; a storage barrier separates the steps.
// Prepended on the host: the cell's forward file (cells/<cell>/<cell>_forward.wgsl: parameters,
// bindings, epilogue).

override UNITS: u32 = 64u; // D·B·H: the staged h_{t-1}, and the units of a step
override ROWS: u32 = 256u; // D·B·GATES·H: the gate rows of a step

var<workgroup> h_stage: array<f32, UNITS>;   // [D, B, H]
var<workgroup> rec_stage: array<f32, ROWS>;  // [D, B, GATES·H] W_hh h_{t-1}

@compute @workgroup_size(WG)
fn sequence(@builtin(local_invocation_index) lid: u32) {
  let H = p.H;
  let G = GATES * H;
  for (var s = 0u; s < p.T; s++) {
    let has_prev = s > 0u || p.has_init != 0u;
    for (var i = lid; i < UNITS; i += WG) {
      let k = i % H;
      let b = (i / H) % p.B;
      let d = i / (H * p.B);
      var h = 0.0;
      if (has_prev) { h = h_prev(s, d, b, k, prev_row(forward_time(s, d), d) * p.B * p.D * H); }
      h_stage[i] = h;
    }
    workgroupBarrier();
    for (var i = lid; i < ROWS; i += WG) {
      let r = i % G;
      let db = i / G; // d·B + b
      let d = db / p.B;
      var acc = 0.0;
      for (var k = 0u; k < H; k++) { acc += h_stage[db * H + k] * whh[(d * H + k) * G + r]; }
      rec_stage[i] = acc;
    }
    workgroupBarrier();
    for (var i = lid; i < UNITS; i += WG) {
      let j = i % H;
      let db = i / H;
      let o = db * G + j;
      var rec: Gates;
      for (var gate = 0u; gate < GATES; gate++) { rec[gate] = rec_stage[o + gate * H]; }
      cell_out(s, db / p.B, db % p.B, j, rec);
    }
    storageBarrier();
  }
}
