// Forward step of the gated cells (LSTM, GRU, …: GATES gate rows per unit), register-blocked variant (the
// default on CPU-backed adapters): one invocation computes the GATES gates and the cell's outputs of BB
// batch rows × 4 consecutive units, streaming h_{t-1} and whh = W_hh transposed [D, H (k), GATES·H (gate
// rows)] (the 4 units of each gate are contiguous).
// Prepended on the host: the cell's forward file (cells/<cell>/<cell>_forward.wgsl: parameters,
// bindings, epilogue) and recurrent_grid.wgsl (the block grid and the entry points `step` and `sequence`).

override BB: u32 = 2u; // batch rows per invocation: 1 or 2 (GATES × 4 units × BB rows of accumulators)

fn cell_block(s: u32, block: u32) {
  let H = p.H;
  let G = GATES * H;
  let origin = block_origin(block);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  let prev = prev_row(forward_time(s, d), d) * p.B * p.D * H; // element offset of the previous step's row
  let j = block_units(j0);
  let b = min(vec2u(b0, b0 + 1u), vec2u(p.B - 1u));
  // W_hh·h_{t-1} of 4 units for one batch row, per gate (the cell's gate order).
  var r0: array<vec4f, GATES>;
  var r1: array<vec4f, GATES>;
  if (s > 0u || p.has_init != 0u) {
    for (var k = 0u; k < H; k++) {
      let row = (d * H + k) * G;
      let h0k = h_prev(s, d, b.x, k, prev);
      var h1k = 0.0;
      if (BB > 1u) { h1k = h_prev(s, d, b.y, k, prev); }
      for (var gate = 0u; gate < GATES; gate++) {
        let g = row + gate * H;
        let w = vec4f(whh[g + j.x], whh[g + j.y], whh[g + j.z], whh[g + j.w]);
        r0[gate] += h0k * w;
        if (BB > 1u) { r1[gate] += h1k * w; }
      }
    }
  }
  let rows = array<array<vec4f, GATES>, 2>(r0, r1);
  for (var r = 0u; r < BB; r++) {
    let bi = b0 + r;
    if (bi >= p.B) { break; }
    let acc = rows[r];
    for (var c = 0u; c < 4u; c++) {
      let ji = j0 + c;
      if (ji >= H) { break; }
      var rec: Gates;
      for (var gate = 0u; gate < GATES; gate++) { rec[gate] = acc[gate][c]; }
      cell_out(s, d, bi, ji, rec);
    }
  }
}
