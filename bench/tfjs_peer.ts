// TensorFlow.js as a peer, run the way a tfjs user would (tf.layers + an optimizer) on the same
// workloads, in the same process and on the same adapter: the webgpu backend, wasm and cpu. Used by the
// Node CLI (bench/run.ts) and the benchmarks page's worker (bench/bench.worker.ts).
// Its dispatches and readbacks are counted by wrapping the WebGPU prototypes; a row during which the
// device reported an uncaptured error is marked invalid (tfjs-webgpu can fail silently: Dawn drops the
// command buffer and only logs). Gradient-norm terms are summed pairwise (tf.addN with ≥ 8 inputs is one
// of those silent failures under the default storage-buffer limit).
import type * as TF from '@tensorflow/tfjs';
import { benchRow, type BenchRow, type StepProgress, type Workload } from './workloads.js';
import { Rng } from '../src/core/rng.js';

export type TfjsBackend = 'webgpu' | 'wasm' | 'cpu';

let tf: typeof TF | undefined;
const counts = { dispatches: 0, readbacks: 0, submits: 0 };

async function load(): Promise<typeof TF> {
  if (tf) return tf;
  if (!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
    throw new Error(
      'tfjs peer: navigator.gpu is missing (in Node, bench/run.ts installs the webgpu package as navigator.gpu first)',
    );
  }
  tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  await import('@tensorflow/tfjs-backend-wasm');
  const pass = GPUComputePassEncoder.prototype;
  const dispatch = pass.dispatchWorkgroups;
  pass.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...a: Parameters<typeof dispatch>) {
    counts.dispatches++;
    return dispatch.apply(this, a);
  };
  const map = GPUBuffer.prototype.mapAsync;
  GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...a: Parameters<typeof map>) {
    counts.readbacks++;
    return map.apply(this, a);
  };
  const submit = GPUQueue.prototype.submit;
  GPUQueue.prototype.submit = function (this: GPUQueue, ...a: Parameters<typeof submit>) {
    counts.submits++;
    return submit.apply(this, a);
  };
  return tf;
}

/**
 * tf.layers.gru supports only resetAfter: false (n = tanh(W_in x + W_hn (r ⊙ h) + b_n), Keras's original
 * cell; PyTorch's, ours, applies r after W_hn) and gates in hardSigmoid by default: the same multiply-adds
 * per step, a slightly different cell.
 */
const GRU_NOTE =
  'tfjs GRU cell: resetAfter false (r before W_hn) and hardSigmoid gates; same cost, slightly different cell';
/** tf.losses has no sparse cross-entropy from logits: the ids become one-hot targets once, outside the timed steps. */
const TEXT_NOTE = 'cross-entropy as tf.losses.softmaxCrossEntropy over one-hot targets made once';
const GENERATE_NOTE =
  'tfjs: stateful GRU stepped by model.predict on [B, 1] ids, tf.multinomial draws, tokens concatenated and read once';

/** Why the seq2seq workloads have no tfjs row (bench/run.ts shows it as the peer's unsupported row). */
export const NO_SEQ2SEQ = 'TensorFlow.js has no attention layer and no beam search';

function buildModel(t: typeof TF, w: Workload): TF.Sequential {
  const model = t.sequential();
  if (w.kind === 'mlp') {
    model.add(t.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }));
    model.add(t.layers.dense({ units: 512, activation: 'relu' }));
    model.add(t.layers.dense({ units: 10 }));
    return model;
  }
  const embedding = w.vocab ? [t.layers.embedding({ inputDim: w.vocab, outputDim: w.I, inputShape: [w.T] })] : [];
  embedding.forEach((l) => model.add(l));
  const recurrent = (extra: object) =>
    w.kind === 'lstm'
      ? t.layers.lstm({ units: w.H, returnSequences: true, ...extra })
      : w.kind === 'gru'
        ? t.layers.gru({ units: w.H, returnSequences: true, ...extra })
        : t.layers.simpleRNN({ units: w.H, returnSequences: true, ...extra });
  for (let l = 0; l < w.layers; l++) {
    const inputShape = l === 0 && !w.vocab ? { inputShape: [w.T, w.I] } : {};
    model.add(
      w.kind === 'birnn'
        ? t.layers.bidirectional({ layer: recurrent({}) as TF.layers.RNN, mergeMode: 'concat', ...inputShape })
        : recurrent(inputShape),
    );
  }
  model.add(t.layers.timeDistributed({ layer: t.layers.dense({ units: w.vocab ?? 10 }) }));
  return model;
}

