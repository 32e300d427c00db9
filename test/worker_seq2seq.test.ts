// A Seq2Seq in a worker (dist/worker.js in a Node worker_threads Worker, as test/worker.test.ts): built
// from a { type: 'Seq2Seq', … } spec, trained teacher-forced on pairs with step and epoch events streamed,
// evaluated and decoded (beam search's tokens, scores and attention as data), its weights out and back —
// bit for bit what the direct calls give on the CPU, equal on WebGPU. Calls that do not apply to the
// model kind, and bad specs, are typed errors naming them.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ShapeError,
  Trainer,
  ValueError,
  createContext,
  createWorkerTrainer,
  optimizerFromSpec,
  trainableFromSpec,
  type Backend,
  type OptimizerSpec,
  type Seq2SeqData,
  type Seq2SeqSpec,
  type TrainableModel,
  type TrainerSpec,
  type TrainerWorker,
} from '../src/index.js';
import { seeded } from './helpers.js';

const WORKER_SCRIPT = new URL('../dist/worker.js', import.meta.url);
const [N, S, T, SV, TV] = [10, 4, 5, 7, 6];
const [START, END] = [1, 2];

const MODEL: Seq2SeqSpec = {
  type: 'Seq2Seq',
  sourceVocab: SV,
  sourceEmbedding: 3,
  targetVocab: TV,
  targetEmbedding: 3,
  encoder: { cell: 'gru', hiddenSize: 4, bidirectional: true },
  decoder: { cell: 'lstm', hiddenSize: 5 },
  attention: { score: 'general' },
  seed: 2,
};
const OPTIMIZER: OptimizerSpec = { type: 'Adam', lr: 0.02 };
const SPEC: TrainerSpec = { model: MODEL, optimizer: OPTIMIZER, loss: 'crossEntropy', clip: { maxNorm: 1 } };
const FIT = { epochs: 3, batchSize: 4, seed: 5 };
const DECODE = { beamWidth: 3, maxLength: 4, startToken: START, endToken: END, lengthPenalty: 0.6 };

/** Pairs with varied lengths: sources of ids ≥ 3, targets START, ids, then padding. */
function pairs(seed: number, n = N): Seq2SeqData {
  const rng = seeded(seed);
  const source: Float32Array[] = [];
  const target: Float32Array[] = [];
  const sourceLengths: number[] = [];
  const targetLengths: number[] = [];
  for (let i = 0; i < n; i++) {
    const [ls, lt] = [1 + rng.int(S), 2 + rng.int(T - 1)];
    source.push(Float32Array.from({ length: S }, (_, s) => (s < ls ? 3 + rng.int(SV - 3) : 0)));
    target.push(Float32Array.from({ length: T }, (_, t) => (t === 0 ? START : t < lt ? 2 + rng.int(TV - 2) : 0)));
    sourceLengths.push(ls);
    targetLengths.push(lt);
  }
  return { source, sourceLengths, target, targetLengths };
}
const TRAIN = pairs(1);
const VALIDATION = pairs(2, 6);
/** Three sources, time-major [S, 3], for decode. */
const SOURCES = { ids: Array.from({ length: S * 3 }, (_, i) => 3 + (i % (SV - 3))), lengths: [4, 1, 3] };

/** The same run called directly on `ctx`. */
async function direct(ctx: Backend) {
  const model = trainableFromSpec(ctx, MODEL);
  const optimizer = optimizerFromSpec(model.params, OPTIMIZER);
  const trainer = new Trainer<TrainableModel>(model, optimizer, { loss: 'crossEntropy', clip: { maxNorm: 1 } });
  const steps: number[] = [];
  const epochs: number[] = [];
  const history = await trainer.fit(TRAIN, {
    ...FIT,
    validationData: VALIDATION,
    onStep: (e) => void steps.push(e.loss),
    onEpoch: (e) => void epochs.push(e.meanLoss),
  });
  const evaluated = await trainer.evaluate(VALIDATION);
  const decoded = await (model as { decode: TrainerWorker['decode'] }).decode(SOURCES.ids, SOURCES.lengths, DECODE);
  const weights = await model.stateDict();
  trainer.release();
  optimizer.release();
  model.release();
  return { history, steps, epochs, evaluated, decoded, weights };
}

