// The benchmarks page's harness, in a worker of its own so the page keeps drawing while it benchmarks: a
// WebGPU context made here with createContext (Chromium offers WebGPU in dedicated workers), and TensorFlow.js
// (webgpu backend) loaded here on the first run that asks for it — tfjs registers its webgpu backend in a
// worker as in a page, and tfjs_peer.ts counts dispatches on the WebGPU prototypes of this worker's scope.
// The page sends a run; the worker validates and times each workload and sends each row as it completes.
import { createContext, type AdapterSummary } from '../src/index.js';
import { serializeError } from '../src/worker/errors.js';
import type { SerializedError } from '../src/worker/protocol.js';
import { timeTfjs, timeTfjsGenerate } from './tfjs_peer.js';
import { WORKLOADS, modesOf, timeWorkload, validate, type BenchRow } from './workloads.js';

/** A run as the page's form chose it: workload names, timed steps, warm-up steps, and TensorFlow.js or not. */
export interface BenchRun {
  workloads: string[];
  reps: number;
  warmup: number;
  tfjs: boolean;
}

export type BenchResultRow = BenchRow & { invalid?: string };

/** What the worker tells the page: the adapter once (null: no WebGPU), then per run statuses and rows, and its end. */
export type FromBenchWorker =
  | { adapter: AdapterSummary | null }
  | { status: string }
  | { row: BenchResultRow }
  | { done: true }
  | { error: SerializedError };

const post = (message: FromBenchWorker) => postMessage(message);

// The adapter is named as soon as the worker starts; every run uses this context.
const context = createContext({ backend: 'webgpu' });
context.then(
  (ctx) => post({ adapter: ctx.adapter }),
  () => post({ adapter: null }), // the benchmarks compare WebGPU implementations: no CPU fallback
);

async function run({ workloads, reps, warmup, tfjs }: BenchRun): Promise<void> {
  const ctx = await context;
  for (const w of WORKLOADS.filter((w) => workloads.includes(w.name))) {
    post({ status: `${w.name}: validating against the CPU reference…` });
    await validate(ctx, w);
    post({ status: `${w.name}: timing webgpu-rnn…` });
    // One row per workload: a training step, or for a generate or decode workload the whole generation.
    post({ row: await timeWorkload(ctx, w, modesOf(w)[0], reps, warmup) });
    // A variable-length workload measures our masking overhead: no TensorFlow.js row; TensorFlow.js has
    // no attention layer and no beam search: none for the seq2seq workloads either.
    if (tfjs && !w.varlen && !w.seq2seq) {
      post({ status: `${w.name}: timing TensorFlow.js (webgpu)…` });
      post({
        row: await (w.generate
          ? timeTfjsGenerate('webgpu', w, reps, warmup)
          : timeTfjs('webgpu', w, 'train', reps, warmup)),
      });
    }
  }
}

// Runs one at a time (the page disables Run during a run); an error ends the run and reaches the page by class name.
addEventListener('message', (e: MessageEvent<BenchRun>) => {
  run(e.data).then(
    () => post({ done: true }),
    (err) => post({ error: serializeError(err) }),
  );
});
