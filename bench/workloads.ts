// The benchmark workloads and one harness for them, shared by the Node CLI (bench/run.ts) and, later,
// the benchmarks page: build the model, validate one step against the CPU reference at a reduced size,
// then time full training steps (forward, MSE over a 10-unit linear head at every step, BPTT, global-norm
// clip at 1.0, SGD update) or forward passes, and count dispatches, submits and readbacks per step.
import { GRU, LSTM, Linear, RNN, SGD, Sequential, Trainer, WebGpuBackend, createContext, mlp, type Backend, type Counters, type Layer } from '../src/index.js';
import { toActivation } from '../src/activation.js';
import type { KernelTime } from '../src/webgpu/profiler.js';
import { Rng } from '../src/rng.js';

export interface Workload {
  name: string;
  kind: 'rnn' | 'birnn' | 'lstm' | 'gru' | 'mlp';
  B: number;
  T: number;
  I: number;
  H: number;
  layers: number;
  /** Too big for a software adapter: run only with --large. */
  large?: boolean;
  /** A smoke-test size (the page's quick check), not run by the CLI by default. */
  tiny?: boolean;
}

export const WORKLOADS: Workload[] = [
  { name: 'elman-tiny', kind: 'rnn', B: 4, T: 8, I: 8, H: 16, layers: 1, tiny: true },
  { name: 'elman-tanh', kind: 'rnn', B: 32, T: 64, I: 64, H: 256, layers: 1 },
  { name: 'birnn-tanh', kind: 'birnn', B: 32, T: 64, I: 64, H: 256, layers: 1 },
  { name: 'lstm', kind: 'lstm', B: 32, T: 64, I: 64, H: 256, layers: 1 },
  { name: 'lstm-small-batch', kind: 'lstm', B: 1, T: 256, I: 32, H: 128, layers: 1 },
  { name: 'lstm-large', kind: 'lstm', B: 64, T: 128, I: 512, H: 1024, layers: 2, large: true },
  // tfjs's peer row is tf.layers.gru: resetAfter false (r multiplies h before W_hn, the other GRU variant)
  // with hardSigmoid gates by default — the same cost, a slightly different cell (see its row's note).
  { name: 'gru', kind: 'gru', B: 32, T: 64, I: 64, H: 256, layers: 1 },
  { name: 'mlp', kind: 'mlp', B: 256, T: 1, I: 784, H: 512, layers: 2 },
];

const HEAD = 10;

/**
 * FLOPs of one forward pass, counted by formula (multiply-adds × 2, activations ignored); a training
 * step is counted as 3× its forward (forward, input gradients, weight gradients).
 */
export function forwardFlops(w: Workload): number {
  if (w.kind === 'mlp') return 2 * w.B * (784 * 512 + 512 * 512 + 512 * 10);
  const D = w.kind === 'birnn' ? 2 : 1;
  const G = w.kind === 'lstm' ? 4 : w.kind === 'gru' ? 3 : 1;
  let flops = 0;
  for (let l = 0; l < w.layers; l++) flops += 2 * w.T * w.B * D * G * w.H * ((l === 0 ? w.I : D * w.H) + w.H);
  return flops + 2 * w.T * w.B * D * w.H * HEAD;
}

function build(ctx: Backend, w: Workload) {
  if (w.kind === 'mlp') return mlp(ctx, [784, 512, 512, 10], { activation: 'relu', seed: 1 });
  const D = w.kind === 'birnn' ? 2 : 1;
  const options = { inputSize: w.I, hiddenSize: w.H, numLayers: w.layers, bidirectional: D === 2 };
  const recurrent: Layer = w.kind === 'lstm' ? new LSTM(options) : w.kind === 'gru' ? new GRU(options) : new RNN({ ...options, nonlinearity: 'tanh' });
  return new Sequential(ctx, [recurrent, new Linear(D * w.H, HEAD)], { seed: 1 });
}

/** Input and target of a workload as host arrays (seeded). */
function batch(w: Workload, B: number, T: number): { x: Float64Array; xShape: number[]; y: Float64Array; yShape: number[] } {
  const rng = new Rng(7);
  if (w.kind === 'mlp') {
    return { x: rng.uniformArray(B * 784, 0, 1), xShape: [B, 784], y: Float64Array.from({ length: B }, () => rng.int(10)), yShape: [B] };
  }
  return { x: rng.uniformArray(T * B * w.I), xShape: [T, B, w.I], y: rng.uniformArray(T * B * HEAD), yShape: [T, B, HEAD] };
}

function trainer(ctx: Backend, w: Workload) {
  const model = build(ctx, w);
  const opt = new SGD(model.params, { lr: 0.01 });
  const t = new Trainer(model, opt, { loss: w.kind === 'mlp' ? 'crossEntropy' : 'mse', clip: { maxNorm: 1 } });
  return { model, opt, trainer: t, release: () => (t.release(), opt.release(), model.release()) };
}

/**
 * One training step on the GPU and on the CPU reference from the same initial weights, at a reduced
 * batch and length: the loss, gradient norm and updated weights must agree before anything is timed.
 */
