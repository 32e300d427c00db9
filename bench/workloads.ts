// The benchmark workloads and one harness for them, shared by the Node CLI (bench/run.ts) and the
// benchmarks page's worker (bench/bench.worker.ts): build the model, validate one step against the CPU reference at a reduced size,
// then time full training steps (forward, MSE over a 10-unit linear head at every step, BPTT, global-norm
// clip at 1.0, SGD update) or forward passes, and count dispatches, submits and readbacks per step.
// Text workloads read ids (Embedding(V, I) first, Linear(H, V) last, per-step cross-entropy); a generate
// workload times model.generate (B sequences, T tokens each, one readback at the end). Seq2seq workloads
// are a dates-like encoder–decoder (bidirectional GRU encoder, GRU decoder, 'general' attention): one
// teacher-forced training step (Adam, global-norm clip at 1.0), or Seq2Seq.decode (beam search, greedy at
// beam width 1) over a batch of sources.
import {
  Adam,
  Embedding,
  GRU,
  LSTM,
  Linear,
  RNN,
  SGD,
  Seq2Seq,
  Sequential,
  Trainer,
  WebGpuBackend,
  createContext,
  mlp,
  type Backend,
  type Counters,
  type Layer,
  type Seq2SeqBatch,
} from '../src/index.js';
import { toActivation } from '../src/ops/activation/spec.js';
import type { KernelTime } from '../src/webgpu/profiler.js';
import { Rng } from '../src/core/rng.js';

export interface Workload {
  name: string;
  kind: 'rnn' | 'birnn' | 'lstm' | 'gru' | 'mlp' | 'seq2seq';
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
  /**
   * Kind 'seq2seq': I is both embeddings' width, H the encoder GRU's hidden size per direction (the GRU
   * decoder has 2H), vocab the target vocabulary, T the target tokens each row predicts (the end token
   * counted; the decode rows' maxLength). Source rows of sourceLength ids, lengths evenly spread over
   * [sourceLength/3, sourceLength]. With beamWidth: time Seq2Seq.decode instead of a training step.
   */
  seq2seq?: { sourceVocab: number; sourceLength: number; beamWidth?: number };
}

const DATES = {
  kind: 'seq2seq',
  T: 11,
  I: 16,
  H: 32,
  layers: 1,
  vocab: 14,
  seq2seq: { sourceVocab: 71, sourceLength: 28 },
} as const satisfies Omit<Workload, 'name' | 'B'>;
const TRANSLATION = {
  kind: 'seq2seq',
  T: 32,
  I: 256,
  H: 256,
  layers: 1,
  vocab: 8000,
  seq2seq: { sourceVocab: 8000, sourceLength: 32 },
  large: true,
} as const satisfies Omit<Workload, 'name' | 'B'>;

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
  // The dates model (examples/dates.ts): Embedding 16, bidirectional GRU(32) encoder, GRU(64) decoder,
  // 'general' attention, 71 source and 14 target ids, YYYY-MM-DD and the end token = 11 target tokens.
  { name: 'seq2seq-step', ...DATES, B: 256 },
  { name: 'beam-decode', ...DATES, B: 128, seq2seq: { ...DATES.seq2seq, beamWidth: 4 } },
  { name: 'greedy-decode', ...DATES, B: 128, seq2seq: { ...DATES.seq2seq, beamWidth: 1 } },
  // Translation-sized, for real GPUs: 8000-id vocabularies, embedding 256, encoder 2 × 256, decoder 512, 32 tokens.
  { name: 'seq2seq-step-large', ...TRANSLATION, B: 128 },
  { name: 'beam-decode-large', ...TRANSLATION, B: 64, seq2seq: { ...TRANSLATION.seq2seq, beamWidth: 4 } },
];

const HEAD = 10;
/** Outputs of the head: V logits for a text workload, else 10. */
const head = (w: Workload) => w.vocab ?? HEAD;

/** Modes a workload is timed in: generation or decoding alone, or training and (but the MLP and seq2seq) inference. */
export function modesOf(w: Workload): BenchRow['mode'][] {
  if (w.seq2seq) return w.seq2seq.beamWidth ? ['decode'] : ['train'];
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
  if (w.seq2seq) return seq2seqFlops(w);
  if (w.kind === 'mlp') return 2 * w.B * (784 * 512 + 512 * 512 + 512 * 10);
  const D = w.kind === 'birnn' ? 2 : 1;
  const G = w.kind === 'lstm' ? 4 : w.kind === 'gru' ? 3 : 1;
  let flops = 0;
  for (let l = 0; l < w.layers; l++) flops += 2 * w.T * w.B * D * G * w.H * ((l === 0 ? w.I : D * w.H) + w.H);
  return flops + 2 * w.T * w.B * D * w.H * head(w);
}

/**
 * A seq2seq workload's forward FLOPs, padding included: the bidirectional encoder over S source steps and
 * the bridge for B sources, then per decoder step and row (T·B teacher-forced, T·B·k decoding) the GRU
 * step, the 'general' scores (q W_a, then S keys) and context, W_c [c; h] and the V-wide output.
 */
