// TensorFlow.js as a peer, run the way a tfjs user would (tf.layers + an optimizer) on the same
// workloads, in the same process and on the same adapter: the webgpu backend, wasm and cpu. Used by the
// Node CLI (bench/run.ts) and the benchmarks page (bench/page.ts).
// Its dispatches and readbacks are counted by wrapping the WebGPU prototypes; a row during which the
// device reported an uncaptured error is marked invalid (tfjs-webgpu can fail silently: Dawn drops the
// command buffer and only logs). Gradient-norm terms are summed pairwise (tf.addN with ≥ 8 inputs is one
// of those silent failures under the default storage-buffer limit).
import type * as TF from '@tensorflow/tfjs';
import { benchRow, type BenchRow, type Workload } from './workloads.js';
import { Rng } from '../src/rng.js';

export type TfjsBackend = 'webgpu' | 'wasm' | 'cpu';

let tf: typeof TF | undefined;
const counts = { dispatches: 0, readbacks: 0, submits: 0 };

async function load(): Promise<typeof TF> {
  if (tf) return tf;
  if (!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
    throw new Error('tfjs peer: navigator.gpu is missing (in Node, bench/run.ts installs the webgpu package as navigator.gpu first)');
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
const GRU_NOTE = 'tfjs GRU cell: resetAfter false (r before W_hn) and hardSigmoid gates; same cost, slightly different cell';

function buildModel(t: typeof TF, w: Workload): TF.Sequential {
  const model = t.sequential();
  if (w.kind === 'mlp') {
    model.add(t.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }));
    model.add(t.layers.dense({ units: 512, activation: 'relu' }));
    model.add(t.layers.dense({ units: 10 }));
    return model;
  }
  const recurrent = (extra: object) =>
    w.kind === 'lstm'
      ? t.layers.lstm({ units: w.H, returnSequences: true, ...extra })
      : w.kind === 'gru'
        ? t.layers.gru({ units: w.H, returnSequences: true, ...extra })
        : t.layers.simpleRNN({ units: w.H, returnSequences: true, ...extra });
  for (let l = 0; l < w.layers; l++) {
    const inputShape = l === 0 ? { inputShape: [w.T, w.I] } : {};
    model.add(w.kind === 'birnn' ? t.layers.bidirectional({ layer: recurrent({}) as TF.layers.RNN, mergeMode: 'concat', ...inputShape }) : recurrent(inputShape));
  }
  model.add(t.layers.timeDistributed({ layer: t.layers.dense({ units: 10 }) }));
  return model;
}

/** Pairwise sum of scalars (never tf.addN over many inputs). */
function pairwiseSum(t: typeof TF, xs: TF.Scalar[]): TF.Scalar {
  let level = xs;
  while (level.length > 1) {
    const next: TF.Scalar[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? t.add(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0];
}

export async function timeTfjs(backend: TfjsBackend, w: Workload, mode: 'train' | 'infer', reps: number, warmup: number): Promise<BenchRow & { invalid?: string }> {
  const t = await load();
  if (!(await t.setBackend(backend))) throw new Error(`tfjs backend ${backend} unavailable`);
  await t.ready();
  const rng = new Rng(7);
  const model = buildModel(t, w);
  const x = w.kind === 'mlp' ? t.tensor2d(Float32Array.from(rng.uniformArray(w.B * 784, 0, 1)), [w.B, 784]) : t.tensor3d(Float32Array.from(rng.uniformArray(w.B * w.T * w.I)), [w.B, w.T, w.I]);
  const y = w.kind === 'mlp' ? t.oneHot(t.tensor1d(Int32Array.from({ length: w.B }, () => rng.int(10)), 'int32'), 10) : t.tensor3d(Float32Array.from(rng.uniformArray(w.B * w.T * 10)), [w.B, w.T, 10]);
  const opt = t.train.sgd(0.01);
  let uncaptured = 0;
  const device = backend === 'webgpu' ? (t.backend() as unknown as { device: GPUDevice }).device : undefined;
  const onError = () => uncaptured++;
  device?.addEventListener('uncapturederror', onError);
  const lossFn = () => (w.kind === 'mlp' ? t.losses.softmaxCrossEntropy(y, model.apply(x) as TF.Tensor) : t.losses.meanSquaredError(y, model.apply(x) as TF.Tensor)) as TF.Scalar;
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
      const norm = t.sqrt(pairwiseSum(t, Object.values(grads).map((g) => t.sum(t.square(g)))));
      const coef = t.minimum(t.scalar(1), t.div(t.scalar(1), t.add(norm, t.scalar(1e-6))));
      return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, t.mul(g, coef)]));
    });
    opt.applyGradients(clipped);
    await value.data();
    t.dispose([value, ...Object.values(grads), ...Object.values(clipped)]);
  };
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  let last = { ...counts };
  for (let i = 0; i < reps; i++) {
    const before = { ...counts };
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
    last = { dispatches: counts.dispatches - before.dispatches, readbacks: counts.readbacks - before.readbacks, submits: counts.submits - before.submits };
  }
  device?.removeEventListener('uncapturederror', onError);
  t.dispose([x, y]);
  model.layers.forEach((l) => l.dispose());
  const row: BenchRow = benchRow(w, mode, `tfjs-${backend}`, times, backend === 'webgpu' ? last : { dispatches: 0, submits: 0, readbacks: 0 });
  if (w.kind === 'gru') row.note = GRU_NOTE;
  return uncaptured > 0 ? { ...row, invalid: `${uncaptured} uncaptured WebGPU errors during the row` } : row;
}
