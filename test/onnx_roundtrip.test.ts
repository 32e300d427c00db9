// ours → ONNX → ours for every export configuration test/onnx_export.test.ts and onnx_export_gpu.test.ts
// use: a WebGPU model (f32 weights) exported with exportOnnx and read back with importOnnx has the same
// layers (Dropout and identity activations, which write no node, left out) and bit-identical weights, on
// WebGPU and as f64 on the CPU backend (f16 files: the weights rounded to f16). On the CPU backend the
// imported model's forward equals the original's (the same weights) exactly, run with the lengths and
// states the file takes. (A CPU model's f64 weights round to f32 in the file.)
import { describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  Dropout,
  Embedding,
  GRU,
  LastStep,
  Linear,
  LSTM,
  RNN,
  Sequential,
  type Backend,
  type Layer,
  type RecurrentState,
  type Tensor,
} from '../src/index.js';
import { decodeModel, exportOnnx, f16Bits, importOnnx, type ExportOnnxOptions } from '../src/onnx/index.js';
import { compareArrays, seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();

interface Case {
  name: string;
  layers: () => Layer[];
  /** Input shape (ids [T, B] or [B, T] for a model whose first layer is an Embedding). */
  shape: number[];
  lengths?: number[];
  states?: boolean;
  options?: ExportOnnxOptions;
}

const lstmLastLinear = () => [new LSTM({ inputSize: 2, hiddenSize: 3 }), new LastStep(), new Linear(3, 1)];
const gruLinearLast = (batchFirst: boolean) => () => [
  new GRU({ inputSize: 3, hiddenSize: 4, batchFirst }),
  new Linear(4, 5),
  new ActivationLayer('tanh'),
  new LastStep(),
  new Linear(5, 2),
];

const CASES: Case[] = [
  {
    name: 'MLP: Linear + relu/leaky/elu/sigmoid/tanh, Dropout and identity dropped',
    layers: () => [
      new Linear(5, 8),
      new ActivationLayer('relu'),
      new Linear(8, 7),
      new ActivationLayer({ name: 'leaky_relu', param: 0.2 }),
      new Dropout(0.3),
      new Linear(7, 6),
      new ActivationLayer({ name: 'elu', param: 0.7 }),
      new Linear(6, 6),
      new ActivationLayer('sigmoid'),
      new Linear(6, 4),
      new ActivationLayer('tanh'),
      new ActivationLayer('identity'),
      new Linear(4, 3, { bias: false }),
    ],
    shape: [4, 5],
  },
  ...(['tanh', 'relu'] as const).map((nonlinearity) => ({
    name: `RNN ${nonlinearity} → Linear per step`,
    layers: () => [new RNN({ inputSize: 3, hiddenSize: 5, nonlinearity }), new Linear(5, 2)],
    shape: [6, 3, 3],
  })),
  ...(['sigmoid', { name: 'leaky_relu', param: 0.1 }, { name: 'elu', param: 0.5 }, 'identity'] as const).map(
    (nonlinearity) => ({
      name: `RNN ${typeof nonlinearity === 'string' ? nonlinearity : nonlinearity.name}`,
      layers: () => [new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity })],
      shape: [5, 2, 3],
    }),
  ),
  {
    name: 'RNN relu, no bias',
    layers: () => [new RNN({ inputSize: 2, hiddenSize: 5, nonlinearity: 'relu', bias: false })],
    shape: [4, 3, 2],
  },
  { name: 'LSTM', layers: () => [new LSTM({ inputSize: 3, hiddenSize: 4 })], shape: [7, 2, 3] },
  { name: 'LSTM 3 layers', layers: () => [new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 3 })], shape: [5, 2, 3] },
  {
    name: 'LSTM 2 layers bidirectional batch-first',
    layers: () => [new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, batchFirst: true })],
    shape: [2, 6, 3],
  },
  { name: 'LSTM no bias', layers: () => [new LSTM({ inputSize: 3, hiddenSize: 4, bias: false })], shape: [4, 2, 3] },
  { name: 'GRU', layers: () => [new GRU({ inputSize: 3, hiddenSize: 5 })], shape: [6, 3, 3] },
  {
    name: 'GRU 2 layers bidirectional',
    layers: () => [new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true })],
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
  ...(['sum', 'mul', 'ave'] as const).flatMap((mergeMode) => [
    {
      name: `GRU bidirectional merge ${mergeMode} → Linear per step`,
      layers: () => [new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, mergeMode }), new Linear(4, 2)],
      shape: [5, 2, 3],
    },
    {
      name: `LSTM bidirectional merge ${mergeMode} batch-first → LastStep → Linear, lengths`,
      layers: () => [
        new LSTM({ inputSize: 3, hiddenSize: 4, bidirectional: true, mergeMode, batchFirst: true }),
        new LastStep(),
        new Linear(4, 2),
      ],
      shape: [3, 5, 3],
      lengths: [5, 2, 4],
    },
  ]),
  {
    name: 'GRU 2 layers bidirectional merge ave, states',
    layers: () => [new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, mergeMode: 'ave' })],
    shape: [5, 2, 3],
    states: true,
  },
  {
    name: 'RNN 2 layers bidirectional → LastStep → Linear',
    layers: () => [
      new RNN({ inputSize: 3, hiddenSize: 4, bidirectional: true, numLayers: 2 }),
      new LastStep(),
      new Linear(8, 2),
    ],
    shape: [5, 2, 3],
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
    name: 'LSTM 2 layers bidirectional, lengths',
    layers: () => [new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true })],
    shape: [6, 3, 3],
    lengths: [6, 2, 4],
  },
  {
    name: 'GRU batch-first, lengths',
    layers: () => [new GRU({ inputSize: 3, hiddenSize: 4, batchFirst: true })],
    shape: [3, 6, 3],
    lengths: [1, 6, 3],
  },
  ...[false, true].flatMap((batchFirst) => {
    const shape = batchFirst ? [3, 6, 3] : [6, 3, 3];
    const layout = batchFirst ? ' batch-first' : '';
    return [
      { name: `GRU → Linear → LastStep (Gather)${layout}`, layers: gruLinearLast(batchFirst), shape },
      {
        name: `GRU → Linear → LastStep, lengths (GatherElements)${layout}`,
        layers: gruLinearLast(batchFirst),
        shape,
        lengths: [2, 6, 5],
      },
    ];
  }),
  {
    name: 'LSTM 2 layers bidirectional, states',
    layers: () => [new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true })],
    shape: [5, 2, 3],
    states: true,
  },
  {
    name: 'GRU 2 layers → LSTM → LastStep → Linear, states and lengths',
    layers: () => [
      new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2 }),
      new LSTM({ inputSize: 4, hiddenSize: 3 }),
      new LastStep(),
      new Linear(3, 2),
    ],
    shape: [5, 3, 3],
    states: true,
    lengths: [5, 3, 1],
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
  },
  {
    name: 'Embedding → GRU batch-first → LastStep → Linear, lengths',
    layers: () => [
      new Embedding(11, 4),
      new GRU({ inputSize: 4, hiddenSize: 6, batchFirst: true }),
      new LastStep(),
      new Linear(6, 3),
    ],
    shape: [3, 5],
    lengths: [5, 1, 3],
  },
  {
    name: 'Embedding → GRU bidirectional batch-first → LastStep → Linear, lengths (the WebGPU export test)',
    layers: () => [
      new Embedding(12, 5),
      new GRU({ inputSize: 5, hiddenSize: 7, bidirectional: true, batchFirst: true }),
      new LastStep(),
      new Linear(14, 3),
    ],
    shape: [3, 6],
    lengths: [2, 6, 4],
  },
  {
    name: 'CO2: LSTM 1→32, LastStep, Linear 32→1',
    layers: () => [new LSTM({ inputSize: 1, hiddenSize: 32, forgetBias: 1 }), new LastStep(), new Linear(32, 1)],
    shape: [24, 8, 1],
  },
  {
    name: 'names (examples/names_task.ts): Embedding 27→32, GRU 32→64, Linear 64→27, with metadata',
    layers: () => [new Embedding(27, 32), new GRU({ inputSize: 32, hiddenSize: 64 }), new Linear(64, 27)],
    shape: [9, 4],
    options: { vocabulary: ['.', ...'abcdefghijklmnopqrstuvwxyz'], loss: 'crossEntropy', optimizer: 'adam' },
  },
  {
    name: 'f16 weights: Embedding → LSTM bidirectional → LastStep → Linear',
    layers: () => [
      new Embedding(9, 4),
      new LSTM({ inputSize: 4, hiddenSize: 5, bidirectional: true }),
      new LastStep(),
      new Linear(10, 3),
    ],
    shape: [6, 2],
    options: { weights: 'float16' },
  },
  {
    name: 'f16 weights: GRU bidirectional merge ave → Linear, lengths',
    layers: () => [new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, mergeMode: 'ave' }), new Linear(4, 2)],
    shape: [5, 2, 3],
    lengths: [3, 5],
    options: { weights: 'float16' },
  },
  ...[7, 11, 13, 21, 23].map((opset) => ({
    name: `LSTM → LastStep → Linear at opset ${opset}`,
    layers: lstmLastLinear,
    shape: [4, 2, 2],
    options: { opset },
  })),
  {
    name: 'LSTM 2 layers, states, at opset 10',
    layers: () => [new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2 })],
    shape: [3, 2, 2],
    states: true,
    options: { opset: 10 },
  },
  {
    name: 'named input and output',
    layers: () => [new Linear(3, 2)],
    shape: [4, 3],
    options: { inputName: 'features', outputName: 'logits', metadata: { task: 'demo' } },
  },
  {
    name: 'Linear → LastStep (batch-first option)',
    layers: () => [new Linear(3, 4), new LastStep({ batchFirst: true })],
    shape: [2, 5, 3],
  },
];

