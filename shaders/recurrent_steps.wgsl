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