/** `warmup` untimed calls, then `reps` timed ones; tfjs's counts are those of the last. */
async function timed(
  once: () => Promise<number | void>,
  reps: number,
  warmup: number,
  onStep?: StepProgress,
): Promise<{ times: number[]; last: typeof counts }> {
  let step = 0;
  const run = async () => {
    const loss = await once();
    onStep?.({ step: step++, of: warmup + reps, loss: loss ?? undefined });
  };
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  let last = { ...counts };
  for (let i = 0; i < reps; i++) {
    const before = { ...counts };
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
    last = {
      dispatches: counts.dispatches - before.dispatches,
      readbacks: counts.readbacks - before.readbacks,
      submits: counts.submits - before.submits,
    };
  }
  return { times, last };
}

/** Pairwise sum of scalars (never tf.addN over many inputs). */
function pairwiseSum(t: typeof TF, xs: TF.Scalar[]): TF.Scalar {
  let level = xs;
  while (level.length > 1) {
    const next: TF.Scalar[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? t.add(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0];
}

export async function timeTfjs(
  backend: TfjsBackend,
  w: Workload,
  mode: Exclude<BenchRow['mode'], 'generate'>,
  reps: number,
  warmup: number,
  onStep?: StepProgress,
): Promise<BenchRow & { invalid?: string }> {
  if (w.seq2seq || mode === 'decode') throw new Error(NO_SEQ2SEQ);
  const t = await load();
  if (!(await t.setBackend(backend))) throw new Error(`tfjs backend ${backend} unavailable`);
  await t.ready();
  const rng = new Rng(7);
  const model = buildModel(t, w);
  const ids = (n: number, V: number) => Int32Array.from({ length: n }, () => rng.int(V));
  const x =
    w.kind === 'mlp'
      ? t.tensor2d(Float32Array.from(rng.uniformArray(w.B * 784, 0, 1)), [w.B, 784])
      : w.vocab
        ? t.tensor2d(ids(w.B * w.T, w.vocab), [w.B, w.T], 'int32')
        : t.tensor3d(Float32Array.from(rng.uniformArray(w.B * w.T * w.I)), [w.B, w.T, w.I]);
  const y =
    w.kind === 'mlp'
      ? t.oneHot(t.tensor1d(ids(w.B, 10), 'int32'), 10)
      : w.vocab
        ? t.oneHot(t.tensor2d(ids(w.B * w.T, w.vocab), [w.B, w.T], 'int32'), w.vocab)
        : t.tensor3d(Float32Array.from(rng.uniformArray(w.B * w.T * 10)), [w.B, w.T, 10]);
  const opt = t.train.sgd(0.01);
  let uncaptured = 0;
  const device = backend === 'webgpu' ? (t.backend() as unknown as { device: GPUDevice }).device : undefined;
  const onError = () => uncaptured++;
  device?.addEventListener('uncapturederror', onError);
  const lossFn = () =>
    (w.kind === 'mlp' || w.vocab
      ? t.losses.softmaxCrossEntropy(y, model.apply(x) as TF.Tensor)
      : t.losses.meanSquaredError(y, model.apply(x) as TF.Tensor)) as TF.Scalar;
  const once = async () => {
    if (mode === 'infer') {
      const out = model.predict(x) as TF.Tensor;
      await out.data();
      out.dispose();
      return;
    }
    // One training step with global-norm clipping at 1.0, as a tfjs user writes it.
    const { value, grads } = t.variableGrads(lossFn);
    const clipped = t.tidy(() => {
      const norm = t.sqrt(
        pairwiseSum(
          t,
          Object.values(grads).map((g) => t.sum(t.square(g))),
        ),
      );
      const coef = t.minimum(t.scalar(1), t.div(t.scalar(1), t.add(norm, t.scalar(1e-6))));
      return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, t.mul(g, coef)]));
    });
    opt.applyGradients(clipped);
    const [loss] = await value.data();
    t.dispose([value, ...Object.values(grads), ...Object.values(clipped)]);
    return loss;
  };
  // A step that throws (a kernel this backend lacks) still frees the model and data: the run goes on.
  const { times, last } = await timed(once, reps, warmup, onStep).finally(() => {
    device?.removeEventListener('uncapturederror', onError);
    t.dispose([x, y]);
    model.layers.forEach((l) => l.dispose());
  });
  const row: BenchRow = benchRow(
    w,
    mode,
    `tfjs-${backend}`,
    times,
    backend === 'webgpu' ? last : { dispatches: 0, submits: 0, readbacks: 0 },
  );
  if (w.kind === 'gru') row.note = w.vocab ? `${GRU_NOTE}; ${TEXT_NOTE}` : GRU_NOTE;
  return uncaptured > 0 ? { ...row, invalid: `${uncaptured} uncaptured WebGPU errors during the row` } : row;
}