/** The layers exportOnnx writes a node for: Dropout and identity activations leave none. */
function written(layer: Layer): boolean {
  return !(layer instanceof Dropout || (layer instanceof ActivationLayer && layer.activation.name === 'identity'));
}

/** What a layer is, for comparing the imported layers with the original's. */
function describeLayer(layer: Layer): string {
  if (layer instanceof RNN || layer instanceof LSTM || layer instanceof GRU)
    return JSON.stringify({
      cell: layer.cell,
      I: layer.inputSize,
      H: layer.hiddenSize,
      L: layer.numLayers,
      D: layer.directions,
      bias: layer.bias,
      batchFirst: layer.batchFirst,
      mergeMode: layer.mergeMode,
      nonlinearity: layer instanceof RNN ? layer.nonlinearity : undefined,
    });
  if (layer instanceof ActivationLayer) return `Activation ${JSON.stringify(layer.activation)}`;
  if (layer instanceof Linear) return `Linear bias ${layer.bias}`;
  return layer.constructor.name;
}

function f16Value(bits: number): number {
  const e = (bits >> 10) & 31;
  const m = bits & 1023;
  const v = e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
  return bits & 0x8000 ? -v : v;
}

function input(be: Backend, model: Sequential, shape: number[]): Tensor {
  const rng = seeded(7);
  const n = shape.reduce((a, b) => a * b, 1);
  const V = model.inputIds;
  const data =
    V !== undefined
      ? Array.from({ length: n }, () => Math.floor(rng.uniform(0, V)))
      : Array.from(rng.uniformArray(n), (v) => v * 2 - 1);
  return be.tensor(data, shape);
}

