// Recurrent kernel harness (bench/kernels.ts --recurrent): for every variant of the recurrent step kernels
// and every layer size, validate one layer call — recurrentLayerForward and recurrentLayerBackward, both
// time-loop paths (the persistent one where one workgroup can step the size) — against the f64 CPU twin first (at the full B, I, H and a short T), then time the
// layer call per path, so a kernel regression shows up as a kernel.
//
// Napkin math, one LSTM layer B32 T64 I64 H256 (the `lstm` workload): the recurrent product is
// T·B·4H·H = 537M multiply-adds forward (the same backward), the input projection T·B·4H·I = 134M; W_hh is
// 1 MiB, read once per step per tile row (B/BR times on the split kernels). At lavapipe's ~8 GFLOP/s that
// is ~170 ms forward; on an H100 the work per step is ~8M MACs, so a step is latency-bound (~5–10 µs).
import type { CellKind, RecurrentConfig, RecurrentWeights, Backend, WebGpuBackend } from '../src/index.js';
import { CpuBackend, ValueError } from '../src/index.js';
import { Rng } from '../src/core/rng.js';
import { toActivation } from '../src/ops/activation/spec.js';
import { cellOf } from '../src/ops/recurrent/cells/index.js';
import { RECURRENT_VARIANTS, type RecurrentVariant } from '../src/ops/recurrent/webgpu.js';

export interface RecurrentSize {
  name: string;
  cell: CellKind;
  B: number;
  T: number;
  I: number;
  H: number;
  D: 1 | 2;
  /** Only with --large (too big for a software adapter). */
  large?: boolean;
}

/** The recurrent layers of bench/workloads.ts (the first layer of each), plus the B8 H128 LSTM of the H100 probe. */
export const RECURRENT_SIZES: RecurrentSize[] = [
  { name: 'elman-tanh', cell: 'rnn', B: 32, T: 64, I: 64, H: 256, D: 1 },
  { name: 'birnn-tanh', cell: 'rnn', B: 32, T: 64, I: 64, H: 256, D: 2 },
  { name: 'lstm', cell: 'lstm', B: 32, T: 64, I: 64, H: 256, D: 1 },
  { name: 'lstm-small-batch', cell: 'lstm', B: 1, T: 256, I: 32, H: 128, D: 1 },
  { name: 'lstm-b8-h128', cell: 'lstm', B: 8, T: 128, I: 32, H: 128, D: 1 },
  { name: 'lstm-large', cell: 'lstm', B: 64, T: 128, I: 512, H: 1024, D: 1, large: true },
  { name: 'gru', cell: 'gru', B: 32, T: 64, I: 64, H: 256, D: 1 },
];

export interface RecurrentRow {
  kind: 'recurrent';
  variant: RecurrentVariant;
  size: string;
  cell: CellKind;
  B: number;
  T: number;
  I: number;
  H: number;
  D: number;
  path: 'step' | 'persistent';
  /** The path 'auto' would pick for this size and variant. */
  auto: boolean;
  fwd_ms: number;
  bwd_ms: number;
  /** The largest |GPU − CPU twin| / (atol + rtol·|twin|) in validation (≤ 1 passes). */
  max_err_over_tol: number;
  reps: number;
}

export interface RecurrentBenchOptions {
  sizes: RecurrentSize[];
  reps: number;
  variants?: readonly RecurrentVariant[];
  /** Called after each round of a path (`rep` from 0 to reps; round 0 warms up): the CLI's progress line. */
  onRep?: (e: { size: string; variant: RecurrentVariant; path: 'step' | 'persistent'; rep: number }) => void;
  /** Where a skipped path is reported (default console.error). */
  log?: (line: string) => void;
}

const VALIDATE_T = 4;
// The persistent path runs a whole layer on ONE workgroup: past this much recurrent work per step
// (D·B·G·H² multiply-adds, 32× the GPU threshold) a step takes milliseconds there and the layer
// seconds to minutes, so such sizes get only the per-step row.
const PERSISTENT_MAX_WORK = 1 << 22;
// f32 kernels vs the f64 twin over a few steps: each value within atol + rtol·|ref|.
const TOL = { atol: 1e-4, rtol: 1e-3 };