function seq2seqFlops(w: Workload): number {
  const { sourceLength: S, beamWidth } = w.seq2seq!;
  const [E, H, Hd, V] = [w.I, w.H, 2 * w.H, w.vocab!];
  const encoder = 2 * S * w.B * 2 * 3 * H * (E + H) + 2 * w.B * Hd * 2 * H;
  const perRow = 3 * Hd * (E + Hd) + Hd * 2 * H + 2 * S * 2 * H + Hd * (2 * H + Hd) + V * Hd;
  return encoder + 2 * w.T * w.B * (beamWidth ?? 1) * perRow;
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

/** The seq2seq workloads' start and end tokens (targets draw from the other ids). */
const START = 0;
const END = 1;

function seq2seqModel(ctx: Backend, w: Workload): Seq2Seq {
  return new Seq2Seq(ctx, {
    sourceVocab: w.seq2seq!.sourceVocab,
    sourceEmbedding: w.I,
    targetVocab: w.vocab!,
    targetEmbedding: w.I,
    encoder: { cell: 'gru', hiddenSize: w.H, bidirectional: true },
    decoder: { cell: 'gru', hiddenSize: 2 * w.H },
    attention: { score: 'general' },
    seed: 1,
  });
}

/**
 * A seeded seq2seq batch of B rows: S source ids per row, lengths evenly spread over [S/3, S] (padding 0),
 * and targets of T tokens after the start token, the last the end token (every row predicts T tokens).
 */
function seq2seqBatch(w: Workload, B: number, S: number, T: number): Seq2SeqBatch {
  const rng = new Rng(7);
  const lo = Math.max(1, Math.round(S / 3));
  const sourceLengths = Int32Array.from({ length: B }, (_, b) =>
    B === 1 ? S : Math.round(lo + ((S - lo) * b) / (B - 1)),
  );
  const source = Float64Array.from({ length: S * B }, (_, i) =>
    Math.floor(i / B) < sourceLengths[i % B] ? rng.int(w.seq2seq!.sourceVocab) : 0,
  );
  const target = Float64Array.from({ length: (T + 1) * B }, (_, i) =>
    i < B ? START : i >= T * B ? END : 2 + rng.int(w.vocab! - 2),
  );
  return { source, sourceLengths, target, targetLengths: new Int32Array(B).fill(T + 1) };
}

function seq2seqTrainer(ctx: Backend, w: Workload) {
  const model = seq2seqModel(ctx, w);
  const opt = new Adam(model.params, { lr: 0.01 });
  const t = new Trainer(model, opt, { loss: 'crossEntropy', clip: { maxNorm: 1 } });
  return { model, trainer: t, release: () => (t.release(), opt.release(), model.release()) };
}

/** Seq2Seq.decode of a batch's sources with the workload's beam width, T tokens at most, one readback. */
const decodeBatch = (model: Seq2Seq, w: Workload, b: Seq2SeqBatch, T = w.T) =>
  model.decode(b.source, b.sourceLengths, {
    beamWidth: w.seq2seq!.beamWidth,
    maxLength: T,
    startToken: START,
    endToken: END,
  });

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
  if (w.seq2seq) return validateSeq2Seq(ctx, cpu, w);
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
  const out = agreement(w, results);
  if (w.generate && JSON.stringify(generated[0]) !== JSON.stringify(generated[1])) {
    throw new Error(
      `${w.name}: GPU and CPU generate different tokens (${JSON.stringify(generated)}); not timing a wrong result`,
    );
  }
  return out;
}

/** Relative errors of the GPU's loss and gradient norm against the CPU's; throws past 1e-3. */
function agreement(
  w: Workload,
  [gpu, cpu]: { loss: number; gradNorm: number }[],
): { lossError: number; normError: number } {
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);
  const out = { lossError: rel(gpu.loss, cpu.loss), normError: rel(gpu.gradNorm, cpu.gradNorm) };
  if (!(out.lossError < 1e-3 && out.normError < 1e-3))
    throw new Error(`${w.name}: GPU and CPU disagree (${JSON.stringify(out)}); not timing a wrong result`);
  return out;
}

/**
 * A seq2seq workload at B 2, 5 source and 3 target steps: one teacher-forced step on both backends from
 * the same weights; a decode workload also decodes on both from the untrained model: the same tokens.
 */
async function validateSeq2Seq(
  ctx: Backend,
  cpu: Backend,
  w: Workload,
): Promise<{ lossError: number; normError: number }> {
  const [B, S, T] = [Math.min(w.B, 2), Math.min(w.seq2seq!.sourceLength, 5), Math.min(w.T, 3)];
  const data = seq2seqBatch(w, B, S, T);
  const results = [];
  const decoded: number[][][] = [];
  for (const be of [ctx, cpu]) {
    const t = seq2seqTrainer(be, w);
    if (w.seq2seq!.beamWidth)
      decoded.push((await decodeBatch(t.model, w, data, T)).hypotheses.map((hs) => hs.map((h) => h.tokens)).flat());
    results.push(await t.trainer.step(data));
    t.release();
  }
  const out = agreement(w, results);
  if (JSON.stringify(decoded[0]) !== JSON.stringify(decoded[1]))
    throw new Error(
      `${w.name}: GPU and CPU decode different tokens (${JSON.stringify(decoded)}); not timing a wrong result`,
    );
  return out;
}

