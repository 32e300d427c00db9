// The recurrent kernel harness (bench:kernels --recurrent) on a small layer: every variant validated
// against the CPU twin on both paths before it is timed, one row each, the path 'auto' picks marked.
import { describe, expect, it } from 'vitest';
import { availableVariants, recurrentTable, runRecurrentBench } from '../../bench/recurrent_harness.js';
import { useGpu } from '../helpers.js';

const { gpu } = useGpu();

describe('recurrent kernel harness', () => {
  it('validates and times every variant on both paths', async () => {
    const g = gpu();
    const before = g.recurrentVariant;
    const size = { name: 'bilstm-small', cell: 'lstm' as const, B: 3, T: 5, I: 2, H: 7, D: 2 as const };
    const rows = await runRecurrentBench(g, { sizes: [size], reps: 1 }, () => {});
    console.log(recurrentTable(rows));
    expect(rows.map((r) => `${r.variant} ${r.path}`)).toEqual(
      availableVariants(g).flatMap((v) => [`${v} step`, `${v} persistent`]),
    );
    for (const r of rows) {
      expect(r.max_err_over_tol).toBeLessThanOrEqual(1);
      expect(r.fwd_ms).toBeGreaterThan(0);
      expect(r.bwd_ms).toBeGreaterThan(0);
    }
    // Per variant, exactly one of the two paths is the one 'auto' picks.
    for (const v of availableVariants(g)) expect(rows.filter((r) => r.variant === v && r.auto)).toHaveLength(1);
    expect(g.recurrentVariant).toBe(before);
  });
});
