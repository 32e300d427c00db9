// The k largest entries of each row of x [R, N], descending, ties to the lowest index (beam search ranks
// k·V candidates with it). One workgroup per row. Entries are compared through order-preserving u32 keys
// (every NaN mapped to the top key, so NaN ranks above +Infinity as in torch.topk; −0 ties with +0). A
// 32-pass radix select finds the key K of the k-th largest entry (counts are integers: exact); then each
// entry with key ≥ K counts the entries ranked before it (a larger key, or the same key at a lower index)
// and, when that rank is below k, writes itself at that rank. Cost O(32·N + (k + ties at K)·N) per row.
// CPU twin cpu.ts.

struct Params {
  N: u32,          // entries per row
  k: u32,          // 1 ≤ k ≤ N
  R: u32,          // rows
  row_groups: u32, // workgroups per row of the dispatch grid (rows past the per-dimension limit wrap)
}

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;                // [R, N]
@group(0) @binding(2) var<storage, read_write> values: array<f32>;     // [R, k]
@group(0) @binding(3) var<storage, read_write> indices: array<f32>;    // [R, k] f32 integers

var<workgroup> count: atomic<u32>;
var<workgroup> shared_u32: u32;

fn order_key(v: f32) -> u32 {
  var b = bitcast<u32>(v);
  if (b == 0x80000000u) { b = 0u; } // −0 ties with +0
  if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0u) { return 0xffffffffu; } // NaN
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * p.row_groups;
  if (r >= p.R) { return; }
  let base = r * p.N;
  let N = p.N;

  // The key of the k-th largest entry, bit by bit from the top.
  var prefix = 0u;
  var remaining = p.k;
  for (var bit = 32u; bit > 0u; bit--) {
    let one = 1u << (bit - 1u);
    let above = ~(one | (one - 1u));
    if (lid == 0u) { atomicStore(&count, 0u); }
    workgroupBarrier();
    var c = 0u;
    for (var j = lid; j < N; j += WG) {
      let key = order_key(x[base + j]);
      if ((key & above) == prefix && (key & one) != 0u) { c++; }
    }
    atomicAdd(&count, c);
    workgroupBarrier();
    if (lid == 0u) { shared_u32 = atomicLoad(&count); }
    let total = workgroupUniformLoad(&shared_u32);
    if (total >= remaining) { prefix |= one; } else { remaining -= total; }
  }

  for (var j = lid; j < N; j += WG) {
    let key = order_key(x[base + j]);
    if (key < prefix) { continue; }
    var rank = 0u;
    for (var i = 0u; i < N && rank < p.k; i++) {
      let other = order_key(x[base + i]);
      if (other > key || (other == key && i < j)) { rank++; }
    }
    if (rank < p.k) {
      values[r * p.k + rank] = x[base + j];
      indices[r * p.k + rank] = f32(j);
    }
  }
}