/** Seeded initial states for each recurrent layer of the model, for an input shape. */
function initialStates(model: Sequential, shape: number[]): RecurrentState[] {
  const rng = seeded(11);
  return model.recurrentLayers.map((layer) => {
    const before = model.layers.slice(0, model.layers.indexOf(layer));
    const spec = layer.stateSpec!(before.reduce<number[]>((s, l) => l.outputShape(s), shape));
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const make = () =>
      cpu.tensor(
        Array.from(rng.uniformArray(n), (v) => v * 2 - 1),
        spec.shape,
      );
    return spec.cell ? { h: make(), c: make() } : { h: make() };
  });
}

/** The model's outputs on the CPU backend: the output, then each final state (h, c) when run with states. */
async function run(model: Sequential, c: Case, states: RecurrentState[] | undefined): Promise<Float64Array[]> {
  const x = input(cpu, model, c.shape);
  try {
    if (!states) return [await cpu.read(model.forward(x, { lengths: c.lengths }))];
    const r = model.forward(x, { states, lengths: c.lengths });
    const out = [r.output, ...r.states.flatMap((s) => (s.c ? [s.h, s.c] : [s.h]))];
    return await cpu.readMany(out);
  } finally {
    x.release();
  }
}

describe('ONNX round trip: exportOnnx then importOnnx', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const be = gpu();
      const f16 = c.options?.weights === 'float16';
      const original = new Sequential(be, c.layers(), { seed: 3 }).eval();
      const bytes = await exportOnnx(original, { ...c.options, lengths: c.lengths !== undefined, states: c.states });
      const back = importOnnx(bytes, { ctx: be });
      const onCpu = importOnnx(bytes, { ctx: cpu });
      // The original's weights on the CPU backend (f32 values, or the f16 values the file holds).
      const reference = new Sequential(cpu, c.layers(), { seed: 3 }).eval();
      const states = c.states ? initialStates(reference, c.shape) : undefined;
      try {
        const kept = original.layers.filter(written);
        expect(back.layers.map(describeLayer)).toEqual(kept.map(describeLayer));
        expect(onCpu.layers.map(describeLayer)).toEqual(kept.map(describeLayer));
        const graph = decodeModel(bytes).graph!;
        expect(graph.input!.some((i) => i.name === 'lengths')).toBe(c.lengths !== undefined);
        // With states, one h0 input (and hN output) per recurrent module: forward's states in layer order.
        const h0s = graph.input!.filter((i) => i.name!.startsWith('h0'));
        expect(h0s.length).toBe(c.states ? onCpu.recurrentLayers.length : 0);
        expect(graph.output!.length > 1).toBe(c.states === true);

        const a = await original.stateDict();
        const expected = Object.fromEntries(
          Object.entries(a).map(([k, v]) => [k, f16 ? v.data.map((x) => f16Value(f16Bits(x))) : v.data]),
        );
        reference.loadStateDict(
          Object.fromEntries(Object.entries(a).map(([k, v]) => [k, { shape: v.shape, data: expected[k] }])),
        );
        // The imported layers are the written ones: an original key '<i>.<name>' is '<kept index>.<name>'.
        const index = new Map(kept.map((l, j) => [original.layers.indexOf(l), j]));
        const rename = (k: string) => k.replace(/^(\d+)\./, (_, i: string) => `${index.get(Number(i))}.`);
        const [b, d] = await Promise.all([back.stateDict(), onCpu.stateDict()]);
        expect(Object.keys(b).sort()).toEqual(Object.keys(a).map(rename).sort());
        for (const k of Object.keys(a)) {
          expect(b[rename(k)].shape, k).toEqual(a[k].shape);
          // Bit-identical: every f32 weight comes back as the same f32 (and as the same value in f64).
          expect(Array.from(b[rename(k)].data), k).toEqual(Array.from(expected[k]));
          expect(Array.from(d[rename(k)].data), k).toEqual(Array.from(expected[k]));
        }

        const [want, got] = [await run(reference, c, states), await run(onCpu, c, states)];
        expect(got).toHaveLength(want.length);
        want.forEach((w, i) => {
          const msg = compareArrays(got[i], w, {
            atol: 0,
            rtol: 0,
            label: `${c.name}: imported vs original, output ${i}`,
          });
          if (msg) expect.fail(msg);
        });
      } finally {
        for (const s of states ?? []) {
          s.h.release();
          s.c?.release();
        }
        for (const m of [original, back, onCpu, reference]) m.release();
      }
    });
  }
});
