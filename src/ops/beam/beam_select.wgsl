// The next beam-search state (src/nn/beam.ts): from state [3, B·k] and each source's top k candidates
// (top_values, top_indices [B, k], over beam_expand's [B, k·V] rows), source b's j-th live slot takes its
// j-th best candidate: parent = the live hypothesis number index / V (in slot order), token = index mod V,
// score = the candidate's value, length = the parent's + 1, finished when token = end_token. A finished
// slot is frozen: its state is copied, it is continued by the end token, its parent is itself. Outputs the
// tokens [B·k] (the next step's input ids) and parents [B·k] (rows b·k + slot of the old state, for the
// model to reorder its states). One invocation per slot; the ranks loop over the source's k slots. CPU
// twin cpu.ts.

struct Params {
  BK: u32,          // B·k
  k: u32,           // beam width
  V: u32,           // vocabulary
  end_token: u32,
  row_stride: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> state: array<f32>;              // [3, B·k]
@group(0) @binding(2) var<storage, read> top_values: array<f32>;         // [B, k]
@group(0) @binding(3) var<storage, read> top_indices: array<f32>;        // [B, k] f32 integers < k·V
@group(0) @binding(4) var<storage, read_write> next_state: array<f32>;   // [3, B·k]
@group(0) @binding(5) var<storage, read_write> tokens: array<f32>;       // [B·k]
@group(0) @binding(6) var<storage, read_write> parents: array<f32>;      // [B·k]

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row = gid.x + gid.y * p.row_stride;
  if (row >= p.BK) { return; }
  let b = row / p.k;
  let slot = row % p.k;
  if (state[p.BK + row] != 0.0) {
    next_state[row] = state[row];
    next_state[p.BK + row] = 1.0;
    next_state[2u * p.BK + row] = state[2u * p.BK + row];
    tokens[row] = f32(p.end_token);
    parents[row] = f32(row);
    return;
  }
  var j = 0u; // live slots before this one
  for (var i = 0u; i < slot; i++) {
    if (state[p.BK + b * p.k + i] == 0.0) { j++; }
  }
  let c = u32(top_indices[b * p.k + j]);
  let parent_rank = c / p.V;
  let token = c % p.V;
  var parent = 0u;
  var seen = 0u;
  for (var i = 0u; i < p.k; i++) {
    if (state[p.BK + b * p.k + i] == 0.0) {
      if (seen == parent_rank) { parent = b * p.k + i; }
      seen++;
    }
  }
  next_state[row] = top_values[b * p.k + j];
  next_state[p.BK + row] = select(0.0, 1.0, token == p.end_token);
  next_state[2u * p.BK + row] = state[2u * p.BK + parent] + 1.0;
  tokens[row] = f32(token);
  parents[row] = f32(parent);
}
