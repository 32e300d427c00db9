// ours → ONNX → ours: a WebGPU model (f32 weights) exported with exportOnnx and read back with importOnnx
// has bit-identical weights, the same layers and the same outputs; the same file imported on the CPU
// backend holds the same f32 values as f64. (A CPU model's f64 weights round to f32 in the file.)
import { describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  Embedding,
  GRU,
  LastStep,
  Linear,
  LSTM,
  RNN,
  Sequential,
  type Backend,
  type Layer,
} from '../src/index.js';
import { OnnxError, exportOnnx, importOnnx } from '../src/onnx/index.js';
import { compareArrays, seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();

interface Case {
  name: string;
  layers: () => Layer[];
  /** Input shape; ids in [0, vocabulary) when given. */
  shape: number[];
  vocabulary?: number;
}

const CASES: Case[] = [
  {
    name: 'Linear + ReLU, Tanh, Sigmoid',
    layers: () => [
      new Linear(5, 7),
      new ActivationLayer('relu'),
      new Linear(7, 6),
      new ActivationLayer('tanh'),
      new Linear(6, 3, { bias: false }),
      new ActivationLayer('sigmoid'),
    ],
    shape: [4, 5],
  },
  {
    name: 'Linear + LeakyReLU(0.1), ELU(0.5)',
    layers: () => [
      new Linear(4, 6),
      new ActivationLayer({ name: 'leaky_relu', param: 0.1 }),
      new Linear(6, 2),
      new ActivationLayer({ name: 'elu', param: 0.5 }),
    ],
    shape: [3, 4],
  },
  {
    name: 'LSTM 2 layers bidirectional',
    layers: () => [new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true })],
    shape: [5, 2, 3],
  },
  {
    name: 'GRU 2 layers bidirectional batch-first → Linear per step',
    layers: () => [
      new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, batchFirst: true }),
      new Linear(8, 2),
    ],
    shape: [2, 6, 3],
  },
  {
    name: 'RNN relu, no bias',
    layers: () => [new RNN({ inputSize: 2, hiddenSize: 5, nonlinearity: 'relu', bias: false })],
    shape: [4, 3, 2],
  },
  {
    name: 'LSTM 2 layers → LastStep → Linear',
    layers: () => [new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2 }), new LastStep(), new Linear(5, 2)],
    shape: [6, 3, 3],
  },
  {
    name: 'GRU bidirectional → LastStep → Linear',
    layers: () => [new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true }), new LastStep(), new Linear(8, 2)],
    shape: [5, 2, 3],
  },
  {
    name: 'Embedding → GRU batch-first → LastStep → Linear',
    layers: () => [
      new Embedding(11, 4),
      new GRU({ inputSize: 4, hiddenSize: 6, batchFirst: true }),
      new LastStep(),
      new Linear(6, 3),
    ],
    shape: [2, 5],
    vocabulary: 11,
  },
];

function input(be: Backend, c: Case) {
  const rng = seeded(7);
  const n = c.shape.reduce((a, b) => a * b, 1);
  const data = c.vocabulary
    ? Array.from({ length: n }, () => Math.floor(rng.uniform(0, c.vocabulary!)))
    : Array.from(rng.uniformArray(n), (v) => v * 2 - 1);
  return be.tensor(data, c.shape);
}

describe('ONNX round trip: exportOnnx then importOnnx', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const be = gpu();
      const original = new Sequential(be, c.layers(), { seed: 3 }).eval();
      const bytes = await exportOnnx(original);
      const back = importOnnx(bytes, { ctx: be });
      const onCpu = importOnnx(bytes, { ctx: cpu });
      try {
        expect(back.layers.map((l) => l.constructor.name)).toEqual(original.layers.map((l) => l.constructor.name));
        const [a, b, d] = await Promise.all([original.stateDict(), back.stateDict(), onCpu.stateDict()]);
        expect(Object.keys(b)).toEqual(Object.keys(a));
        for (const k of Object.keys(a)) {
          expect(b[k].shape, k).toEqual(a[k].shape);
          // Bit-identical: every f32 weight comes back as the same f32 (and as the same value in f64).
          expect(Array.from(b[k].data), k).toEqual(Array.from(a[k].data));
          expect(Array.from(d[k].data), k).toEqual(Array.from(a[k].data));
        }
        const x = input(be, c);
        const [ya, yb] = await be.readMany([original.forward(x), back.forward(x)]);
        const msg = compareArrays(yb, ya, { atol: 0, rtol: 0, label: `${c.name}: imported vs original output` });
        if (msg) expect.fail(msg);
        x.release();
      } finally {
        original.release();
        back.release();
        onCpu.release();
      }
    });
  }

  it('reads back every opset the import takes (11 to 23) with the same weights', async () => {
    for (const opset of [11, 12, 13, 21, 23]) {
      const original = new Sequential(cpu, [
        new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true }),
        new LastStep(),
        new Linear(4, 2),
      ]);
      const bytes = await exportOnnx(original, { opset });
      const back = importOnnx(bytes, { ctx: cpu });
      const [a, b] = await Promise.all([original.stateDict(), back.stateDict()]);
      for (const k of Object.keys(a))
        expect(Array.from(b[k].data), `${k} at opset ${opset}`).toEqual(Array.from(a[k].data, Math.fround));
      original.release();
      back.release();
    }
  });

  it('refuses what it cannot read back: lengths (sequence_lens), states inputs, merges other than concat', async () => {
    const lstm = () => [new LSTM({ inputSize: 3, hiddenSize: 4 })];
    const tries: Array<[Layer[], Parameters<typeof exportOnnx>[1], RegExp]> = [
      [lstm(), { lengths: true }, /sequence_lens/],
      [lstm(), { states: true }, /graph\.input/],
      [[new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, mergeMode: 'sum' })], {}, /opset 17/],
    ];
    for (const [layers, options, message] of tries) {
      const model = new Sequential(cpu, layers);
      const bytes = await exportOnnx(model, options);
      model.release();
      expect(() => importOnnx(bytes, { ctx: cpu })).toThrow(OnnxError);
      expect(() => importOnnx(bytes, { ctx: cpu })).toThrow(message);
    }
  });
});
