// Every options object of the public API refuses a misspelt name and says which one was meant. The table
// lists each export of src/index.ts that takes options (classes: their methods too) with a valid call,
// and each options path within it; every row inserts one typo at its path and expects
// `unknown option "<typo>" (did you mean <name>?)`. Exports are enumerated from the module, so a new
// function or class without a row (or a line in TAKES_NO_OPTIONS saying why) fails here.
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import {
  Adam,
  AdamW,
  CosineAnnealingLR,
  CpuBackend,
  Embedding,
  GRU,
  LastStep,
  LinearLR,
  LSTM,
  Linear,
  ParamSet,
  ProgressLine,
  ReduceLROnPlateau,
  RMSprop,
  RNN,
  SGD,
  Sequential,
  StepLR,
  Trainer,
  clipGradNorm,
  createContext,
  mlp,
  saveSafetensors,
  createWorkerTrainer,
  modelFromSpec,
  trainableFromSpec,
  optimizerFromSpec,
  scheduleFromSpec,
  Seq2Seq,
  fitTeacherForced,
  evaluateTeacherForced,
  type Backend,
} from '../src/index.js';
import { Worker } from 'node:worker_threads';

type Options = Record<string, unknown>;

interface Row {
  /** The export the call belongs to. */
  exportName: string;
  /** Where the typo goes: 'options' or a nested path such as 'options.clip'. */
  path: string;
  /** A known option name at that path, and the typo tried for it. */
  name: string;
  typo: string;
  /** Fresh valid options for the call. */
  options: () => Options;
  /** Makes the call (anything it throws or rejects with counts). */
  call: (ctx: Backend, options: Options) => unknown;
}

const model = (ctx: Backend) => mlp(ctx, [2, 3, 1], { seed: 1 });
const seqModel = (ctx: Backend) =>
  new Sequential(ctx, [new LSTM({ inputSize: 2, hiddenSize: 3 }), new Linear(3, 1)], { seed: 1 });
const trainerOf = (ctx: Backend) => {
  const m = model(ctx);
  return new Trainer(m, new SGD(m.params, { lr: 0.1 }), { loss: 'mse' });
};
const seqTrainer = (ctx: Backend) => {
  const m = seqModel(ctx);
  return new Trainer(m, new SGD(m.params, { lr: 0.1 }), { loss: 'mse' });
};
const X = { data: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], shape: [4, 2] };
const Y = { data: [1, 0, 1, 0], shape: [4, 1] };
// [N=2, T=4, 2] sequences and per-step [2, 4, 1] targets for the truncated-BPTT row.
const SX = { data: Array.from({ length: 16 }, (_, i) => 0.01 * i), shape: [2, 4, 2] };
const SY = { data: [1, 0, 1, 0, 0, 1, 0, 1], shape: [2, 4, 1] };
const dict = { w: { shape: [2], data: [0.1, 0.2] } };
const s2sOptions = () => ({
  sourceVocab: 4,
  sourceEmbedding: 2,
  targetVocab: 4,
  targetEmbedding: 2,
  encoder: { cell: 'gru', hiddenSize: 3 },
  decoder: { cell: 'gru', hiddenSize: 3 },
  attention: { score: 'dot' },
});
const s2s = (ctx: Backend) => new Seq2Seq(ctx, s2sOptions() as never);
const pairs = { source: [[1, 2]], sourceLengths: [2], target: [[1, 3]], targetLengths: [2] };
const s2sFit = (ctx: Backend, o: Options) => {
  const m = s2s(ctx);
  return fitTeacherForced(m, new SGD(m.params, { lr: 0.1 }), pairs, o as never);
};

// A trainer in a worker_threads Worker on the built worker script (scripts/test.sh builds dist/ first).
const workerSpec = () => ({
  worker: new Worker(new URL('../dist/worker.js', import.meta.url)),
  backend: 'cpu',
  model: { layers: [{ type: 'Linear', inFeatures: 2, outFeatures: 1 }], seed: 1 },
  optimizer: { type: 'SGD', lr: 0.1 },
  loss: 'mse',
});
const LINEAR_SPEC = { layers: [{ type: 'Linear', inFeatures: 2, outFeatures: 1, bias: true }], seed: 1 };

