// Matmul kernel harness, shared by the Node CLI and the benchmarks page: for every variant, validate
// against the f64 CPU reference first (sampled entries of the full-size product), then time it.
//
// Napkin math for one 1024³ matmul: 2·1024³ = 2.15 GFLOP; operands 3 × 4 MiB. At ~3 GFLOP/s (lavapipe,
// 2 cores) that is ~0.7 s, so per-dispatch overhead (~20 µs) is noise; the kernels are compute-bound.
import type { WebGpuBackend } from '../src/index.js';
import type { MatmulVariant } from '../src/core/device.js';
import { MATMUL_VARIANTS } from '../src/ops/matmul/webgpu.js';
import { Rng } from '../src/core/rng.js';

export interface MatmulRow {
  kind: 'matmul';
  variant: MatmulVariant;
  M: number;
  N: number;
  K: number;
  ms_median: number;
  ms_min: number;
  gflops: number;
  max_abs_err: number;
  reps: number;
}

export interface MatmulBenchOptions {
  sizes: number[];
  reps: number;
  variants?: readonly MatmulVariant[];
  /** Called after each timed repetition of a variant (`rep` from 0 of `reps`): the CLI's progress line. */
  onRep?: (e: { size: number; variant: MatmulVariant; rep: number }) => void;
}

const SAMPLES = 512;
const TOL = { atol: 1e-4, rtol: 1e-4 }; // K ≤ 2048 products of [-1, 1] values in f32

export async function runMatmulBench(
  ctx: WebGpuBackend,
  opts: MatmulBenchOptions,
  emit: (row: MatmulRow) => void,
): Promise<MatmulRow[]> {
  const rows: MatmulRow[] = [];
  const original = ctx.matmulVariant;
  for (const n of opts.sizes) {
    const rng = new Rng(n);
    const aData = Float32Array.from(rng.uniformArray(n * n));
    const bData = Float32Array.from(rng.uniformArray(n * n));
    const a = ctx.tensor(aData, [n, n]);
    const b = ctx.tensor(bData, [n, n]);
    const c = ctx.zeros([n, n]);
    for (const variant of opts.variants ?? MATMUL_VARIANTS) {
      ctx.matmulVariant = variant;
      ctx.matmul(a, b, { out: c });
      const got = await ctx.read(c);
      // Validate sampled entries against an f64 dot product of the same f32 inputs.
      let maxErr = 0;
      for (let s = 0; s < SAMPLES; s++) {
        const i = rng.int(n);
        const j = rng.int(n);
        let ref = 0;
        for (let k = 0; k < n; k++) ref += aData[i * n + k] * bData[k * n + j];
        const err = Math.abs(got[i * n + j] - ref);
        maxErr = Math.max(maxErr, err);
        if (!(err <= TOL.atol * Math.sqrt(n) + TOL.rtol * Math.abs(ref))) {
          throw new Error(
            `matmul_${variant} ${n}³: C[${i},${j}] = ${got[i * n + j]}, reference ${ref}; not timing a wrong kernel`,
          );
        }
      }
      const times: number[] = [];
      for (let r = 0; r < opts.reps; r++) {
        const t0 = performance.now();
        ctx.matmul(a, b, { out: c });
        await ctx.sync();
        times.push(performance.now() - t0);
        opts.onRep?.({ size: n, variant, rep: r });
      }
      times.sort((x, y) => x - y);
      const median = times[Math.floor(times.length / 2)];
      const row: MatmulRow = {
        kind: 'matmul',
        variant,
        M: n,
        N: n,
        K: n,
        ms_median: round(median),
        ms_min: round(times[0]),
        gflops: round((2 * n ** 3) / (median * 1e6)),
        max_abs_err: maxErr,
        reps: opts.reps,
      };
      rows.push(row);
      emit(row);
    }
    for (const t of [a, b, c]) t.release();
  }
  ctx.matmulVariant = original;
  return rows;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