async function inWorker(trainer: TrainerWorker) {
  const steps: number[] = [];
  const epochs: number[] = [];
  const history = await trainer.fit(TRAIN, {
    ...FIT,
    validationData: VALIDATION,
    onStep: (e) => void steps.push(e.loss),
    onEpoch: (e) => void epochs.push(e.meanLoss),
  });
  const evaluated = await trainer.evaluate(VALIDATION);
  const decoded = await trainer.decode(SOURCES.ids, SOURCES.lengths, DECODE);
  const weights = await trainer.stateDict();
  return { history, steps, epochs, evaluated, decoded, weights };
}

const started: TrainerWorker[] = [];
async function start(backend: 'cpu' | 'webgpu', spec: TrainerSpec = SPEC) {
  const trainer = await createWorkerTrainer({ worker: new Worker(WORKER_SCRIPT), backend, ...spec });
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

describe('a Seq2Seq in a worker gives what the direct calls give', () => {
  it('CPU: bit-identical history, step losses, evaluation, decoding and weights', async () => {
    const want = await direct(await createContext({ backend: 'cpu' }));
    const got = await inWorker(await start('cpu'));
    expect(got.steps.length).toBe(FIT.epochs * Math.ceil(N / FIT.batchSize));
    expect(got.steps).toEqual(want.steps);
    expect(got.epochs).toEqual(want.epochs);
    expect(got.history).toEqual(want.history);
    expect(got.evaluated).toEqual(want.evaluated);
    expect(got.decoded).toEqual(want.decoded);
    expect(Object.keys(got.weights)).toEqual(Object.keys(want.weights));
    for (const k of Object.keys(want.weights)) expect(got.weights[k].data, k).toEqual(want.weights[k].data);
    // Beam search's results as data: k hypotheses per source with scores, and α per token over the source.
    expect(got.decoded.hypotheses.map((h) => h.length)).toEqual([3, 3, 3]);
    const best = got.decoded.hypotheses[1][0];
    expect(best.attention!.length).toBe(best.tokens.length);
    expect(best.attention![0].length).toBe(S);
  });

  it('WebGPU: equal history, decoding and weights', async () => {
    const ctx = await createContext({ backend: 'webgpu' });
    const want = await direct(ctx);
    ctx.destroy();
    const got = await inWorker(await start('webgpu'));
    expect(got.steps).toEqual(want.steps);
    expect(got.history).toEqual(want.history);
    expect(got.decoded).toEqual(want.decoded);
    for (const k of Object.keys(want.weights)) expect(got.weights[k].data, k).toEqual(want.weights[k].data);
  });

  it('one step on a batch, weights out and back (safetensors), and stop() after the step in progress', async () => {
    const trainer = await start('cpu');
    const batch = {
      source: [3, 4, 5, 6, 0, 3],
      sourceLengths: [3, 2],
      target: [START, START, 3, 4, END, 0],
      targetLengths: [3, 2],
    };
    const { loss, gradNorm } = await trainer.step(batch);
    expect(Number.isFinite(loss) && Number.isFinite(gradNorm)).toBe(true);
    const bytes = await trainer.saveWeights({ dtype: 'F64', metadata: { task: 'test' } });
    const before = await trainer.stateDict();
    await trainer.reset(SPEC);
    expect((await trainer.stateDict())['output.weight'].data).not.toEqual(before['output.weight'].data);
    expect((await trainer.loadWeights(bytes)).metadata).toEqual({ task: 'test' });
    expect(await trainer.stateDict()).toEqual(before);

    let seen = 0;
    let keys: string[] = [];
    const history = await trainer.fit(TRAIN, {
      ...FIT,
      epochs: 100,
      onStep: (e) => {
        keys = Object.keys(e).sort();
        if (++seen === 2) e.stop();
      },
    });
    // The step's data and stop(); the callback tools (e.evaluate, e.decode) stay in the worker.
    expect(keys).toEqual(
      [
        'batch',
        'batches',
        'clipped',
        'epoch',
        'gradFlow',
        'gradNorm',
        'loss',
        'lr',
        'ms',
        'skipped',
        'step',
        'stop',
      ].sort(),
    );
    expect(history.stoppedBy).toBe('callback');
    expect(seen).toBeLessThanOrEqual(3); // the step in flight when stop() arrived may end too
    expect(history.epochLosses.length).toBeLessThan(100);
  });
});

describe('errors name what is wrong', () => {
  it('calls that do not apply to the model kind', async () => {
    const s2s = await start('cpu');
    const predict = await s2s.predict({ data: new Float32Array(4), shape: [1, 4] }).catch((e) => e);
    expect(predict).toBeInstanceOf(ValueError);
    expect(predict.argument).toBe('predict');
    expect(predict.message).toMatch(/^predict: expected a Sequential model in the worker, got a Seq2Seq/);
    const generate = await s2s.generate({ prompt: [[1]], steps: 2 }).catch((e) => e);
    expect(generate.argument).toBe('generate');
    const fit = await s2s
      .fit({ data: new Float32Array(4), shape: [1, 4] }, { data: [1], shape: [1, 1] }, FIT)
      .catch((e) => e);
    expect(fit.argument).toBe('fit(x, targets, options)');

    const sequential = await start('cpu', {
      model: { layers: [{ type: 'Linear', inFeatures: 2, outFeatures: 2 }] },
      optimizer: OPTIMIZER,
      loss: 'mse',
    });
    const decode = await sequential.decode([3], [1], DECODE).catch((e) => e);
    expect(decode).toBeInstanceOf(ValueError);
    expect(decode.message).toBe(
      "decode: expected a Seq2Seq in the worker (a spec { type: 'Seq2Seq', … }), got a Sequential model",
    );
    expect((await sequential.fit(TRAIN, FIT).catch((e) => e)).argument).toBe('fit(data, options)');
    expect((await sequential.evaluate(TRAIN).catch((e) => e)).argument).toBe('evaluate(data, options)');
  });

  it('bad specs, data and decode options: the classes and places a direct call names, the model unchanged', async () => {
    const bad = async (model: object, loss = 'crossEntropy') =>
      createWorkerTrainer({
        worker: new Worker(WORKER_SCRIPT),
        backend: 'cpu',
        ...SPEC,
        model: model as Seq2SeqSpec,
        loss: loss as 'crossEntropy',
      }).catch((e) => e);
    const cell = await bad({ ...MODEL, encoder: { cell: 'gur', hiddenSize: 4 } });
    expect(cell).toBeInstanceOf(ValueError);
    expect(cell.argument).toBe('spec.encoder.cell');
    const type = await bad({ ...MODEL, type: 'Seq2seq' });
    expect(type.message).toBe(`spec.type: expected 'Seq2Seq', got "Seq2seq" (a string) (did you mean Seq2Seq?)`);
    const typo = await bad({ ...MODEL, input_feeding: true });
    expect(typo.message).toMatch(
      /^spec: expected only the options .*unknown option "input_feeding" \(did you mean inputFeeding\?\)/,
    );
    expect((await bad(MODEL, 'mse')).argument).toBe('loss');

    const trainer = await start('cpu');
    const before = await trainer.stateDict();
    const tooLong = await trainer.decode([3, 4], [3], DECODE).catch((e) => e);
    expect([ShapeError, ValueError].some((c) => tooLong instanceof c)).toBe(true);
    const width = await trainer.decode([3], [1], { ...DECODE, beamWidth: TV + 1 }).catch((e) => e);
    expect(width).toBeInstanceOf(ValueError);
    expect(width.argument).toMatch(/beamWidth/);
    const outOfVocabulary = {
      ...TRAIN,
      source: TRAIN.source.map((r, i) => (i === 3 ? Float32Array.from(r, () => SV) : r)),
    };
    const fit = await trainer.fit(outOfVocabulary, FIT).catch((e) => e);
    expect([ShapeError, ValueError].some((c) => fit instanceof c)).toBe(true);
    expect(await trainer.stateDict()).toEqual(before);
  });
});
