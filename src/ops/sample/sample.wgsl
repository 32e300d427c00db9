// Sampling a token per row of logits, on the GPU (generation feeds the ids to the next step's Embedding
// without a host round trip). Row b's V logits start at row_offset + b·row_stride (the last step of a
// [T, B, V] or [B, T, V] output, or a [B, V] tensor). One workgroup per row; CPU twin cpu.ts.
//   greedy: the argmax, ties → the lowest index (torch.argmax); prob = softmax(l)[id] at temperature 1.
//   else:   p_j ∝ exp((l_j − max) / temperature) over the kept tokens: all, or with top_k those whose
//           logit is ≥ the k-th largest (ties at the k-th value all kept, as HF's top-k warper). The
//           k-th largest is found by a 32-pass radix select on order-preserving u32 keys of the logits.
//           u = (Philox4x32-10(counter = (b, step, stream, 0), key = seed) lane 0 >> 8)·2^-24 ∈ [0, 1),
//           and the token is the first j whose running sum of weights exceeds u·Σ weights; prob = p_id.
// Sums run in a fixed order (contiguous chunks per invocation, chunk partials summed in order by one
// invocation): the same token for the same inputs every time. A row with a non-finite logit gives a
// NaN id and probability (never a plausible token). The step comes from step_in[0] and step + 1 goes to
// step_out[0]: the host alternates the two buffers, so the uniforms never change from token to token.
// philox4x32_10 comes from ../philox/philox.wgsl, prepended.

struct Params {
  vocab: u32,            // V
  row_offset: u32,       // element of row 0's first logit
  row_stride: u32,       // elements between rows
  seed_lo: u32,
  seed_hi: u32,
  stream: u32,
  top_k: u32,            // 0 or ≥ V: every token
  greedy: u32,           // 1: argmax
  inv_temperature: f32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

// A power of two ≤ 256, near V: small vocabularies do not pay for idle invocations at every barrier.
override WG: u32 = 256u;
const NONE: u32 = 0xffffffffu;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;         // rows as above
@group(0) @binding(2) var<storage, read> step_in: array<u32>;        // [1] the step counter (a u32)
@group(0) @binding(3) var<storage, read_write> ids: array<f32>;      // [B] the chosen tokens
@group(0) @binding(4) var<storage, read_write> probs: array<f32>;    // [B] their probabilities
@group(0) @binding(5) var<storage, read_write> step_out: array<u32>; // [1] step + 1

var<workgroup> partial: array<f32, WG>; // max reduction, then each chunk's exclusive prefix sum
var<workgroup> count: atomic<u32>;
var<workgroup> nonfinite: atomic<u32>;
var<workgroup> pick: atomic<u32>;
var<workgroup> last_kept: atomic<u32>; // last index with a positive weight, + 1
var<workgroup> shared_u32: u32;
var<workgroup> shared_f32: f32;

// Keys that order as the floats do (negative floats reversed, positive ones above them).
fn order_key(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn is_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let base = p.row_offset + b * p.row_stride;
  let V = p.vocab;
  let step = step_in[0];
  if (b == 0u && lid == 0u) { step_out[0] = step + 1u; }
  if (lid == 0u) { atomicStore(&pick, NONE); }

  // The largest logit, and whether any is not finite.
  var m = bitcast<f32>(0xff7fffffu); // the lowest finite f32
  var bad = 0u;
  for (var j = lid; j < V; j += WG) {
    let l = logits[base + j];
    if (!is_finite(l)) { bad = 1u; }
    m = max(m, l);
  }
  partial[lid] = m;
  if (bad != 0u) { atomicOr(&nonfinite, 1u); }
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] = max(partial[lid], partial[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u) {
    shared_u32 = atomicLoad(&nonfinite);
    shared_f32 = partial[0];
  }
  let row_bad = workgroupUniformLoad(&shared_u32);
  let mx = workgroupUniformLoad(&shared_f32);
  if (row_bad != 0u) {
    if (lid == 0u) {
      let nan = bitcast<f32>(0x7fc00000u | (V & 0u)); // a quiet NaN built at run time
      ids[b] = nan;
      probs[b] = nan;
    }
    return;
  }

  // Top-k: the key of the k-th largest logit, bit by bit from the top (counts are integers: exact).
  let greedy = p.greedy != 0u;
  var threshold = 0u; // keeps every token
  if (!greedy && p.top_k > 0u && p.top_k < V) {
    var prefix = 0u;
    var remaining = p.top_k;
    for (var bit = 32u; bit > 0u; bit--) {
      let one = 1u << (bit - 1u);
      let above = ~(one | (one - 1u));
      if (lid == 0u) { atomicStore(&count, 0u); }
      workgroupBarrier();
      var c = 0u;
      for (var j = lid; j < V; j += WG) {
        let k = order_key(logits[base + j]);
        if ((k & above) == prefix && (k & one) != 0u) { c++; }
      }
      atomicAdd(&count, c);
      workgroupBarrier();
      if (lid == 0u) { shared_u32 = atomicLoad(&count); }
      let total = workgroupUniformLoad(&shared_u32);
      if (total >= remaining) { prefix |= one; } else { remaining -= total; }
    }
    threshold = prefix;
  }

  // Weights exp((l − max)·scale) of the kept tokens, summed per contiguous chunk, then chunk by chunk.
  let scale = select(p.inv_temperature, 1.0, greedy);
  let chunk = (V + WG - 1u) / WG;
  let start = min(lid * chunk, V);
  let end = min(start + chunk, V);
  var sum = 0.0;
  for (var j = start; j < end; j++) {
    let l = logits[base + j];
    if (order_key(l) >= threshold) { sum += exp((l - mx) * scale); }
  }
  workgroupBarrier(); // the max reduction's reads of partial are done
  partial[lid] = sum;
  workgroupBarrier();
  if (lid == 0u) {
    var acc = 0.0;
    for (var t = 0u; t < WG; t++) {
      let v = partial[t];
      partial[t] = acc;
      acc += v;
    }
    shared_f32 = acc;
  }
  let total = workgroupUniformLoad(&shared_f32);

  if (greedy) {
    for (var j = start; j < end; j++) {
      if (logits[base + j] == mx) {
        atomicMin(&pick, j);
        break;
      }
    }
  } else {
    let r = philox4x32_10(vec4u(b, step, p.stream, 0u), vec2u(p.seed_lo, p.seed_hi));
    let goal = f32(r.x >> 8u) * (1.0 / 16777216.0) * total;
    var acc = partial[lid];
    for (var j = start; j < end; j++) {
      let l = logits[base + j];
      if (order_key(l) < threshold) { continue; }
      let w = exp((l - mx) * scale);
      if (w > 0.0) {
        atomicMax(&last_kept, j + 1u);
        acc += w;
        if (acc > goal) {
          atomicMin(&pick, j);
          break;
        }
      }
    }
  }
  workgroupBarrier();
  if (lid == 0u) {
    var id = atomicLoad(&pick);
    // u·Σ rounded up to Σ itself: the last token with any weight (the largest logit always has weight 1).
    if (id == NONE) { id = atomicLoad(&last_kept) - 1u; }
    ids[b] = f32(id);
    probs[b] = exp((logits[base + id] - mx) * scale) / total;
  }
}
