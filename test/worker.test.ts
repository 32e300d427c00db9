// createWorkerTrainer with the built worker script (dist/worker.js, what `webgpu-rnn/worker` resolves to)
// in a Node worker_threads Worker: the same results as calling the library directly (bit for bit on the
// CPU, equal on WebGPU), errors of the same classes, streamed events, Stop after the current step, and a
// worker that fails or is terminated failing every call with a WorkerError.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ModelBusyError,
  SafetensorsError,
  ShapeError,
  Trainer,
  ValueError,
  WorkerError,
  createContext,
  createWorkerTrainer,
  modelFromSpec,
  optimizerFromSpec,
  scheduleFromSpec,
  type Backend,
  type ModelSpec,
  type OptimizerSpec,
  type TrainerWorker,
  type WorkerStepEvent,
} from '../src/index.js';
import { seeded } from './helpers.js';

const WORKER_SCRIPT = new URL('../dist/worker.js', import.meta.url);
const [N, T, I, H] = [12, 5, 3, 6];

const MODEL: ModelSpec = {
  layers: [
    { type: 'LSTM', inputSize: I, hiddenSize: H, batchFirst: true },
    { type: 'LastStep' },
    { type: 'Linear', inFeatures: H, outFeatures: 2 },
  ],
  seed: 3,
};
const OPTIMIZER: OptimizerSpec = { type: 'Adam', lr: 0.01 };
const TRAINER = { model: MODEL, optimizer: OPTIMIZER, loss: 'mse' as const, clip: { maxNorm: 1 } };

function data(seed = 1) {
  const rng = seeded(seed);
  return {
    x: { data: Float32Array.from(rng.uniformArray(N * T * I)), shape: [N, T, I] },
    y: { data: Float32Array.from(rng.uniformArray(N * 2)), shape: [N, 2] },
    lengths: Array.from({ length: N }, (_, n) => 1 + (n % T)),
  };
}

const FIT = { epochs: 3, batchSize: 5, seed: 7, schedule: { type: 'StepLR' as const, stepSize: 1, gamma: 0.5 } };

/** The same run called directly on `ctx`: history, predictions, weights. */
async function direct(ctx: Backend) {
  const model = modelFromSpec(ctx, MODEL);
  const optimizer = optimizerFromSpec(model.params, OPTIMIZER);
  const trainer = new Trainer(model, optimizer, { loss: 'mse', clip: { maxNorm: 1 } });
  const { x, y, lengths } = data();
  const steps: number[] = [];
  let eventKeys: string[] = [];
  const history = await trainer.fit(x, y, {
    ...FIT,
    lengths,
    schedule: scheduleFromSpec(optimizer, FIT.schedule),
    onStep: (e) => {
      steps.push(e.loss);
      eventKeys = Object.keys(e).filter((k) => typeof e[k as keyof typeof e] !== 'function');
    },
  });
  const predictions = await trainer.predict(x, { lengths });
  const weights = await model.stateDict();
  trainer.release();
  optimizer.release();
  model.release();
  return { history, steps, predictions, weights, eventKeys };
}

async function inWorker(trainer: TrainerWorker) {
  const { x, y, lengths } = data();
  const steps: number[] = [];
  const events: WorkerStepEvent[] = [];
  const history = await trainer.fit(x, y, {
    ...FIT,
    lengths,
    onStep: (e) => {
      steps.push(e.loss);
      events.push(e);
    },
  });
  const predictions = await trainer.predict(x, { lengths });
  const weights = await trainer.stateDict();
  return { history, steps, predictions, weights, events };
}

const started: TrainerWorker[] = [];
async function start(
  backend: 'cpu' | 'webgpu',
  spec = TRAINER,
  worker = new Worker(WORKER_SCRIPT),
  startTimeout?: number,
) {
  const trainer = await createWorkerTrainer({ worker, backend, startTimeout, ...spec });
  started.push(trainer);
  return trainer;
}

beforeAll(() => {
  if (!existsSync(WORKER_SCRIPT))
    throw new Error('dist/worker.js missing: run `npm run build` first (scripts/test.sh does)');
});
afterEach(() => {
  for (const t of started.splice(0)) t.terminate();
});