export interface BenchRow {
  workload: string;
  mode: 'train' | 'infer' | 'generate' | 'decode';
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
  /**
   * Generate rows: tokens per second over all B sequences (B·T / the median time); seq2seq training rows:
   * target tokens (B·T); decode rows: generated tokens over every hypothesis (B·k·T).
   */
  tokens_per_s?: number;
  /** Decode rows: sources decoded per second, and the beam width k (1: greedy). */
  sources_per_s?: number;
  beam_width?: number;
  /** Seq2seq rows: the source length (padded; T is then the target tokens). */
  S?: number;
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
  const run = w.seq2seq ? seq2seqRun(ctx, w, mode) : sequentialRun(ctx, w, mode);
  let steps = 0;
  const once = async () => {
    const loss = await run.once();
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
  run.release();
  const row = {
    ...benchRow(w, mode, ctx.kind, times, counters),
    ...(ctx instanceof WebGpuBackend ? { kernels: kernelsOf(ctx, w) } : {}),
  };
  const lengths = lengthsOf(w);
  if (lengths)
    row.note = `lengths ${Math.min(...lengths)}–${Math.max(...lengths)} (${lengths.reduce((s, l) => s + l, 0)} of ${w.B * w.T} steps), masked; the gru row is the same batch unmasked: not the same work, its upper bound`;
  return row;
}

/** One timed step of a Sequential workload (its loss when training), and what releases its model and data. */
function sequentialRun(
  ctx: Backend,
  w: Workload,
  mode: BenchRow['mode'],
): { once: () => Promise<number | undefined>; release: () => void } {
  const t = trainer(ctx, w);
  const data = batch(w, w.B, w.T);
  const [x, y] = [ctx.tensor(data.x, data.xShape), ctx.tensor(data.y, data.yShape)];
  const lengths = lengthsOf(w);
  const once = async () => {
    if (mode === 'train') return (await (lengths ? t.trainer.step(x, y, { lengths }) : t.trainer.step(x, y))).loss;
    if (mode === 'generate')
      await t.model.generate({ prompt: prompt(w), steps: w.T, seed: GENERATE_SEED }); // one readback at the end
    else await ctx.read(lengths ? t.model.forward(x, { lengths }) : t.model.forward(x)); // inference: forward and its one readback
    return undefined;
  };
  return { once, release: () => (x.release(), y.release(), t.release()) };
}

/** One timed step of a seq2seq workload: a teacher-forced training step (its loss), or a decode of the batch's sources. */
function seq2seqRun(
  ctx: Backend,
  w: Workload,
  mode: BenchRow['mode'],
): { once: () => Promise<number | undefined>; release: () => void } {
  const t = seq2seqTrainer(ctx, w);
  const data = seq2seqBatch(w, w.B, w.seq2seq!.sourceLength, w.T);
  const once = async () => {
    if (mode === 'train') return (await t.trainer.step(data)).loss;
    const { steps } = await decodeBatch(t.model, w, data);
    if (steps !== w.T) throw new Error(`${w.name}: decoding ran ${steps} steps, not ${w.T}`); // the tokens/s counts T
    return undefined;
  };
  return { once, release: t.release };
}

/** The kernel variants a workload runs on this context (the first recurrent layer's path). */
export function kernelsOf(ctx: WebGpuBackend, w: Workload): NonNullable<BenchRow['kernels']> {
  if (w.kind === 'mlp') return { matmul: ctx.matmulVariant };
  const D = w.kind === 'birnn' || w.kind === 'seq2seq' ? 2 : 1;
  const plan = ctx.recurrentPlan(
    {
      cell: w.kind === 'lstm' || w.kind === 'gru' ? w.kind : w.kind === 'seq2seq' ? 'gru' : 'rnn',
      D,
      H: w.H,
      activation: toActivation('activation', 'tanh'),
    },
    { B: w.B, D, H: w.H },
  );
  return { matmul: ctx.matmulVariant, recurrent: plan.variant, path: plan.persistent ? 'persistent' : 'step' };
}

/**
 * GPU time per kernel of one training step (a decode workload: one decode) after one warm-up step, in the
 * backend's profiling mode.
 */
export async function profileWorkload(ctx: WebGpuBackend, w: Workload): Promise<KernelTime[]> {
  if (w.seq2seq) {
    const run = seq2seqRun(ctx, w, modesOf(w)[0]);
    await run.once();
    ctx.startProfiling();
    await run.once();
    const times = await ctx.stopProfiling();
    run.release();
    return times;
  }
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
  if (mode === 'generate' || w.seq2seq) {
    const k = w.seq2seq?.beamWidth ?? 1;
    row.tokens_per_s = round((w.B * k * w.T * 1000) / median);
  }
  if (w.seq2seq) row.S = w.seq2seq.sourceLength;
  if (mode === 'decode') {
    row.sources_per_s = round((w.B * 1000) / median);
    row.beam_width = w.seq2seq!.beamWidth;
  }
  return row;
}
