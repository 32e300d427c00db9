// exportOnnx checked against ONNX Runtime (onnxruntime-node, CPU): every layer kind, stacked, bidirectional
// with each merge, batch-first, lengths, states, embedding → GRU → LastStep → Linear, the CO2 and names
// models, f16 weights and several opsets. ONNX Runtime's outputs (f32 weights and arithmetic) equal ours
// (the f64 CPU backend) within 1e-5 + 1e-4·|ours|; the maximum difference of each model is printed.
// The files are also decoded (src/onnx/proto.ts) to check their structure.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  CpuBackend,
  Dropout,
  Embedding,
  GRU,
  LastStep,
  Linear,
  LSTM,
  RNN,
  Sequential,
  type Layer,
  type RecurrentState,
} from '../src/index.js';
import {
  decodeModel,
  exportOnnx,
  f16Bits,
  fromUtf8,
  OnnxError,
  PRODUCER_VERSION,
  type ExportOnnxOptions,
} from '../src/onnx/index.js';
import { namesModel } from '../examples/names_task.js';
import { compareArrays } from './helpers.js';

const cpu = new CpuBackend();
const TOL = { atol: 1e-5, rtol: 1e-4 };
const measured: Array<[string, number]> = [];

afterAll(() => {
  console.log(
    'max |ONNX Runtime − ours| per exported model:\n' +
      measured.map(([name, d]) => `  ${name.padEnd(58)} ${d.toExponential(2)}`).join('\n'),
  );
});

/** Seeded values in [-1, 1). */
function values(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

interface Case {
  /** Input shape; ids when the model starts with an Embedding. */
  shape: number[];
  lengths?: number[];
  states?: boolean;
  options?: ExportOnnxOptions;
  /** The model's weights rounded to f16 before ours runs (the file holds f16 weights). */
  roundWeightsToF16?: boolean;
}

function f16Value(bits: number): number {
  const e = (bits >> 10) & 31;
  const m = bits & 1023;
  const v = e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
  return bits & 0x8000 ? -v : v;
}

async function roundToF16(model: Sequential): Promise<void> {
  const dict = await model.stateDict();
  const rounded = Object.fromEntries(
    Object.entries(dict).map(([k, v]) => [k, { shape: v.shape, data: v.data.map((x) => f16Value(f16Bits(x))) }]),
  );
  model.loadStateDict(rounded);
}

/** Exports the model, runs it in ONNX Runtime and here, compares every output; returns the decoded file. */
async function check(name: string, model: Sequential, c: Case) {
  model.eval();
  if (c.roundWeightsToF16) await roundToF16(model);
  const options: ExportOnnxOptions = { ...c.options, states: c.states, lengths: c.lengths !== undefined };
  const bytes = await exportOnnx(model, options);
  const proto = decodeModel(bytes);
  const n = c.shape.reduce((a, b) => a * b, 1);
  const V = model.inputIds;
  const data = V === undefined ? values(n, 7) : Float64Array.from({ length: n }, (_, i) => (i * 5 + 3) % V);
  const feeds: Record<string, ort.Tensor> = {};
  const inputName = options.inputName ?? (V === undefined ? 'input' : 'ids');
  feeds[inputName] =
    V === undefined
      ? new ort.Tensor('float32', Float32Array.from(data), c.shape)
      : new ort.Tensor(
          'int64',
          BigInt64Array.from(data, (v) => BigInt(v)),
          c.shape,
        );
  if (c.lengths) feeds.lengths = new ort.Tensor('int32', Int32Array.from(c.lengths), [c.lengths.length]);

  // Ours: the f64 CPU backend in eval mode, with the same (f32-rounded) inputs and states.
  const x = cpu.tensor(V === undefined ? Float32Array.from(data) : data, c.shape);
  const expected: Record<string, Float64Array> = {};
  const recurrent = model.recurrentLayers;
  const suffix = (k: number) => (recurrent.length === 1 ? '' : `_${k}`);
  if (c.states) {
    const states: RecurrentState[] = recurrent.map((layer, k) => {
      const spec = layer.stateSpec!(
        model.layers.slice(0, model.layers.indexOf(layer)).reduce<number[]>((s, l) => l.outputShape(s), c.shape),
      );
      const m = spec.shape.reduce((a, b) => a * b, 1);
      const h = Float32Array.from(values(m, 11 + k));
      feeds[`h0${suffix(k)}`] = new ort.Tensor('float32', h, spec.shape);
      const state: { h: ReturnType<typeof cpu.tensor>; c?: ReturnType<typeof cpu.tensor> } = {
        h: cpu.tensor(h, spec.shape),
      };
      if (spec.cell) {
        const cv = Float32Array.from(values(m, 31 + k));
        feeds[`c0${suffix(k)}`] = new ort.Tensor('float32', cv, spec.shape);
        state.c = cpu.tensor(cv, spec.shape);
      }
      return state;
    });
    const r = model.forward(x, { states, lengths: c.lengths });
    expected[options.outputName ?? 'output'] = await cpu.read(r.output);
    for (const [k, s] of r.states.entries()) {
      expected[`hN${suffix(k)}`] = await cpu.read(s.h);
      if (s.c) expected[`cN${suffix(k)}`] = await cpu.read(s.c);
    }
  } else {
    expected[options.outputName ?? 'output'] = await cpu.read(model.forward(x, { lengths: c.lengths }));
  }

  const session = await ort.InferenceSession.create(bytes);
  const got = await session.run(feeds);
  await session.release();
  let maxDiff = 0;
  for (const [key, want] of Object.entries(expected)) {
    const out = got[key];
    expect(out, `output ${key}`).toBeDefined();
    const actual = Float64Array.from(out.data as Float32Array);
    const problem = compareArrays(actual, want, { ...TOL, label: `${name}: ${key}` });
    if (problem) expect.fail(problem);
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(actual[i] - want[i]));
  }
  measured.push([name, maxDiff]);
  model.release();
  return proto;
}

