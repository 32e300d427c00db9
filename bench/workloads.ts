// The benchmark workloads and one harness for them, shared by the Node CLI (bench/run.ts) and the
// benchmarks page's worker (bench/bench.worker.ts): build the model, validate one step against the CPU reference at a reduced size,
// then time full training steps (forward, MSE over a 10-unit linear head at every step, BPTT, global-norm
// clip at 1.0, SGD update) or forward passes, and count dispatches, submits and readbacks per step.
// Text workloads read ids (Embedding(V, I) first, Linear(H, V) last, per-step cross-entropy); a generate
// workload times model.generate (B sequences, T tokens each, one readback at the end).
import {
  Embedding,
  GRU,
  LSTM,
  Linear,
  RNN,
  SGD,
  Sequential,
  Trainer,
  WebGpuBackend,
  createContext,
  mlp,
  type Backend,
  type Counters,
  type Layer,
} from '../src/index.js';
import { toActivation } from '../src/ops/activation/spec.js';
import type { KernelTime } from '../src/webgpu/profiler.js';
import { Rng } from '../src/core/rng.js';

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
  /** Vocabulary V: ids in, Embedding(V, I) → recurrent → Linear(H, V), per-step cross-entropy against ids. */
  vocab?: number;
  /** Time model.generate instead of training: B sequences from a one-token prompt, T tokens each, one readback. */
  generate?: boolean;
  /** Variable-length batch: row lengths evenly spread over [T/4, T] (lengths option), the same data as the unmasked row. */
  varlen?: boolean;
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
  // gru's batch with row lengths spread over [T/4, T], masked (the lengths option); the gru row is the same batch unmasked.
  { name: 'gru-varlen', kind: 'gru', B: 32, T: 64, I: 64, H: 256, layers: 1, varlen: true },
  // A character model: I is the embedding size E.
  { name: 'char-gru', kind: 'gru', B: 32, T: 64, I: 32, H: 256, layers: 1, vocab: 65 },
  // char-gru's model generating: T = tokens per sequence, the FLOPs those of a T-step forward.
  { name: 'generate', kind: 'gru', B: 8, T: 200, I: 32, H: 256, layers: 1, vocab: 65, generate: true },
  { name: 'mlp', kind: 'mlp', B: 256, T: 1, I: 784, H: 512, layers: 2 },
];

const HEAD = 10;
/** Outputs of the head: V logits for a text workload, else 10. */
const head = (w: Workload) => w.vocab ?? HEAD;

/** Modes a workload is timed in: generation alone, or training and (but the MLP) inference. */
export function modesOf(w: Workload): BenchRow['mode'][] {
  return w.generate ? ['generate'] : w.kind === 'mlp' ? ['train'] : ['train', 'infer'];
}

/** A variable-length workload's row lengths [B]: evenly spread from T/4 to T (rounded). */
export function lengthsOf(w: Workload, B = w.B, T = w.T): Int32Array | undefined {
  if (!w.varlen) return undefined;
  const lo = Math.max(1, Math.round(T / 4));
  return Int32Array.from({ length: B }, (_, b) => (B === 1 ? T : Math.round(lo + ((T - lo) * b) / (B - 1))));
}

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
  return flops + 2 * w.T * w.B * D * w.H * head(w);
}

function build(ctx: Backend, w: Workload) {
  if (w.kind === 'mlp') return mlp(ctx, [784, 512, 512, 10], { activation: 'relu', seed: 1 });
  const D = w.kind === 'birnn' ? 2 : 1;
  const options = { inputSize: w.I, hiddenSize: w.H, numLayers: w.layers, bidirectional: D === 2 };
  const recurrent: Layer =
    w.kind === 'lstm'
      ? new LSTM(options)
      : w.kind === 'gru'
        ? new GRU(options)
        : new RNN({ ...options, nonlinearity: 'tanh' });
  const embedding = w.vocab ? [new Embedding(w.vocab, w.I)] : [];
  return new Sequential(ctx, [...embedding, recurrent, new Linear(D * w.H, head(w))], { seed: 1 });
}

