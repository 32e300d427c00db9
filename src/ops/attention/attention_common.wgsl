// Shared by the attention kernels: where step t of batch row b sits in a sequence tensor of `steps` steps,
// [steps, B, ·] time-major or [B, steps, ·] with BATCH_FIRST; weights and scores are [B, T, S] row-major.

override BATCH_FIRST: bool = false;

fn seq_row(t: u32, b: u32, steps: u32, B: u32) -> u32 {
  if (BATCH_FIRST) { return b * steps + t; }
  return t * B + b;
}
