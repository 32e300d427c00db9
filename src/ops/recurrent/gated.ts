// The kernel bodies every gated cell (LSTM, GRU, …) shares: G gate rows per unit, the cell's forward
// epilogue cell_out(s, d, b, j, rec: Gates) and backward epilogue cell_grad(s, d, b, j, rec) supplied by its
// pass files (which also define GATES, the Gates vector, delta_row / delta_src and lengths_off).
import type { CellBodies } from './cell.js';
import gatedForwardBlocked from './gated_forward_blocked.wgsl?raw';
import gatedForwardSplit from './gated_forward_split.wgsl?raw';
import gatedForwardRows from './gated_forward_rows.wgsl?raw';
import gatedBackwardBlocked from './gated_backward_blocked.wgsl?raw';
import gatedBackwardSplit from './gated_backward_split.wgsl?raw';
import gatedBackwardRows from './gated_backward_rows.wgsl?raw';

export const GATED_BODIES: CellBodies = {
  forward: { blocked: gatedForwardBlocked, split: gatedForwardSplit, rows: gatedForwardRows },
  backward: { blocked: gatedBackwardBlocked, split: gatedBackwardSplit, rows: gatedBackwardRows },
  maxBatchBlock: 2, // G gates × 4 units × 2 rows of accumulators (8 for an LSTM, as many as matmul_blocked keeps)
  stagedPerUnit: (G) => 1 + G, // h_{t-1} and the G gate rows
  rowsConstant: true,
};