const ROWS: Row[] = [
  {
    exportName: 'modelFromSpec',
    path: 'options',
    name: 'seed',
    typo: 'sed',
    options: () => structuredClone(LINEAR_SPEC),
    call: (c, o) => modelFromSpec(c, o as never).release(),
  },
  {
    exportName: 'modelFromSpec',
    path: 'options.layers.0',
    name: 'bias',
    typo: 'bais',
    options: () => structuredClone(LINEAR_SPEC),
    call: (c, o) => modelFromSpec(c, o as never).release(),
  },
  {
    exportName: 'trainableFromSpec',
    path: 'options',
    name: 'inputFeeding',
    typo: 'inputFeedng',
    options: () => ({
      type: 'Seq2Seq',
      sourceVocab: 5,
      sourceEmbedding: 2,
      targetVocab: 4,
      targetEmbedding: 2,
      encoder: { cell: 'gru', hiddenSize: 3 },
      decoder: { cell: 'gru', hiddenSize: 3 },
      attention: { score: 'dot' },
      inputFeeding: true,
    }),
    call: (c, o) => trainableFromSpec(c, o as never).release(),
  },
  {
    exportName: 'optimizerFromSpec',
    path: 'options',
    name: 'momentum',
    typo: 'momentun',
    options: () => ({ type: 'SGD', lr: 0.1, momentum: 0.9 }),
    call: (c, o) => optimizerFromSpec(model(c).params, o as never),
  },
  {
    exportName: 'scheduleFromSpec',
    path: 'options',
    name: 'stepSize',
    typo: 'step_size',
    options: () => ({ type: 'StepLR', stepSize: 2 }),
    call: (c, o) => scheduleFromSpec(new SGD(model(c).params, { lr: 0.1 }), o as never),
  },
  {
    exportName: 'createWorkerTrainer',
    path: 'options',
    name: 'backend',
    typo: 'backnd',
    options: workerSpec,
    call: async (_, o) => (await createWorkerTrainer(o as never)).terminate(),
  },
  {
    exportName: 'createWorkerTrainer',
    path: 'options.model',
    name: 'seed',
    typo: 'sed',
    options: workerSpec,
    call: async (_, o) => (await createWorkerTrainer(o as never)).terminate(),
  },
  {
    exportName: 'TrainerWorker',
    path: 'options',
    name: 'epochs',
    typo: 'epoch',
    options: () => ({ epochs: 1, batchSize: 2 }),
    call: async (_, o) => {
      const trainer = await createWorkerTrainer(workerSpec() as never);
      try {
        await trainer.fit(X, Y, o as never);
      } finally {
        trainer.terminate();
      }
    },
  },
  {
    exportName: 'createContext',
    path: 'options',
    name: 'backend',
    typo: 'backnd',
    options: () => ({ backend: 'cpu' }),
    call: (_, o) => createContext(o as never),
  },
  // A WebGPU context (fails, never skips, without an adapter): its device options are checked before the device is asked for.
  {
    exportName: 'createContext',
    path: 'options',
    name: 'matmulVariant',
    typo: 'matmul_variant',
    options: () => ({ matmulVariant: 'auto' }),
    call: (_, o) => createContext(o as never).then((c) => c.destroy()),
  },
  // The op specs' checks run on both backends (test/registry: both classes carry the same methods).
  {
    exportName: 'CpuBackend',
    path: 'options',
    name: 'transB',
    typo: 'trans_b',
    options: () => ({ transB: true }),
    call: (c, o) => c.matmul(c.tensor([1, 2], [1, 2]), c.tensor([1, 2], [1, 2]), o),
  },
  {
    exportName: 'CpuBackend',
    path: 'options',
    name: 'square',
    typo: 'sqaure',
    options: () => ({ square: true }),
    call: (c, o) => c.sumAxis(c.tensor([1, 2], [1, 2]), 0, o),
  },
  {
    exportName: 'CpuBackend',
    path: 'options',
    name: 'labelSmoothing',
    typo: 'label_smoothing',
    options: () => ({ labelSmoothing: 0.1 }),
    call: (c, o) => c.crossEntropy(c.tensor([1, 2], [1, 2]), c.tensor([1], [1]), 'mean', o),
  },
  {
    exportName: 'CpuBackend',
    path: 'options',
    name: 'delta',
    typo: 'delat',
    options: () => ({ delta: 1 }),
    call: (c, o) => c.huber(c.tensor([1], [1, 1]), c.tensor([0], [1, 1]), 'mean', o),
  },
  {
    exportName: 'CpuBackend',
    path: 'options',
    name: 'beta',
    typo: 'betta',
    options: () => ({ beta: 1 }),
    call: (c, o) => c.smoothL1(c.tensor([1], [1, 1]), c.tensor([0], [1, 1]), 'mean', o),
  },
  {
    exportName: 'CpuBackend',
    path: 'options',
    name: 'posWeight',
    typo: 'pos_weight',
    options: () => ({}),
    call: (c, o) => c.bceWithLogits(c.tensor([1], [1, 1]), c.tensor([0], [1, 1]), 'mean', o),
  },
  {
    exportName: 'CpuBackend',
    path: 'options',
    name: 'stream',
    typo: 'steam',
    options: () => ({ p: 0.5, seed: 1, stream: 0 }),
    call: (c, o) => c.dropout(c.tensor([1, 2], [1, 2]), c.zeros([1]), c.zeros([1]), o as never),
  },
  {
    exportName: 'CpuBackend',
    path: 'options',
    name: 'topK',
    typo: 'top_k',
    options: () => ({ temperature: 1, topK: 0, seed: 1, stream: 0 }),
    call: (c, o) => c.sample(c.tensor([1, 2], [1, 2]), c.zeros([1]), c.zeros([1]), o as never),
  },
  {
    exportName: 'CpuBackend',
    path: 'options',
    name: 'stride',
    typo: 'strid',
    options: () => ({ B: 1, offset: 0, stride: 2 }),
    call: (c, o) =>
      c.sample(
        c.tensor([1, 2], [1, 2]),
        c.zeros([1]),
        c.zeros([1]),
        { temperature: 0, topK: 0, seed: 1, stream: 0 },
        o as never,
      ),
  },
  {
    exportName: 'Linear',
    path: 'options',
    name: 'bias',
    typo: 'bais',
    options: () => ({ bias: false }),
    call: (_, o) => new Linear(2, 3, o),
  },
  {
    exportName: 'LastStep',
    path: 'options',
    name: 'batchFirst',
    typo: 'batch_first',
    options: () => ({ batchFirst: false }),
    call: (_, o) => new LastStep(o),
  },
  {
    exportName: 'RNN',
    path: 'options',
    name: 'numLayers',
    typo: 'num_layers',
    options: () => ({ inputSize: 2, hiddenSize: 3 }),
    call: (_, o) => new RNN(o as never),
  },
  {
    exportName: 'LSTM',
    path: 'options',
    name: 'hiddenSize',
    typo: 'hiddenSze',
    options: () => ({ inputSize: 2, hiddenSize: 3 }),
    call: (_, o) => new LSTM(o as never),
  },
  {
    exportName: 'GRU',
    path: 'options',
    name: 'bidirectional',
    typo: 'bidirectonal',
    options: () => ({ inputSize: 2, hiddenSize: 3 }),
    call: (_, o) => new GRU(o as never),
  },
  {
    exportName: 'Seq2Seq',
    path: 'options',
    name: 'inputFeeding',
    typo: 'inputFeding',
    options: () => s2sOptions(),
    call: (ctx, o) => new Seq2Seq(ctx, o as never),
  },
  {
    exportName: 'Seq2Seq',
    path: 'options',
    name: 'inputFeeding',
    typo: 'inputFeding',
    options: () => ({ ...s2sOptions(), attention: null }),
    call: (ctx, o) => new Seq2Seq(ctx, o as never),
  },
  {
    exportName: 'Seq2Seq',
    path: 'options.encoder',
    name: 'bidirectional',
    typo: 'bidirectonal',
    options: () => ({ ...s2sOptions(), encoder: { cell: 'gru', hiddenSize: 3, bidirectional: false } }),
    call: (ctx, o) => new Seq2Seq(ctx, o as never),
  },
  {
    exportName: 'Seq2Seq',
    path: 'options.attention',
    name: 'scaled',
    typo: 'scale',
    options: () => ({ ...s2sOptions(), attention: { score: 'dot', scaled: true } }),
    call: (ctx, o) => new Seq2Seq(ctx, o as never),
  },
  {
    exportName: 'Seq2Seq',
    path: 'options',
    name: 'beamWidth',
    typo: 'beam_width',
    options: () => ({ beamWidth: 2, maxLength: 2, startToken: 0, endToken: 1 }),
    call: (ctx, o) => s2s(ctx).decode([1, 2], [2], o as never),
  },
  {
    exportName: 'fitTeacherForced',
    path: 'options',
    name: 'batchSize',
    typo: 'batch_size',
    options: () => ({ epochs: 1, batchSize: 1 }),
    call: s2sFit,
  },
  {
    exportName: 'fitTeacherForced',
    path: 'options.clip',
    name: 'maxNorm',
    typo: 'max_norm',
    options: () => ({ epochs: 1, batchSize: 1, clip: { maxNorm: 1 } }),
    call: s2sFit,
  },
  {
    exportName: 'fitTeacherForced',
    path: 'options.earlyStopping',
    name: 'patience',
    typo: 'patiance',
    options: () => ({ epochs: 1, batchSize: 1, earlyStopping: { patience: 1 } }),
    call: s2sFit,
  },
  {
    exportName: 'evaluateTeacherForced',
    path: 'options',
    name: 'batchSize',
    typo: 'batchsize',
    options: () => ({ batchSize: 1 }),
    call: (ctx, o) => evaluateTeacherForced(s2s(ctx), pairs, o as never),
  },
  {
    exportName: 'Embedding',
    path: 'options',
    name: 'paddingIdx',
    typo: 'padding_idx',
    options: () => ({ paddingIdx: 0 }),
    call: (_, o) => new Embedding(4, 2, o),
  },
  {
    exportName: 'Sequential',
    path: 'options',
    name: 'seed',
    typo: 'sed',
    options: () => ({ seed: 1 }),
    call: (c, o) => new Sequential(c, [new Linear(2, 1)], o),
  },
  {
    exportName: 'Sequential',
    path: 'options',
    name: 'lengths',
    typo: 'length',
    options: () => ({ lengths: [1] }),
    call: (c, o) => seqModel(c).forward(c.tensor(new Float64Array(4), [2, 1, 2]), o),
  },
  {
    exportName: 'Sequential',
    path: 'options',
    name: 'inputGrad',
    typo: 'input_grad',
    options: () => ({}),
    call: (c, o) => {
      const m = model(c);
      const y = m.forward(c.tensor([1, 2], [1, 2]));
      return m.backward(c.tensor([1], y.shape as number[]), o);
    },
  },
  {
    exportName: 'Sequential',
    path: 'options',
    name: 'strict',
    typo: 'strcit',
    options: () => ({ strict: false }),
    call: (c, o) => model(c).loadStateDict({}, o),
  },
  {
    exportName: 'Sequential',
    path: 'options',
    name: 'steps',
    typo: 'step',
    options: () => ({ prompt: [[0]], steps: 2 }),
    call: (c, o) =>
      new Sequential(c, [new Embedding(3, 2), new GRU({ inputSize: 2, hiddenSize: 3 }), new Linear(3, 3)], {
        seed: 1,
      }).generate(o as never),
  },
  {
    exportName: 'beamSearch',
    path: 'options',
    name: 'maxLength',
    typo: 'maxLenght',
    options: () => ({
      sources: 1,
      beamWidth: 2,
      vocabulary: 3,
      startToken: 0,
      endToken: 1,
      maxLength: 2,
    }),
    call: (c, o) => api.beamSearch(c, { step: () => ({ logProbs: c.zeros([2, 3]) }), ...(o as object) } as never),
  },
  {
    exportName: 'mlp',
    path: 'options',
    name: 'outputActivation',
    typo: 'output_activation',
    options: () => ({ seed: 1 }),
    call: (c, o) => mlp(c, [2, 1], o),
  },
  {
    exportName: 'ParamSet',
    path: 'options',
    name: 'strict',
    typo: 'stric',
    options: () => ({ strict: false }),
    call: (c, o) => model(c).params.loadStateDict({}, o),
  },
  {
    exportName: 'ParamSet',
    path: 'options',
    name: 'packed',
    typo: 'paked',
    options: () => ({ name: 'w', shape: [2], init: () => new Float64Array(2) }),
    call: (c, o) => new ParamSet(c, [o as never]),
  },
  {
    exportName: 'SGD',
    path: 'options',
    name: 'momentum',
    typo: 'momentun',
    options: () => ({ lr: 0.1 }),
    call: (c, o) => new SGD(model(c).params, o as never),
  },
  {
    exportName: 'SGD',
    path: 'options',
    name: 'strict',
    typo: 'Strict',
    options: () => ({ strict: false }),
    call: (c, o) => new SGD(model(c).params, { lr: 0.1 }).loadStateDict({}, o),
  },
  {
    exportName: 'Adam',
    path: 'options',
    name: 'betas',
    typo: 'beta',
    options: () => ({ lr: 0.1 }),
    call: (c, o) => new Adam(model(c).params, o),
  },
  {
    exportName: 'AdamW',
    path: 'options',
    name: 'weightDecay',
    typo: 'weight_decay',
    options: () => ({ lr: 0.1 }),
    call: (c, o) => new AdamW(model(c).params, o),
  },
  {
    exportName: 'RMSprop',
    path: 'options',
    name: 'alpha',
    typo: 'alpah',
    options: () => ({ lr: 0.1 }),
    call: (c, o) => new RMSprop(model(c).params, o),
  },
  {
    exportName: 'Trainer',
    path: 'options',
    name: 'reduction',
    typo: 'reducton',
    options: () => ({ loss: 'mse' }),
    call: (c, o) => {
      const m = model(c);
      return new Trainer(m, new SGD(m.params, { lr: 0.1 }), o as never);
    },
  },
  {
    exportName: 'Trainer',
    path: 'options.clip',
    name: 'normType',
    typo: 'norm_type',
    options: () => ({ loss: 'mse', clip: { maxNorm: 1, normType: 'inf' } }),
    call: (c, o) => {
      const m = model(c);
      return new Trainer(m, new SGD(m.params, { lr: 0.1 }), o as never);
    },
  },
  {
    exportName: 'Trainer',
    path: 'options.loss',
    name: 'delta',
    typo: 'detla',
    options: () => ({ loss: { name: 'huber', delta: 1 } }),
    call: (c, o) => {
      const m = model(c);
      return new Trainer(m, new SGD(m.params, { lr: 0.1 }), o as never);
    },
  },
  {
    exportName: 'Trainer',
    path: 'options',
    name: 'read',
    typo: 'raed',
    options: () => ({ read: true }),
    call: (c, o) => trainerOf(c).step(c.tensor([1, 2], [1, 2]), c.tensor([1], [1, 1]), o),
  },
  {
    exportName: 'Trainer',
    path: 'options',
    name: 'batchSize',
    typo: 'batch_size',
    options: () => ({ epochs: 1, batchSize: 2 }),
    call: (c, o) => trainerOf(c).fit(X, Y, o as never),
  },
  {
    exportName: 'Trainer',
    path: 'options.validationData',
    name: 'targets',
    typo: 'target',
    options: () => ({ epochs: 1, batchSize: 2, validationData: { x: X, targets: Y } }),
    call: (c, o) => trainerOf(c).fit(X, Y, o as never),
  },
  {
    exportName: 'Trainer',
    path: 'options.earlyStopping',
    name: 'patience',
    typo: 'patince',
    options: () => ({ epochs: 1, batchSize: 2, validationData: { x: X, targets: Y }, earlyStopping: { patience: 1 } }),
    call: (c, o) => trainerOf(c).fit(X, Y, o as never),
  },
  {
    exportName: 'Trainer',
    path: 'options.tbptt',
    name: 'chunk',
    typo: 'chunks',
    options: () => ({ epochs: 1, batchSize: 2, tbptt: { chunk: 2 } }),
    call: (c, o) => seqTrainer(c).fit(SX, SY, o as never),
  },
  {
    exportName: 'Trainer',
    path: 'options',
    name: 'batchSize',
    typo: 'batchsize',
    options: () => ({ batchSize: 2 }),
    call: (c, o) => trainerOf(c).evaluate(X, Y, o),
  },
  {
    exportName: 'Trainer',
    path: 'options',
    name: 'timeMajor',
    typo: 'time_major',
    options: () => ({ batchSize: 2 }),
    call: (c, o) => trainerOf(c).predict(X, o),
  },
  {
    exportName: 'Trainer',
    path: 'options',
    name: 'schedule',
    typo: 'schedul',
    options: () => ({}),
    call: (c, o) => trainerOf(c).stateDict(o),
  },
  {
    exportName: 'Trainer',
    path: 'options',
    name: 'strict',
    typo: 'strict_',
    options: () => ({ strict: false }),
    call: (c, o) => trainerOf(c).loadStateDict({}, o),
  },
  {
    exportName: 'clipGradNorm',
    path: 'options',
    name: 'normType',
    typo: 'norm_type',
    options: () => ({ normType: 'inf' }),
    call: (c, o) => clipGradNorm(model(c).params, 1, o),
  },
  {
    exportName: 'saveSafetensors',
    path: 'options',
    name: 'dtype',
    typo: 'dtpye',
    options: () => ({ dtype: 'F64' }),
    call: (_, o) => saveSafetensors(dict, o as never),
  },
  {
    exportName: 'StepLR',
    path: 'options',
    name: 'gamma',
    typo: 'gama',
    options: () => ({ stepSize: 1 }),
    call: (c, o) => new StepLR(new SGD(model(c).params, { lr: 0.1 }), o as never),
  },
  {
    exportName: 'CosineAnnealingLR',
    path: 'options',
    name: 'etaMin',
    typo: 'eta_min',
    options: () => ({ tMax: 2 }),
    call: (c, o) => new CosineAnnealingLR(new SGD(model(c).params, { lr: 0.1 }), o as never),
  },
  {
    exportName: 'LinearLR',
    path: 'options',
    name: 'totalIters',
    typo: 'total_iters',
    options: () => ({}),
    call: (c, o) => new LinearLR(new SGD(model(c).params, { lr: 0.1 }), o),
  },
  {
    exportName: 'LinearLR',
    path: 'options',
    name: 'strict',
    typo: 'strikt',
    options: () => ({ strict: false }),
    call: (c, o) => new LinearLR(new SGD(model(c).params, { lr: 0.1 })).loadStateDict({}, o),
  },
  {
    exportName: 'ReduceLROnPlateau',
    path: 'options',
    name: 'minLr',
    typo: 'min_lr',
    options: () => ({}),
    call: (c, o) => new ReduceLROnPlateau(new SGD(model(c).params, { lr: 0.1 }), o),
  },
  {
    exportName: 'ProgressLine',
    path: 'options',
    name: 'redrawMs',
    typo: 'redrawMS',
    options: () => ({ epochs: 1, stream: { write: () => true } }),
    call: (_, o) => new ProgressLine(o as never),
  },
];