/** One layer's tensors on a backend, from a seed: weights, input, initial states, upstream gradients. */
function layer(be: Backend, s: RecurrentSize, T: number) {
  const rng = new Rng(s.H * 7 + s.B);
  const G = cellOf(s.cell).G;
  const { B, I, H, D } = s;
  const k = 1 / Math.sqrt(H);
  const t = (shape: number[], scale = 1) =>
    be.tensor(
      rng.uniformArray(
        shape.reduce((a, b) => a * b, 1),
        -scale,
        scale,
      ),
      shape,
    );
  const w: RecurrentWeights = {
    wih: t([D * G * H, I], k),
    whh: t([D * G * H, H], k),
    bih: t([D * G * H], k),
    bhh: t([D * G * H], k),
  };
  const grads: RecurrentWeights = {
    wih: be.zeros([D * G * H, I]),
    whh: be.zeros([D * G * H, H]),
    bih: be.zeros([D * G * H]),
    bhh: be.zeros([D * G * H]),
  };
  const S = D * B * H;
  const lstm = s.cell === 'lstm';
  // [h; c] in one tensor for an LSTM (the GPU binds both as one buffer).
  const states = (data: boolean) => (data ? t([lstm ? 2 * S : S]) : be.zeros([lstm ? 2 * S : S]));
  const slices = (x: ReturnType<typeof states>) => ({
    h: { tensor: x, offset: 0 },
    ...(lstm ? { c: { tensor: x, offset: S } } : {}),
  });
  const init = states(true);
  const final = states(false);
  const dFinal = states(true);
  const dInit = states(false);
  const x = t([T, B, I]);
  const dOut = t([T, B, D * H]);
  const config: RecurrentConfig = { cell: s.cell, D, H, activation: toActivation('activation', 'tanh') };
  return {
    forward: (path: RecurrentConfig['path']) =>
      be.recurrentLayerForward(x, w, { ...config, path }, slices(init), slices(final)),
    backward: (cache: ReturnType<Backend['recurrentLayerForward']>) =>
      be.recurrentLayerBackward(cache, dOut, slices(dFinal), grads, slices(dInit), true),
    outputs: [final, dInit, grads.wih, grads.whh, grads.bih!, grads.bhh!],
    release: () =>
      [x, dOut, init, final, dFinal, dInit, ...Object.values(w), ...Object.values(grads)].forEach((u) => u.release()),
  };
}

/** Layer output, final states, dInput, initial-state and weight gradients of one forward + backward. */
async function layerResults(be: Backend, s: RecurrentSize, path: RecurrentConfig['path']): Promise<Float64Array[]> {
  const l = layer(be, s, VALIDATE_T);
  const cache = l.forward(path);
  const dx = l.backward(cache)!;
  const out = await be.readMany([cache.output, dx, ...l.outputs]);
  cache.release();
  dx.release();
  l.release();
  return out;
}

/** The largest |got − ref| / (atol + rtol·|ref|) over every value (≤ 1 passes); throws on a mismatch. */
function check(label: string, got: Float64Array[], ref: Float64Array[]): number {
  const names = ['output', 'dInput', 'final states', 'initial-state grads', 'dW_ih', 'dW_hh', 'db_ih', 'db_hh'];
  let worst = 0;
  got.forEach((g, a) => {
    for (let i = 0; i < g.length; i++) {
      const ratio = Math.abs(g[i] - ref[a][i]) / (TOL.atol + TOL.rtol * Math.abs(ref[a][i]));
      if (!(ratio <= 1))
        throw new Error(`${label}: ${names[a]}[${i}] = ${g[i]}, CPU twin ${ref[a][i]}; not timing a wrong kernel`);
      worst = Math.max(worst, ratio);
    }
  });
  return worst;
}

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] * 1000) / 1000;
}

