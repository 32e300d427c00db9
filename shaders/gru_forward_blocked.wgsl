// GRU forward step, register-blocked variant (the default on CPU-backed adapters): one invocation
// computes the three gates and h of BB batch rows × 4 consecutive units, streaming h_{t-1} and
// whh = W_hh transposed [D, H (k), 3H (gate rows)] (the 4 units of each gate are contiguous).
// Prepended on the host: gru_forward.wgsl (parameters, bindings, epilogue) and recurrent_grid.wgsl
// (the block grid and the entry points `step` and `sequence`).

override BB: u32 = 2u; // batch rows per invocation: 1 or 2 (three gates × 4 units × BB rows of accumulators)

// W_hh·h_{t-1} of 4 units for one batch row, per gate (PyTorch order r, z, n).
struct GateAcc {
  r: vec4f,
  z: vec4f,
  n: vec4f,
}

fn cell_block(s: u32, block: u32) {
  let H = p.H;
  let G = 3u * H;
  let origin = block_origin(block);
  let j0 = origin.x;
  let b0 = origin.y;
  let d = origin.z;
  let prev = prev_row(forward_time(s, d), d) * p.B * p.D * H; // element offset of the previous step's row
  let j = block_units(j0);
  let b = min(vec2u(b0, b0 + 1u), vec2u(p.B - 1u));
  var r0 = GateAcc(vec4f(0.0), vec4f(0.0), vec4f(0.0));
  var r1 = GateAcc(vec4f(0.0), vec4f(0.0), vec4f(0.0));
  if (s > 0u || p.has_init != 0u) {
    for (var k = 0u; k < H; k++) {
      let row = (d * H + k) * G;
      let wr = vec4f(whh[row + j.x], whh[row + j.y], whh[row + j.z], whh[row + j.w]);
      let wz = vec4f(whh[row + H + j.x], whh[row + H + j.y], whh[row + H + j.z], whh[row + H + j.w]);
      let wn = vec4f(whh[row + 2u * H + j.x], whh[row + 2u * H + j.y], whh[row + 2u * H + j.z], whh[row + 2u * H + j.w]);
      let h0k = h_prev(s, d, b.x, k, prev);
      r0.r += h0k * wr;
      r0.z += h0k * wz;
      r0.n += h0k * wn;
      if (BB > 1u) {
        let h1k = h_prev(s, d, b.y, k, prev);
        r1.r += h1k * wr;
        r1.z += h1k * wz;
        r1.n += h1k * wn;
      }
    }
  }
  let rows = array<GateAcc, 2>(r0, r1);
  for (var r = 0u; r < BB; r++) {
    let bi = b0 + r;
    if (bi >= p.B) { break; }
    let acc = rows[r];
    for (var c = 0u; c < 4u; c++) {
      let ji = j0 + c;
      if (ji >= H) { break; }
      gru_cell_out(s, d, bi, ji, vec3f(acc.r[c], acc.z[c], acc.n[c]));
    }
  }
}
