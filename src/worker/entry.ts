// webgpu-rnn/worker: the worker script. Start it as a module worker and hand the Worker to
// createWorkerTrainer; in Node, as a worker_threads Worker. It serves one trainer (serveTrainer).
import { serveTrainer, type WorkerEndpoint } from './host.js';

/** The worker's own end of the channel: `self` in a Web Worker, parentPort under Node's worker_threads. */
async function endpoint(): Promise<WorkerEndpoint> {
  const scope = globalThis as { WorkerGlobalScope?: unknown; process?: { versions?: { node?: string } } };
  if (scope.WorkerGlobalScope !== undefined) return globalThis as unknown as WorkerEndpoint;
  if (scope.process?.versions?.node) {
    const specifier = 'node:worker_threads'; // a variable, so browser bundlers leave this Node-only import alone
    const { parentPort } = (await import(/* @vite-ignore */ specifier)) as { parentPort: WorkerEndpoint | null };
    if (parentPort) return parentPort;
  }
  throw new Error(
    "webgpu-rnn/worker is a worker script: start it with new Worker(…) and pass the worker to createWorkerTrainer, don't import it",
  );
}

// No top-level await: bundlers build workers as classic scripts by default (Vite's worker.format 'iife').
// Messages that arrive before the listener is attached wait in the port's queue.
void endpoint().then(serveTrainer);