/** Function and class exports that take no options object, with what they take instead. */
const TAKES_NO_OPTIONS: Record<string, string> = {
  Tensor: 'made by a context (ctx.tensor), not by users',
  WebGpuBackend:
    'made by createContext (its options rows); its ops run the same spec checks as CpuBackend (rows above)',
  ActivationLayer: 'an activation name or function',
  Dropout: 'p',
  lengthPenalty: 'a length and an exponent',
  clipGradValue: 'params and a bound',
  loadSafetensors: 'bytes',
  stateDictToJson: 'a state dict',
  stateDictFromJson: 'text',
  Rng: 'a seed',
  checkLengths: 'positional arguments',
  lengthsFromMask: 'positional arguments',
  BatchLengths: 'internal: made by checkLengths',
  spectralRadius: 'positional arguments',
  addingProblem: 'positional arguments',
  SequentialLR: 'schedulers and milestones',
  serveTrainer: "an endpoint (a worker's self, or parentPort)",
};

function withTypo(options: Options, path: string, name: string, typo: string): Options {
  let at = options;
  for (const key of path.split('.').slice(1)) at = at[key] as Options;
  const value = at[name];
  delete at[name];
  at[typo] = value ?? 1;
  return options;
}

async function outcome(f: () => unknown): Promise<unknown> {
  try {
    await f();
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('misspelt options', () => {
  it('every function or class export that takes options has a row (or says why it takes none)', () => {
    const exported = Object.entries(api)
      .filter(([, v]) => typeof v === 'function' && !(v.prototype instanceof Error))
      .map(([k]) => k);
    const covered = new Set([...ROWS.map((r) => r.exportName), ...Object.keys(TAKES_NO_OPTIONS)]);
    expect(exported.filter((k) => !covered.has(k))).toEqual([]);
    expect([...covered].filter((k) => !exported.includes(k))).toEqual([]);
  });

  for (const row of ROWS) {
    it(`${row.exportName} ${row.path}: "${row.typo}" is refused naming ${row.name}`, async () => {
      const ctx = new CpuBackend();
      const valid = await outcome(() => row.call(ctx, row.options()));
      expect(valid, 'the valid call').toBeUndefined();
      const e = (await outcome(() => row.call(ctx, withTypo(row.options(), row.path, row.name, row.typo)))) as Error;
      expect(e, 'the call with the typo').toBeInstanceOf(api.ValueError);
      expect(e.message).toContain(`unknown option "${row.typo}" (did you mean ${row.name}?)`);
    });
  }
});
