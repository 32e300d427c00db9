// Time bookkeeping shared by every recurrent kernel variant (prepended on the host). Step s of a
// dispatch runs both directions: forward in time for d = 0, backward in time for d = 1.

// Forward pass: the time step that step s computes (t = s for d = 0, T-1-s for d = 1).
fn forward_time(s: u32, d: u32) -> u32 { return select(p.T - 1u - s, s, d == 0u); }

// The padded-sequence row holding direction d's previous state for time t (row r = time r-1; rows 0
// and T+1 hold the initial state): row t going forward, row t+2 going backward.
fn prev_row(t: u32, d: u32) -> u32 { return select(t + 2u, t, d == 0u); }

// Backward pass: the time step that step s computes (reverse of the forward order).
fn backward_time(s: u32, d: u32) -> u32 { return select(s, p.T - 1u - s, d == 0u); }

// Backward pass: the time step whose δ feeds step s (the one processed just before; at s = T, the
// direction's first step, whose W_hhᵀ δ is dh0).
fn source_time(s: u32, d: u32) -> u32 {
  if (s == p.T) { return select(p.T - 1u, 0u, d == 0u); }
  let t = backward_time(s, d);
  return select(t - 1u, t + 1u, d == 0u);
}

// Variable lengths (MASKED: a separate pipeline, compiled only for a batch run with lengths): each pass
// file defines lengths_off(), the element of seq where the [B] lengths (f32) follow its sequences. At
// (t, b) with t ≥ len[b] the state is carried unchanged and, in BPTT, δ = 0.
override MASKED: bool = false;

fn row_length(b: u32) -> u32 { return u32(seq[lengths_off() + b]); }

// Whether step t of batch row b is past the row's length (never without MASKED).
fn padded(t: u32, b: u32) -> bool { return MASKED && t >= row_length(b); }

// Backward pass: whether t is row b's last valid step in direction d's own order, where dL/dh_N enters
// (step 0 of the backward pass without lengths; t = len[b]−1 going forward in time with them).
fn row_last(s: u32, t: u32, d: u32, b: u32) -> bool {
  if (MASKED && d == 0u) { return t + 1u == row_length(b); }
  return s == 0u;
}

// Backward pass: source_time per batch row. At s = T (dh0) the backward direction's first step is
// t = len[b]−1 with lengths: the steps after it carried h0 unchanged.
fn source_time_row(s: u32, d: u32, b: u32) -> u32 {
  if (MASKED && s == p.T && d == 1u) { return row_length(b) - 1u; }
  return source_time(s, d);
}