/** Input and target of a workload as host arrays (seeded). */
function batch(
  w: Workload,
  B: number,
  T: number,
): { x: Float64Array; xShape: number[]; y: Float64Array; yShape: number[] } {
  const rng = new Rng(7);
  if (w.kind === 'mlp') {
    return {
      x: rng.uniformArray(B * 784, 0, 1),
      xShape: [B, 784],
      y: Float64Array.from({ length: B }, () => rng.int(10)),
      yShape: [B],
    };
  }
  if (w.vocab) {
    const ids = () => Float64Array.from({ length: T * B }, () => rng.int(w.vocab!));
    return { x: ids(), xShape: [T, B], y: ids(), yShape: [T, B] };
  }
  return {
    x: rng.uniformArray(T * B * w.I),
    xShape: [T, B, w.I],
    y: rng.uniformArray(T * B * HEAD),
    yShape: [T, B, HEAD],
  };
}

function trainer(ctx: Backend, w: Workload) {
  const model = build(ctx, w);
  const opt = new SGD(model.params, { lr: 0.01 });
  const t = new Trainer(model, opt, {
    loss: w.kind === 'mlp' || w.vocab ? 'crossEntropy' : 'mse',
    clip: { maxNorm: 1 },
  });
  return { model, opt, trainer: t, release: () => (t.release(), opt.release(), model.release()) };
}

/** A generate workload's prompts: one token per sequence. */
const prompt = (w: Workload, B = w.B) => Array.from({ length: B }, (_, b) => [b % w.vocab!]);
const GENERATE_SEED = 1;

/**
 * One training step on the GPU and on the CPU reference from the same initial weights, at a reduced
 * batch and length: the loss, gradient norm and updated weights must agree before anything is timed.
 * A generate workload also generates a few tokens from the untrained model on both: the same tokens.
 */
export async function validate(ctx: Backend, w: Workload): Promise<{ lossError: number; normError: number }> {
  const cpu = await createContext({ backend: 'cpu' });
  const [B, T] = [Math.min(w.B, 2), Math.min(w.T, 3)];
  const data = batch(w, B, T);
  const results = [];
  const generated: number[][][] = [];
  for (const be of [ctx, cpu] as Backend[]) {
    const t = trainer(be, w);
    if (w.generate)
      generated.push((await t.model.generate({ prompt: prompt(w, B), steps: T, seed: GENERATE_SEED })).tokens);
    const [x, y] = [be.tensor(data.x, data.xShape), be.tensor(data.y, data.yShape)];
    const lengths = lengthsOf(w, B, T);
    results.push(await (lengths ? t.trainer.step(x, y, { lengths }) : t.trainer.step(x, y)));
    x.release();
    y.release();
    t.release();
  }
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);
  const out = {
    lossError: rel(results[0].loss, results[1].loss),
    normError: rel(results[0].gradNorm, results[1].gradNorm),
  };
  if (!(out.lossError < 1e-3 && out.normError < 1e-3))
    throw new Error(`${w.name}: GPU and CPU disagree (${JSON.stringify(out)}); not timing a wrong result`);
  if (w.generate && JSON.stringify(generated[0]) !== JSON.stringify(generated[1])) {
    throw new Error(
      `${w.name}: GPU and CPU generate different tokens (${JSON.stringify(generated)}); not timing a wrong result`,
    );
  }
  return out;
}

export interface BenchRow {
  workload: string;
  mode: 'train' | 'infer' | 'generate';
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
  /** Generate rows: tokens per second over all B sequences (B·T / the median time). */
  tokens_per_s?: number;
  /** How the row's model differs from the workload's (e.g. tfjs's GRU cell). */
  note?: string;
  /** WebGPU rows: the kernel variants that ran (recurrent: variant and the time-loop path 'auto' picked). */
  kernels?: { matmul: string; recurrent?: string; path?: 'step' | 'persistent' };
}

/** Warm-up steps at most while bind groups are still being created. */
const MAX_WARMUP = 20;

/** Called after each warm-up and timed step: `step` counts from 0, `of` is warmup + reps (more warm-ups may follow); `loss` for training steps. */
export type StepProgress = (e: { step: number; of: number; loss?: number }) => void;