/** The variants this adapter runs: split-subgroup only with the subgroups feature. */
export function availableVariants(ctx: WebGpuBackend): RecurrentVariant[] {
  return RECURRENT_VARIANTS.filter((v) => v !== 'split-subgroup' || ctx.device.features.has('subgroups'));
}

export async function runRecurrentBench(
  ctx: WebGpuBackend,
  opts: RecurrentBenchOptions,
  emit: (row: RecurrentRow) => void,
): Promise<RecurrentRow[]> {
  const cpu = new CpuBackend();
  const rows: RecurrentRow[] = [];
  const original = ctx.recurrentVariant;
  const log = opts.log ?? ((line: string) => console.error(line));
  for (const s of opts.sizes) {
    const ref = await layerResults(cpu, s, 'auto');
    for (const variant of opts.variants ?? availableVariants(ctx)) {
      ctx.recurrentVariant = variant;
      const config: RecurrentConfig = { cell: s.cell, D: s.D, H: s.H, activation: toActivation('activation', 'tanh') };
      const auto = ctx.recurrentPlan(config, s).persistent;
      const work = s.D * s.B * cellOf(s.cell).G * s.H * s.H;
      for (const path of ['step', 'persistent'] as const) {
        if (path === 'persistent' && work > PERSISTENT_MAX_WORK) {
          log(
            `${variant} ${s.name}: no persistent row (${work} multiply-adds per step > ${PERSISTENT_MAX_WORK} for one workgroup)`,
          );
          continue;
        }
        try {
          ctx.recurrentPlan({ ...config, path }, s);
        } catch (e) {
          if (!(e instanceof ValueError)) throw e;
          log(`${variant} ${s.name}: no persistent row (${e.message})`);
          continue;
        }
        const worst = check(`${variant} ${s.name} ${path}`, await layerResults(ctx, s, path), ref);
        const l = layer(ctx, s, s.T);
        const fwd: number[] = [];
        const bwd: number[] = [];
        for (let r = 0; r < opts.reps + 1; r++) {
          // The first round compiles and warms up; it is not timed.
          await ctx.sync();
          const t0 = performance.now();
          const cache = l.forward(path);
          await ctx.sync();
          const t1 = performance.now();
          l.backward(cache)!.release();
          await ctx.sync();
          const t2 = performance.now();
          cache.release();
          if (r > 0) {
            fwd.push(t1 - t0);
            bwd.push(t2 - t1);
          }
          opts.onRep?.({ size: s.name, variant, path, rep: r });
        }
        l.release();
        const row: RecurrentRow = {
          kind: 'recurrent',
          variant,
          size: s.name,
          cell: s.cell,
          B: s.B,
          T: s.T,
          I: s.I,
          H: s.H,
          D: s.D,
          path,
          auto: auto === (path === 'persistent'),
          fwd_ms: median(fwd),
          bwd_ms: median(bwd),
          max_err_over_tol: Math.round(worst * 1000) / 1000,
          reps: opts.reps,
        };
        rows.push(row);
        emit(row);
      }
    }
  }
  ctx.recurrentVariant = original;
  return rows;
}

/** The table: `variant | cell | B T I H | path | fwd ms | bwd ms` (path marked * where 'auto' picks it). */
export function recurrentTable(rows: RecurrentRow[]): string {
  const lines = [
    'variant        | cell | B T I H (D)           | path         | fwd ms   | bwd ms',
    '---------------|------|-----------------------|--------------|----------|---------',
  ];
  for (const r of rows) {
    const size = `${r.B} ${r.T} ${r.I} ${r.H}${r.D === 2 ? ' (2)' : ''}`;
    lines.push(
      `${r.variant.padEnd(14)} | ${r.cell.padEnd(4)} | ${size.padEnd(21)} | ${(r.path + (r.auto ? ' *' : '')).padEnd(12)} | ${r.fwd_ms.toFixed(2).padStart(8)} | ${r.bwd_ms.toFixed(2).padStart(8)}`,
    );
  }
  return lines.join('\n');
}
