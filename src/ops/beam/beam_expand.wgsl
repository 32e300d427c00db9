// The candidates of one beam-search step (src/nn/beam.ts): state [3, B·k] (summed log-probabilities,
// finished flags, lengths) and the step's log-probabilities [B·k, V] → candidates [B, k·V]. Source b's
// j-th live hypothesis (in slot order) puts score + log p(v) at j·V + v; its finished slots fill the rows
// after the live ones with −Infinity. A top-k over each row then ranks live expansions by score, ties to
// the lower slot, then the lower token id, and reaches a finished slot's −Infinity only after every live
// candidate. One invocation per (b, slot, v); the ranks loop over the source's k slots. CPU twin cpu.ts.

struct Params {
  n: u32,           // B·k·V
  k: u32,           // beam width
  V: u32,           // vocabulary
  BK: u32,          // B·k
  row_stride: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> state: array<f32>;               // [3, B·k]
@group(0) @binding(2) var<storage, read> log_probs: array<f32>;           // [B·k, V]
@group(0) @binding(3) var<storage, read_write> candidates: array<f32>;    // [B, k·V]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let e = gid.x + gid.y * p.row_stride;
  if (e >= p.n) { return; }
  let row = e / p.V; // b·k + slot
  let v = e % p.V;
  let b = row / p.k;
  let slot = row % p.k;
  let done = state[p.BK + row] != 0.0;
  var rank = 0u; // among the source's slots of the same kind before this one
  var live = 0u;
  for (var i = 0u; i < p.k; i++) {
    let other = state[p.BK + b * p.k + i] != 0.0;
    if (!other) { live++; }
    if (i < slot && other == done) { rank++; }
  }
  let at = select(rank, live + rank, done);
  let value = state[row] + log_probs[row * p.V + v];
  let neg_inf = bitcast<f32>(0xff800000u | (p.V & 0u)); // built at run time: a constant infinity is refused
  candidates[b * p.k * p.V + at * p.V + v] = select(value, neg_inf, done);
}