/** Times `reps` steps after `warmup` steps; counters are those of the last step. */
export async function timeWorkload(
  ctx: Backend,
  w: Workload,
  mode: BenchRow['mode'],
  reps: number,
  warmup: number,
  onStep?: StepProgress,
): Promise<BenchRow> {
  if (!modesOf(w).includes(mode)) throw new Error(`${w.name}: no ${mode} mode (it has ${modesOf(w).join(', ')})`);
  const t = trainer(ctx, w);
  const data = batch(w, w.B, w.T);
  const [x, y] = [ctx.tensor(data.x, data.xShape), ctx.tensor(data.y, data.yShape)];
  const lengths = lengthsOf(w);
  let steps = 0;
  const once = async () => {
    let loss: number | undefined;
    if (mode === 'train') loss = (await (lengths ? t.trainer.step(x, y, { lengths }) : t.trainer.step(x, y))).loss;
    else if (mode === 'generate')
      await t.model.generate({ prompt: prompt(w), steps: w.T, seed: GENERATE_SEED }); // one readback at the end
    else await ctx.read(lengths ? t.model.forward(x, { lengths }) : t.model.forward(x)); // inference: forward and its one readback
    onStep?.({ step: steps++, of: warmup + reps, loss });
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
  const row = {
    ...benchRow(w, mode, ctx.kind, times, counters),
    ...(ctx instanceof WebGpuBackend ? { kernels: kernelsOf(ctx, w) } : {}),
  };
  if (lengths)
    row.note = `lengths ${Math.min(...lengths)}–${Math.max(...lengths)} (${lengths.reduce((s, l) => s + l, 0)} of ${w.B * w.T} steps), masked; the gru row is the same batch unmasked: not the same work, its upper bound`;
  return row;
}

/** The kernel variants a workload runs on this context (the first recurrent layer's path). */
export function kernelsOf(ctx: WebGpuBackend, w: Workload): NonNullable<BenchRow['kernels']> {
  if (w.kind === 'mlp') return { matmul: ctx.matmulVariant };
  const D = w.kind === 'birnn' ? 2 : 1;
  const plan = ctx.recurrentPlan(
    {
      cell: w.kind === 'lstm' || w.kind === 'gru' ? w.kind : 'rnn',
      D,
      H: w.H,
      activation: toActivation('activation', 'tanh'),
    },
    { B: w.B, D, H: w.H },
  );
  return { matmul: ctx.matmulVariant, recurrent: plan.variant, path: plan.persistent ? 'persistent' : 'step' };
}

/** GPU time per kernel of one training step (after one warm-up step), in the backend's profiling mode. */
export async function profileWorkload(ctx: WebGpuBackend, w: Workload): Promise<KernelTime[]> {
  const t = trainer(ctx, w);
  const data = batch(w, w.B, w.T);
  const [x, y] = [ctx.tensor(data.x, data.xShape), ctx.tensor(data.y, data.yShape)];
  const lengths = lengthsOf(w);
  await (lengths ? t.trainer.step(x, y, { lengths }) : t.trainer.step(x, y));
  ctx.startProfiling();
  await (lengths ? t.trainer.step(x, y, { lengths, read: false }) : t.trainer.step(x, y, { read: false }));
  const times = await ctx.stopProfiling();
  x.release();
  y.release();
  t.release();
  return times;
}

/** A peer that cannot run a workload (a kernel its backend lacks, …): the reason instead of timings. */
export interface UnsupportedRow {
  workload: string;
  mode: BenchRow['mode'];
  backend: string;
  unsupported: string;
}

/**
 * A peer's row, or when timing it throws, an UnsupportedRow with the error's first line: one peer's gap
 * (tfjs-wasm has no UnsortedSegmentSum, the gradient of its embedding) costs that row, not the run.
 */
export async function peerRow<R extends BenchRow>(
  backend: string,
  w: Workload,
  mode: BenchRow['mode'],
  time: () => Promise<R>,
): Promise<R | UnsupportedRow> {
  try {
    return await time();
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return { workload: w.name, mode, backend, unsupported: reason };
  }
}

/** A result row from the timed durations (ms) of one workload; FLOPs by formula. */
export function benchRow(
  w: Workload,
  mode: BenchRow['mode'],
  backend: string,
  times: number[],
  counters: Pick<Counters, 'dispatches' | 'submits' | 'readbacks'>,
): BenchRow {
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const flops = forwardFlops(w) * (mode === 'train' ? 3 : 1);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const row: BenchRow = {
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
  if (mode === 'generate') row.tokens_per_s = round((w.B * w.T * 1000) / median);
  return row;
}