describe('a trainer in a worker gives what a direct call gives', () => {
  it('CPU: bit-identical history, step losses, predictions and weights', async () => {
    const ctx = await createContext({ backend: 'cpu' });
    const want = await direct(ctx);
    const trainer = await start('cpu');
    expect(trainer.kind).toBe('cpu');
    const got = await inWorker(trainer);
    expect(got.history).toEqual(want.history);
    expect(got.steps).toEqual(want.steps);
    expect(got.predictions).toEqual(want.predictions);
    expect(got.weights).toEqual(want.weights);
    // What a step event carries: the StepEvent's data and stop(), without the callback tools.
    expect(Object.keys(got.events[0])).toEqual([...want.eventKeys, 'stop']);
    expect(want.eventKeys).toContain('gradNorm');
    expect(got.events.map((e) => e.step)).toEqual(got.events.map((_, k) => k));
  });

  it('WebGPU: equal history, predictions and weights', async () => {
    const ctx = await createContext();
    const want = await direct(ctx);
    ctx.destroy();
    const trainer = await start('webgpu');
    expect(trainer.kind).toBe('webgpu');
    expect(trainer.adapter.software).toBe(true);
    const got = await inWorker(trainer);
    expect(got.history).toEqual(want.history);
    expect(got.predictions).toEqual(want.predictions);
    expect(got.weights).toEqual(want.weights);
  });

  it('evaluate, step, generate (streamed tokens) and weights in and out match the direct calls', async () => {
    const spec = {
      model: {
        layers: [
          { type: 'Embedding', numEmbeddings: 7, embeddingDim: 4 },
          { type: 'GRU', inputSize: 4, hiddenSize: 5 },
          { type: 'Linear', inFeatures: 5, outFeatures: 7 },
        ],
        seed: 2,
      } satisfies ModelSpec,
      optimizer: { type: 'SGD', lr: 0.5 } satisfies OptimizerSpec,
      loss: 'crossEntropy' as const,
    };
    const ctx = await createContext({ backend: 'cpu' });
    const model = modelFromSpec(ctx, spec.model);
    const trainer = new Trainer(model, optimizerFromSpec(model.params, spec.optimizer), { loss: 'crossEntropy' });
    const ids = { data: Float32Array.from([1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5]), shape: [4, 3] }; // [T, B]
    const next = { data: Float32Array.from([2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6]), shape: [4, 3] };
    const stepWant = await trainer.step(ctx.tensor(ids.data, ids.shape), ctx.tensor(next.data, next.shape));
    const evalX = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] }; // batch-first ids [N, T]
    const evalY = { data: Float32Array.from([2, 3, 4, 5, 6, 0]), shape: [2, 3] };
    const evalWant = await trainer.evaluate(evalX, evalY);
    const generateOptions = {
      prompt: [[1], [2]],
      steps: 6,
      temperature: 0.8,
      seed: 4,
      probabilities: true,
      readEvery: 2,
    };
    const generateWant = await model.generate(generateOptions);

    const remote = await start('cpu', spec as never);
    expect(await remote.step(ids, next)).toEqual(stepWant);
    expect(await remote.evaluate(evalX, evalY)).toEqual(evalWant);
    const chunks: number[] = [];
    expect(await remote.generate({ ...generateOptions, onTokens: (c) => void chunks.push(c.from) })).toEqual(
      generateWant,
    );
    expect(chunks).toEqual([0, 2, 4]);

    const bytes = await remote.saveWeights({ metadata: { note: 'hi' }, dtype: 'F64' }); // every bit of the CPU's f64
    const other = await start('cpu', { ...spec, model: { ...spec.model, seed: 9 } } as never);
    expect(await other.stateDict()).not.toEqual(await remote.stateDict());
    expect(await other.loadWeights(bytes)).toEqual({ metadata: { note: 'hi' } });
    expect(await other.stateDict()).toEqual(await remote.stateDict());
    await expect(other.loadWeights(bytes.subarray(0, 20))).rejects.toBeInstanceOf(SafetensorsError);
  });
});

describe('errors arrive as their own classes', () => {
  it('a bad spec rejects createWorkerTrainer with the error a direct construction throws, naming the layer', async () => {
    const bad = {
      ...TRAINER,
      model: { layers: [...MODEL.layers.slice(0, 2), { type: 'Linear', inFeatures: 4, outFeatures: 2 }] },
    };
    const err = await start('cpu', bad as never).catch((e) => e);
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.name).toBe('ShapeError');
    expect(err.message).toMatch(/layers\[2\] \(Linear\).*inFeatures 6/);
    const typo = { ...TRAINER, model: { layers: [{ type: 'LSTM', inputSize: I, hiddenSise: H }] } };
    const typoErr = await start('cpu', typo as never).catch((e) => e);
    expect(typoErr).toBeInstanceOf(ValueError);
    expect(typoErr.argument).toBe('spec.layers[0] LSTM options');
    expect(typoErr.actual).toMatch(/did you mean hiddenSize/);
    await expect(start('cpu', { ...TRAINER, optimizer: { type: 'adam' } } as never)).rejects.toThrow(
      /optimizer\.type: expected one of SGD, Adam, AdamW, RMSprop, got "adam" \(a string\) \(did you mean Adam\?\)/,
    );
    await expect(start('cpu', { ...TRAINER, model: { layers: [{ type: 'Gru' }] } } as never)).rejects.toThrow(
      /spec\.layers\[0\]\.type: expected one of Linear, RNN, LSTM, GRU, .* \(did you mean GRU\?\)/,
    );
  });

  it('bad data, a busy model, and arguments that are not data', async () => {
    const trainer = await start('cpu');
    const { x, y } = data();
    const err = await trainer.fit({ data: x.data, shape: [N, T, I + 1] }, y, FIT).catch((e) => e);
    expect(err).toBeInstanceOf(ShapeError);
    const fitting = trainer.fit(x, y, { ...FIT, epochs: 2 });
    await expect(trainer.predict(x)).rejects.toBeInstanceOf(ModelBusyError);
    await fitting;
    const notData = await trainer
      .fit(x, y, { ...FIT, schedule: { type: 'StepLR', stepSize: 1, step() {} } as never })
      .catch((e) => e);
    expect(notData).toBeInstanceOf(ValueError);
    expect([notData.argument, notData.actual]).toEqual(['options.schedule.step', 'a function']);
    const inSpec = await start('cpu', {
      ...TRAINER,
      model: { layers: [{ type: 'Linear', inFeatures: 2, outFeatures: 1, init: () => 0 }] },
    } as never).catch((e) => e);
    expect(inSpec.argument).toBe('options.model.layers[0].init');
    // The worker goes on serving after every error.
    expect((await trainer.predict(x)).length).toBe(N * 2);
  });
});