export async function validate(ctx: Backend, w: Workload): Promise<{ lossError: number; normError: number }> {
  const cpu = await createContext({ backend: 'cpu' });
  const [B, T] = [Math.min(w.B, 2), Math.min(w.T, 3)];
  const data = batch(w, B, T);
  const results = [];
  for (const be of [ctx, cpu] as Backend[]) {
    const t = trainer(be, w);
    const [x, y] = [be.tensor(data.x, data.xShape), be.tensor(data.y, data.yShape)];
    results.push((await t.trainer.step(x, y))!);
    x.release();
    y.release();
    t.release();
  }
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);
  const out = { lossError: rel(results[0].loss, results[1].loss), normError: rel(results[0].gradNorm, results[1].gradNorm) };
  if (!(out.lossError < 1e-3 && out.normError < 1e-3)) throw new Error(`${w.name}: GPU and CPU disagree (${JSON.stringify(out)}); not timing a wrong result`);
  return out;
}

export interface BenchRow {
  workload: string;
  mode: 'train' | 'infer';
  backend: string;
  B: number;
  T: number;
  I: number;
  H: number;
  layers: number;
  ms_median: number;
  ms_min: number;
  steps_per_s: number;
  gflops: number;
  flops_per_step: number;
  dispatches: number;
  submits: number;
  readbacks: number;
  /** How the row's model differs from the workload's (e.g. tfjs's GRU cell). */
  note?: string;
  /** WebGPU rows: the kernel variants that ran (recurrent: variant and the time-loop path 'auto' picked). */
  kernels?: { matmul: string; recurrent?: string; path?: 'step' | 'persistent' };
}

/** Times `reps` steps after `warmup` steps; counters are those of the last step. */
/** Warm-up steps at most while bind groups are still being created. */
const MAX_WARMUP = 20;

export async function timeWorkload(ctx: Backend, w: Workload, mode: 'train' | 'infer', reps: number, warmup: number): Promise<BenchRow> {
  const t = trainer(ctx, w);
  const data = batch(w, w.B, w.T);
  const [x, y] = [ctx.tensor(data.x, data.xShape), ctx.tensor(data.y, data.yShape)];
  const once = async () => {
    if (mode === 'train') return void (await t.trainer.step(x, y));
    await ctx.read(t.model.forward(x)); // inference: forward and its one readback
  };
  // Warm up for `warmup` steps and until a step creates no new bind group: a module frees its previous
  // outputs after its next call, so buffers take a few steps to settle into a cycle (6 for lstm-small-batch,
  // ~500 bind groups each) — the steady state is what a training run sees, so that is what is timed.
  const bindGroups = () => (ctx instanceof WebGpuBackend ? ctx.registry.created.bindGroups : 0);
  for (let i = 0, before = -1; i < warmup || (bindGroups() !== before && i < MAX_WARMUP); i++) {
    before = bindGroups();
    await once();
  }
  const times: number[] = [];
  let counters: Counters = ctx.counters();
  for (let i = 0; i < reps; i++) {
    ctx.resetCounters();
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
    counters = ctx.counters();
  }
  x.release();
  y.release();
  t.release();
  return { ...benchRow(w, mode, ctx.kind, times, counters), ...(ctx instanceof WebGpuBackend ? { kernels: kernelsOf(ctx, w) } : {}) };
}

/** The kernel variants a workload runs on this context (the first recurrent layer's path). */
export function kernelsOf(ctx: WebGpuBackend, w: Workload): NonNullable<BenchRow['kernels']> {
  if (w.kind === 'mlp') return { matmul: ctx.matmulVariant };
  const D = w.kind === 'birnn' ? 2 : 1;
  const plan = ctx.recurrentPlan({ cell: w.kind === 'lstm' || w.kind === 'gru' ? w.kind : 'rnn', D, H: w.H, activation: toActivation('activation', 'tanh') }, { B: w.B, D, H: w.H });
  return { matmul: ctx.matmulVariant, recurrent: plan.variant, path: plan.persistent ? 'persistent' : 'step' };
}

/** GPU time per kernel of one training step (after one warm-up step), in the backend's profiling mode. */
export async function profileWorkload(ctx: WebGpuBackend, w: Workload): Promise<KernelTime[]> {
  const t = trainer(ctx, w);
  const data = batch(w, w.B, w.T);
  const [x, y] = [ctx.tensor(data.x, data.xShape), ctx.tensor(data.y, data.yShape)];
  await t.trainer.step(x, y);
  ctx.startProfiling();
  await t.trainer.step(x, y, { read: false });
  const times = await ctx.stopProfiling();
  x.release();
  y.release();
  t.release();
  return times;
}

/** A result row from the timed durations (ms) of one workload; FLOPs by formula. */
export function benchRow(w: Workload, mode: 'train' | 'infer', backend: string, times: number[], counters: Pick<Counters, 'dispatches' | 'submits' | 'readbacks'>): BenchRow {
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const flops = forwardFlops(w) * (mode === 'train' ? 3 : 1);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    workload: w.name,
    mode,
    backend,
    B: w.B,
    T: w.T,
    I: w.I,
    H: w.H,
    layers: w.layers,
    ms_median: round(median),
    ms_min: round(sorted[0]),
    steps_per_s: round(1000 / median),
    gflops: round(flops / (median * 1e6)),
    flops_per_step: flops,
    dispatches: counters.dispatches,
    submits: counters.submits,
    readbacks: counters.readbacks,
  };
}