const seq = (layers: Layer[], seed = 1) => new Sequential(cpu, layers, { seed });
const opTypes = (proto: ReturnType<typeof decodeModel>) => proto.graph!.node!.map((n) => n.op_type);

describe('exportOnnx → ONNX Runtime', () => {
  it('Linear (Gemm, no bias) and every activation, Dropout dropped', async () => {
    const model = seq([
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
    ]);
    const proto = await check('MLP: Linear + relu/leaky/elu/sigmoid/tanh', model, { shape: [4, 5] });
    expect(opTypes(proto)).toEqual([
      'Gemm',
      'Relu',
      'Gemm',
      'LeakyRelu',
      'Gemm',
      'Elu',
      'Gemm',
      'Sigmoid',
      'Gemm',
      'Tanh',
      'MatMul',
    ]);
    expect(proto.graph!.input!.map((v) => v.type!.tensor_type!.shape!.dim)).toEqual([
      [{ dim_param: 'batch' }, { dim_value: 5 }],
    ]);
  });

  for (const nonlinearity of ['tanh', 'relu'] as const)
    it(`RNN (${nonlinearity}) → Linear on every step (MatMul + Add)`, async () => {
      const model = seq([new RNN({ inputSize: 3, hiddenSize: 5, nonlinearity }), new Linear(5, 2)]);
      const proto = await check(`RNN ${nonlinearity} → Linear per step`, model, { shape: [6, 3, 3] });
      expect(opTypes(proto)).toEqual(['RNN', 'Reshape', 'MatMul', 'Add']);
    });

  it('RNN with the other activations (sigmoid, leaky_relu, elu, identity)', async () => {
    for (const nonlinearity of [
      'sigmoid',
      { name: 'leaky_relu', param: 0.1 },
      { name: 'elu', param: 0.5 },
      'identity',
    ] as const) {
      const model = seq([new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity })]);
      const label = typeof nonlinearity === 'string' ? nonlinearity : nonlinearity.name;
      await check(`RNN ${label}`, model, { shape: [5, 2, 3] });
    }
  });

  it('LSTM: one layer, stacked, bidirectional, batch-first, no bias', async () => {
    await check('LSTM', seq([new LSTM({ inputSize: 3, hiddenSize: 4 })]), { shape: [7, 2, 3] });
    await check('LSTM 3 layers', seq([new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 3 })]), { shape: [5, 2, 3] });
    const proto = await check(
      'LSTM 2 layers bidirectional batch-first',
      seq([new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, batchFirst: true })]),
      { shape: [2, 6, 3] },
    );
    expect(opTypes(proto)).toEqual([
      'Transpose',
      'LSTM',
      'Transpose',
      'Reshape',
      'LSTM',
      'Transpose',
      'Reshape',
      'Transpose',
    ]);
    expect(
      proto
        .graph!.node!.filter((n) => n.op_type === 'LSTM')
        .every((n) => !n.attribute!.some((a) => a.name === 'layout')),
    ).toBe(true);
    expect(proto.graph!.input![0].type!.tensor_type!.shape!.dim).toEqual([
      { dim_param: 'batch' },
      { dim_param: 'sequence' },
      { dim_value: 3 },
    ]);
    await check('LSTM no bias', seq([new LSTM({ inputSize: 3, hiddenSize: 4, bias: false })]), { shape: [4, 2, 3] });
  });

  it('GRU: one layer, stacked bidirectional (linear_before_reset = 1)', async () => {
    const proto = await check('GRU', seq([new GRU({ inputSize: 3, hiddenSize: 5 })]), { shape: [6, 3, 3] });
    const gru = proto.graph!.node!.find((n) => n.op_type === 'GRU')!;
    expect(gru.attribute!.find((a) => a.name === 'linear_before_reset')!.i).toBe(1);
    await check(
      'GRU 2 layers bidirectional',
      seq([new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true })]),
      {
        shape: [5, 2, 3],
      },
    );
  });

  it('bidirectional merges (sum, mul, ave) on sequences and with LastStep', async () => {
    for (const mergeMode of ['sum', 'mul', 'ave'] as const) {
      await check(
        `GRU bidirectional merge ${mergeMode}`,
        seq([new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, mergeMode }), new Linear(4, 2)]),
        {
          shape: [5, 2, 3],
        },
      );
      await check(
        `LSTM bidirectional merge ${mergeMode} → LastStep, lengths`,
        seq([
          new LSTM({ inputSize: 3, hiddenSize: 4, bidirectional: true, mergeMode, batchFirst: true }),
          new LastStep(),
          new Linear(4, 2),
        ]),
        { shape: [3, 5, 3], lengths: [5, 2, 4] },
      );
    }
    await check(
      'RNN bidirectional concat → LastStep',
      seq([
        new RNN({ inputSize: 3, hiddenSize: 4, bidirectional: true, numLayers: 2 }),
        new LastStep(),
        new Linear(8, 2),
      ]),
      { shape: [5, 2, 3] },
    );
  });

  it('lengths as sequence_lens: stacked bidirectional LSTM, time-major and batch-first', async () => {
    const proto = await check(
      'LSTM 2 layers bidirectional, lengths',
      seq([new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true })]),
      {
        shape: [6, 3, 3],
        lengths: [6, 2, 4],
      },
    );
    expect(proto.graph!.input!.map((v) => v.name)).toEqual(['input', 'lengths']);
    expect(proto.graph!.node!.filter((n) => n.op_type === 'LSTM').every((n) => n.input![4] === 'lengths')).toBe(true);
    await check('GRU batch-first, lengths', seq([new GRU({ inputSize: 3, hiddenSize: 4, batchFirst: true })]), {
      shape: [3, 6, 3],
      lengths: [1, 6, 3],
    });
  });

  it('LastStep away from a recurrent op: Gather of step T−1, GatherElements of each row’s last step', async () => {
    const layers = (batchFirst: boolean) => [
      new GRU({ inputSize: 3, hiddenSize: 4, batchFirst }),
      new Linear(4, 5),
      new ActivationLayer('tanh'),
      new LastStep(),
      new Linear(5, 2),
    ];
    for (const batchFirst of [false, true]) {
      const shape = batchFirst ? [3, 6, 3] : [6, 3, 3];
      const p1 = await check(
        `GRU → Linear → LastStep (Gather)${batchFirst ? ' batch-first' : ''}`,
        seq(layers(batchFirst)),
        { shape },
      );
      expect(opTypes(p1)).toContain('Gather');
      const p2 = await check(
        `GRU → Linear → LastStep, lengths (GatherElements)${batchFirst ? ' batch-first' : ''}`,
        seq(layers(batchFirst)),
        {
          shape,
          lengths: [2, 6, 5],
        },
      );
      expect(opTypes(p2)).toContain('GatherElements');
    }
  });

  it('states: required h0 / c0 inputs, hN / cN outputs, one pair per recurrent layer', async () => {
    const proto = await check(
      'LSTM 2 layers bidirectional, states',
      seq([new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true })]),
      {
        shape: [5, 2, 3],
        states: true,
      },
    );
    expect(proto.graph!.input!.map((v) => v.name)).toEqual(['input', 'h0', 'c0']);
    expect(proto.graph!.output!.map((v) => v.name)).toEqual(['output', 'hN', 'cN']);
    expect(proto.graph!.input![1].type!.tensor_type!.shape!.dim).toEqual([
      { dim_value: 4 },
      { dim_param: 'batch' },
      { dim_value: 4 },
    ]);
    const p2 = await check(
      'GRU → LSTM → LastStep, states and lengths',
      seq([
        new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2 }),
        new LSTM({ inputSize: 4, hiddenSize: 3 }),
        new LastStep(),
        new Linear(3, 2),
      ]),
      { shape: [5, 3, 3], states: true, lengths: [5, 3, 1] },
    );
    expect(p2.graph!.input!.map((v) => v.name)).toEqual(['input', 'lengths', 'h0_0', 'h0_1', 'c0_1']);
    expect(p2.graph!.output!.map((v) => v.name)).toEqual(['output', 'hN_0', 'hN_1', 'cN_1']);
  });

  it('Embedding → GRU → LastStep → Linear with lengths (int64 ids, batch-first)', async () => {
    const model = seq([
      new Embedding(11, 4),
      new GRU({ inputSize: 4, hiddenSize: 6, batchFirst: true }),
      new LastStep(),
      new Linear(6, 3),
    ]);
    const proto = await check('Embedding → GRU → LastStep → Linear, lengths', model, {
      shape: [3, 5],
      lengths: [5, 1, 3],
    });
    expect(opTypes(proto)).toEqual(['Gather', 'Transpose', 'GRU', 'Reshape', 'Gemm']);
    expect(proto.graph!.input![0]).toMatchObject({ name: 'ids', type: { tensor_type: { elem_type: 7 } } });
  });

  it('the CO2 model (LSTM 1→32, LastStep, Linear 32→1) and the names model (Embedding → GRU → Linear)', async () => {
    const co2 = seq([new LSTM({ inputSize: 1, hiddenSize: 32, forgetBias: 1 }), new LastStep(), new Linear(32, 1)], 0);
    await check('CO2: LSTM 1→32, LastStep, Linear 32→1', co2, { shape: [24, 8, 1] });
    const vocabulary = ['.', ...'abcdefghijklmnopqrstuvwxyz'];
    const names = namesModel(cpu, vocabulary.length, { hidden: 64, seed: 2 });
    const proto = await check('names: Embedding 27→32, GRU 32→64, Linear 64→27', names, {
      shape: [9, 4],
      options: { vocabulary, loss: 'crossEntropy', optimizer: 'adam' },
    });
    const props = Object.fromEntries(proto.metadata_props!.map((p) => [p.key, p.value]));
    expect(props).toEqual({ loss: 'crossEntropy', optimizer: 'adam', vocabulary: JSON.stringify(vocabulary) });
    expect(proto.producer_name).toBe('webgpu-rnn');
    expect(proto.producer_version).toBe(PRODUCER_VERSION);
  });

  it('f16 weights: f16 initializers, a Cast to float each, outputs equal ours with the same rounded weights', async () => {
    const model = seq([
      new Embedding(9, 4),
      new LSTM({ inputSize: 4, hiddenSize: 5, bidirectional: true }),
      new LastStep(),
      new Linear(10, 3),
    ]);
    const f32 = (await exportOnnx(model, {})).length;
    const proto = await check('f16: Embedding → LSTM bidirectional → LastStep → Linear', model, {
      shape: [6, 2],
      options: { weights: 'float16' },
      roundWeightsToF16: true,
    });
    const floats = proto.graph!.initializer!.filter((t) => t.data_type === 1 || t.data_type === 10);
    expect(floats.every((t) => t.data_type === 10)).toBe(true);
    expect(opTypes(proto).filter((t) => t === 'Cast')).toHaveLength(floats.length);
    expect(proto.graph!.initializer!.reduce((s, t) => s + (t.raw_data?.length ?? 0), 0)).toBeLessThan(f32 / 1.8);
  });

  it('f16Bits rounds to nearest even, with subnormals, overflow and NaN', () => {
    expect(f16Bits(1)).toBe(0x3c00);
    expect(f16Bits(-2)).toBe(0xc000);
    expect(f16Bits(65504)).toBe(0x7bff);
    expect(f16Bits(65520)).toBe(0x7c00);
    expect(f16Bits(2 ** -24)).toBe(1);
    expect(f16Bits(2 ** -25)).toBe(0); // a tie: rounds to even 0
    expect(f16Bits(1 + 2 ** -11)).toBe(0x3c00); // a tie between 1 and 1 + 2^-10: even
    expect(f16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f16Bits(Number.NaN)).toBe(0x7e00);
    expect(f16Bits(-0)).toBe(0x8000);
    for (const v of values(1000, 3))
      expect(Math.abs(f16Value(f16Bits(v)) - v)).toBeLessThanOrEqual(2 ** -11 * Math.abs(v) + 2 ** -25);
  });

  it('opsets: the same model at 7, 11, 13, 21 and 23; older than the graph needs is refused', async () => {
    for (const opset of [7, 11, 13, 21, 23]) {
      const proto = await check(
        `LSTM → LastStep → Linear at opset ${opset}`,
        seq([new LSTM({ inputSize: 2, hiddenSize: 3 }), new LastStep(), new Linear(3, 1)]),
        {
          shape: [4, 2, 2],
          options: { opset },
        },
      );
      expect(proto.opset_import).toEqual([{ domain: '', version: opset }]);
    }
    const model = seq([new GRU({ inputSize: 2, hiddenSize: 3 }), new Linear(3, 3), new LastStep()]);
    await expect(exportOnnx(model, { opset: 10, lengths: true })).rejects.toThrow(
      /opset: expected 11 or newer \(node 2\/GatherElements/,
    );
    await expect(exportOnnx(model, { opset: 6 })).rejects.toThrow(OnnxError);
    await expect(exportOnnx(model, { opset: 24 })).rejects.toThrow(/opset: expected an integer in \[7, 23\]/);
    model.release();
  });

  it('named inputs and outputs, and options refused with OnnxError', async () => {
    const model = seq([new Linear(3, 2)]);
    const proto = decodeModel(
      await exportOnnx(model, { inputName: 'features', outputName: 'logits', metadata: { task: 'demo' } }),
    );
    expect(proto.graph!.input!.map((v) => v.name)).toEqual(['features']);
    expect(proto.graph!.output!.map((v) => v.name)).toEqual(['logits']);
    expect(proto.metadata_props).toEqual([{ key: 'task', value: 'demo' }]);
    await expect(exportOnnx(model, { states: true })).rejects.toThrow(
      /states: expected a model with a recurrent layer/,
    );
    await expect(exportOnnx(model, { vocabulary: ['a'] })).rejects.toThrow(
      /vocabulary: expected a model that reads ids/,
    );
    await expect(exportOnnx(model, { inputName: 'x', outputName: 'x' })).rejects.toThrow(OnnxError);
    await expect(exportOnnx(model, { weights: 'int8' as never })).rejects.toThrow(
      /weights: expected 'float32' or 'float16'/,
    );
    await expect(exportOnnx(model, { opst: 17 } as never)).rejects.toThrow(/opst/);
    const ids = seq([new Embedding(4, 2)]);
    await expect(exportOnnx(ids, { vocabulary: ['a', 'b'] })).rejects.toThrow(/vocabulary: expected 4 strings/);
    model.release();
    ids.release();
  });

  it('producer_version is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(PRODUCER_VERSION).toBe(pkg.version);
    expect(fromUtf8(new Uint8Array([0x6f, 0x6b]))).toBe('ok');
  });
});
