// importOnnx on mutated files (fast-check), the fixtures and files exportOnnx writes with lengths, states,
// merges and f16 weights: bytes flipped, cut, inserted or repeated, and models changed field by field (a
// node's inputs, op type or attributes, an initializer's dims or data, the opset). Every
// outcome is a model or an OnnxError (never a TypeError or RangeError from inside, nor a layer's own
// ValueError: the import checks what the layers would refuse and names the tensor in the file), and a
// refused file leaves no tensor behind.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/cpu/backend.js';
import { ActivationLayer, GRU, LastStep, Linear, LSTM, RNN, Sequential, type Layer } from '../src/index.js';
import {
  OnnxError,
  decodeModel,
  encodeModel,
  exportOnnx,
  importOnnx,
  type ExportOnnxOptions,
  type ModelProto,
} from '../src/onnx/index.js';
import { IMPORT_FIXTURES, onnxBytes } from './onnx_fixtures.js';

const cpu = new CpuBackend();
const TORCH_FILES = [...IMPORT_FIXTURES, 'packed_lstm', 'conv1d_unsupported', 'gru_bidir_last_output'];
const EXPORTED: Record<string, [() => Layer[], ExportOnnxOptions]> = {
  'exported: GRU 2 layers → LSTM → LastStep → Linear, states and lengths': [
    () => [
      new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2 }),
      new LSTM({ inputSize: 4, hiddenSize: 3 }),
      new LastStep(),
      new Linear(3, 2),
    ],
    { states: true, lengths: true },
  ],
  'exported: GRU bidirectional merge ave → Linear, f16, lengths': [
    () => [new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, mergeMode: 'ave' }), new Linear(4, 2)],
    { weights: 'float16', lengths: true },
  ],
  'exported: LSTM bidirectional merge mul batch-first → LastStep': [
    () => [
      new LSTM({ inputSize: 3, hiddenSize: 4, bidirectional: true, mergeMode: 'mul', batchFirst: true }),
      new LastStep(),
    ],
    {},
  ],
  'exported: GRU batch-first → Linear → Tanh → LastStep, lengths': [
    () => [
      new GRU({ inputSize: 3, hiddenSize: 4, batchFirst: true }),
      new Linear(4, 5),
      new ActivationLayer('tanh'),
      new LastStep(),
    ],
    { lengths: true },
  ],
  'exported: RNN elu bidirectional 2 layers, states, opset 10': [
    () => [new RNN({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, nonlinearity: 'elu' })],
    { states: true, opset: 10 },
  ],
};
const FILES = [...TORCH_FILES, ...Object.keys(EXPORTED)];
const bytesOf = new Map(TORCH_FILES.map((f) => [f, onnxBytes(f)]));

beforeAll(async () => {
  for (const [name, [layers, options]] of Object.entries(EXPORTED)) {
    const model = new Sequential(cpu, layers(), { seed: 5 });
    bytesOf.set(name, await exportOnnx(model, options));
    model.release();
  }
});

/** Imports and releases; returns 'ok' or the OnnxError's class name, and fails on any other error. */
function outcome(bytes: Uint8Array): string {
  const live = cpu.liveTensors();
  try {
    importOnnx(bytes, { ctx: cpu }).release();
    return 'ok';
  } catch (e) {
    if (!(e instanceof OnnxError)) throw e;
    expect(cpu.liveTensors(), 'tensors left by a refused import').toBe(live);
    return e.constructor.name;
  } finally {
    expect(cpu.liveTensors()).toBe(live);
  }
}

const byteMutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
);

type ByteMutation = typeof byteMutation extends fc.Arbitrary<infer T> ? T : never;

function mutateBytes(src: Uint8Array, ms: ByteMutation[]): Uint8Array {
  let b = src;
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip') {
      b = b.slice();
      if (b.length) b[at] = m.value;
    } else if (m.kind === 'cut') b = b.slice(0, at);
    else if (m.kind === 'insert') b = new Uint8Array([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
    else b = new Uint8Array([...b.subarray(0, at + m.length), ...b.subarray(at)]);
  }
  return b;
}