/**
 * A generate workload the tfjs way: the same Embedding → GRU → Dense model with a stateful GRU (batch
 * fixed at B, one step per predict), tf.multinomial on each step's logits, the drawn ids fed back, all
 * tokens concatenated on the device and read once at the end.
 */
export async function timeTfjsGenerate(
  backend: TfjsBackend,
  w: Workload,
  reps: number,
  warmup: number,
  onStep?: StepProgress,
): Promise<BenchRow & { invalid?: string }> {
  if (!w.generate || !w.vocab) throw new Error(`${w.name}: not a generate workload`);
  const t = await load();
  if (!(await t.setBackend(backend))) throw new Error(`tfjs backend ${backend} unavailable`);
  await t.ready();
  const model = t.sequential();
  model.add(t.layers.embedding({ inputDim: w.vocab, outputDim: w.I, batchInputShape: [w.B, 1] }));
  model.add(t.layers.gru({ units: w.H, stateful: true }));
  model.add(t.layers.dense({ units: w.vocab }));
  let uncaptured = 0;
  const device = backend === 'webgpu' ? (t.backend() as unknown as { device: GPUDevice }).device : undefined;
  const onError = () => uncaptured++;
  device?.addEventListener('uncapturederror', onError);
  const once = async () => {
    model.resetStates();
    const drawn: TF.Tensor2D[] = [
      t.tensor2d(
        Int32Array.from({ length: w.B }, (_, b) => b % w.vocab!),
        [w.B, 1],
        'int32',
      ),
    ];
    for (let s = 0; s < w.T; s++) {
      const ids = drawn[drawn.length - 1];
      drawn.push(t.tidy(() => t.multinomial(model.predict(ids) as TF.Tensor2D, 1, s) as TF.Tensor2D));
    }
    const tokens = t.concat(drawn.slice(1), 1);
    await tokens.data();
    t.dispose([tokens, ...drawn]);
  };
  const { times, last } = await timed(once, reps, warmup, onStep).finally(() => {
    device?.removeEventListener('uncapturederror', onError);
    model.layers.forEach((l) => l.dispose());
  });
  const row: BenchRow = {
    ...benchRow(
      w,
      'generate',
      `tfjs-${backend}`,
      times,
      backend === 'webgpu' ? last : { dispatches: 0, submits: 0, readbacks: 0 },
    ),
    note: `${GRU_NOTE}; ${GENERATE_NOTE}`,
  };
  return uncaptured > 0 ? { ...row, invalid: `${uncaptured} uncaptured WebGPU errors during the row` } : row;
}