describe('Stop, and a worker that fails or is terminated', () => {
  it('stop() ends fit after the step in progress, and the worker goes on', async () => {
    const trainer = await start('cpu');
    const { x, y } = data();
    let stopAt = -1;
    const history = await trainer.fit(x, y, {
      ...FIT,
      batchSize: 1,
      epochs: 50,
      onStep: (e) => {
        if (e.step === 3) {
          stopAt = e.step;
          trainer.stop();
        }
      },
    });
    expect(stopAt).toBe(3);
    expect(history.stoppedBy).toBe('callback');
    expect(history.epochLosses.length).toBe(0); // stopped inside the first epoch (12 steps)
    // A later fit is not stopped by the earlier Stop.
    expect((await trainer.fit(x, y, { ...FIT, epochs: 1 })).stoppedBy).toBeNull();
  });

  it('the worker waits for each callback: a slow async onStep never overlaps the next, its late stop() ends fit there', async () => {
    const trainer = await start('cpu');
    const { x, y } = data();
    const seen: number[] = [];
    let running = 0;
    let overlapped = false;
    const history = await trainer.fit(x, y, {
      ...FIT,
      batchSize: 1,
      epochs: 50,
      onStep: async (e) => {
        overlapped ||= running++ > 0;
        seen.push(e.step);
        await new Promise((resolve) => setTimeout(resolve, 20)); // the worker's CPU steps take far less
        if (e.step === 4) e.stop();
        running--;
      },
      onEpoch: () => {
        throw new Error('no epoch ends before step 4');
      },
    });
    expect(overlapped).toBe(false);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(history.stoppedBy).toBe('callback');
  });

  it('a callback that throws rejects fit with its error after the step in progress, as a direct fit does', async () => {
    const trainer = await start('cpu');
    const { x, y } = data();
    const steps: number[] = [];
    const err = await trainer
      .fit(x, y, {
        ...FIT,
        batchSize: 1,
        epochs: 50,
        onStep: (e) => {
          steps.push(e.step);
          if (e.step === 2) throw new RangeError('callback failed');
        },
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('callback failed');
    expect(steps).toEqual([0, 1, 2]); // no event reaches a callback that failed
    // e.stop() in a callback ends fit as trainer.stop() does.
    const history = await trainer.fit(x, y, { ...FIT, epochs: 5, onEpoch: (e) => e.epoch === 1 && e.stop() });
    expect([history.stoppedBy, history.epochLosses.length]).toEqual(['callback', 2]);
  });

  it('a worker that runs another script: createWorkerTrainer rejects after startTimeout, saying so', async () => {
    const idle = new Worker('setInterval(() => {}, 1000)', { eval: true });
    const err = await start('cpu', TRAINER, idle, 300).catch((e) => e);
    expect(err).toBeInstanceOf(WorkerError);
    expect(err.message).toMatch(/did not start serving within 0\.3 s: is it running webgpu-rnn's worker script/);
  });

  it('terminate() fails the call in flight and every later call with a WorkerError', async () => {
    const trainer = await start('cpu');
    const { x, y } = data();
    const fitting = trainer.fit(x, y, { ...FIT, epochs: 1000 });
    trainer.terminate();
    const err = await fitting.catch((e) => e);
    expect(err).toBeInstanceOf(WorkerError);
    expect(err.message).toMatch(/terminated/);
    await expect(trainer.predict(x)).rejects.toBeInstanceOf(WorkerError);
  });

  it('a worker that throws or exits fails its calls with a WorkerError saying so', async () => {
    const broken = new Worker('throw new Error("boom at load")', { eval: true });
    const err = await start('cpu', TRAINER, broken).catch((e) => e);
    expect(err).toBeInstanceOf(WorkerError);
    expect(err.message).toMatch(/the trainer's worker stopped: Error: boom at load/);
    const exits = new Worker('setTimeout(() => process.exit(3), 50)', { eval: true });
    await expect(start('cpu', TRAINER, exits)).rejects.toThrow(/exited with code 3/);
  });

  it('createWorkerTrainer refuses something that is not a worker', async () => {
    await expect(createWorkerTrainer({ worker: {} as never, ...TRAINER })).rejects.toThrow(
      /worker: expected a Worker running webgpu-rnn's worker script/,
    );
  });
});