/** One change of a decoded model, picked by numbers the arbitrary draws. */
const modelEdit = fc.record({
  what: fc.constantFrom('input', 'op', 'attrInt', 'attrFloat', 'dims', 'data', 'opset', 'dropNode', 'output'),
  i: fc.nat(),
  j: fc.nat(),
  n: fc.oneof(fc.integer({ min: -3, max: 20 }), fc.constantFrom(2 ** 31, -(2 ** 40), 2 ** 53)),
  f: fc.double({ noNaN: false }),
});

type ModelEdit = typeof modelEdit extends fc.Arbitrary<infer T> ? T : never;

const OPS = [
  'Gemm',
  'LSTM',
  'GRU',
  'RNN',
  'Gather',
  'Squeeze',
  'Reshape',
  'Transpose',
  'Concat',
  'Slice',
  'Relu',
  'Add',
  'Mul',
  'Sub',
  'GatherElements',
  'Cast',
  'Expand',
];

function editModel(m: ModelProto, e: ModelEdit): void {
  const g = m.graph!;
  const nodes = g.node ?? [];
  const node = nodes.length ? nodes[e.i % nodes.length] : undefined;
  const names = [...nodes.flatMap((x) => x.output ?? []), ...(g.initializer ?? []).map((t) => t.name!), '', 'missing'];
  const init = g.initializer?.length ? g.initializer[e.i % g.initializer.length] : undefined;
  switch (e.what) {
    case 'input':
      if (node?.input?.length) node.input[e.j % node.input.length] = names[e.j % names.length];
      break;
    case 'op':
      if (node) node.op_type = OPS[e.j % OPS.length];
      break;
    case 'attrInt':
      if (node?.attribute?.length) {
        const a = node.attribute[e.j % node.attribute.length];
        if (a.type === 2) a.i = e.n;
        else if (a.type === 7) a.ints = (a.ints ?? []).map(() => e.n);
      }
      break;
    case 'attrFloat':
      if (node?.attribute?.length) {
        const a = node.attribute[e.j % node.attribute.length];
        if (a.type === 1) a.f = e.f;
      }
      break;
    case 'dims':
      if (init?.dims?.length) init.dims[e.j % init.dims.length] = e.n;
      break;
    case 'data':
      if (init?.raw_data?.length) {
        const v = new DataView(init.raw_data.buffer, init.raw_data.byteOffset, init.raw_data.byteLength);
        if (init.raw_data.length >= 4) v.setFloat32(4 * (e.j % Math.floor(init.raw_data.length / 4)), e.f, true);
      }
      break;
    case 'opset':
      m.opset_import = [{ domain: '', version: e.n }];
      break;
    case 'dropNode':
      if (nodes.length) nodes.splice(e.i % nodes.length, 1);
      break;
    case 'output':
      if (g.output?.length) g.output[0].name = names[e.j % names.length];
      break;
  }
}

describe('importOnnx fuzz', () => {
  it('mutated bytes: a model or a typed error, never a crash or a leak', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FILES), fc.array(byteMutation, { minLength: 1, maxLength: 4 }), (file, ms) => {
        outcome(mutateBytes(bytesOf.get(file)!, ms));
      }),
      { numRuns: 400, seed: 24 },
    );
  });

  it('mutated models: a model or a typed error, never a crash or a leak', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(fc.constantFrom(...FILES), fc.array(modelEdit, { minLength: 1, maxLength: 3 }), (file, edits) => {
        const m = decodeModel(bytesOf.get(file)!);
        for (const e of edits) editModel(m, e);
        let bytes: Uint8Array;
        try {
          bytes = encodeModel(m);
        } catch {
          return; // an edit protobuf cannot encode (e.g. an int64 past 2^63) is no file to import
        }
        const r = outcome(bytes);
        seen.set(r, (seen.get(r) ?? 0) + 1);
      }),
      { numRuns: 400, seed: 2424 },
    );
    // Both kinds of outcome occur: the edits reach the import's checks and leave valid files too.
    expect(seen.get('ok') ?? 0).toBeGreaterThan(0);
    expect([...seen.keys()].filter((k) => k !== 'ok').length).toBeGreaterThan(0);
  });
});
