// importOnnx on bad input: files outside the subset and broken files are refused with a typed error that
// names what and where (the node, its op type and the opset for a node), and no model — no tensor — is
// left behind. The broken files are the fixtures with one thing changed, re-encoded with encodeModel.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/cpu/backend.js';
import {
  DataLocation,
  OnnxError,
  OnnxUnsupportedError,
  decodeModel,
  encodeModel,
  importOnnx,
  utf8,
  type ModelProto,
  type NodeProto,
} from '../src/onnx/index.js';
import { onnxBytes } from './onnx_fixtures.js';

const cpu = new CpuBackend();

function refused(
  bytes: Uint8Array,
  type: abstract new (...args: never[]) => OnnxError,
  ...parts: (string | RegExp)[]
): OnnxError {
  const live = cpu.liveTensors();
  let error: unknown;
  try {
    importOnnx(bytes, { ctx: cpu }).release();
  } catch (e) {
    error = e;
  }
  expect(error, 'importOnnx should have thrown').toBeInstanceOf(type);
  const message = (error as Error).message;
  for (const p of parts) expect(message).toMatch(p);
  expect(cpu.liveTensors(), 'tensors left by a refused import').toBe(live);
  return error as OnnxError;
}

/** A fixture decoded, changed by `edit`, encoded again. */
function edited(name: string, edit: (m: ModelProto) => void): Uint8Array {
  const m = decodeModel(onnxBytes(name));
  edit(m);
  return encodeModel(m);
}

const nodeOf = (m: ModelProto, op: string): NodeProto => m.graph!.node!.find((n) => n.op_type === op)!;

describe('importOnnx refuses what is outside the subset', () => {
  it('an op outside the subset, naming the node, its op type and the opset', () => {
    const e = refused(onnxBytes('conv1d_unsupported'), OnnxUnsupportedError, /Conv/, /opset 17/);
    expect(e).toMatchObject({ opType: 'Conv', opset: 17 });
    expect((e as OnnxUnsupportedError).node).toMatch(/Conv/);
  });

  it('a packed-sequence graph (sequence_lens on the LSTM), before its other ops', () => {
    const e = refused(onnxBytes('packed_lstm'), OnnxUnsupportedError, /LSTM/, /sequence_lens/, /packed/);
    expect(e).toMatchObject({ opType: 'LSTM', opset: 17 });
  });

  it('out[-1] of a bidirectional module (not what LastStep computes), pointing to h_n', () => {
    refused(onnxBytes('gru_bidir_last_output'), OnnxUnsupportedError, /Gather/, /bidirectional/, /h\[-2\]/);
  });

  const attributeCases: [string, string, (m: ModelProto) => void, RegExp[]][] = [
    [
      'LSTM peepholes',
      'lstm_1layer',
      (m) => {
        const lstm = nodeOf(m, 'LSTM');
        lstm.input = [...lstm.input!, lstm.input![1]]; // P: any tensor of the file
      },
      [/LSTM, opset 17/, /peephole/],
    ],
    ['LSTM clip', 'lstm_1layer', (m) => nodeOf(m, 'LSTM').attribute!.push({ name: 'clip', type: 1, f: 3 }), [/clip/]],
    [
      'LSTM input_forget',
      'lstm_1layer',
      (m) => nodeOf(m, 'LSTM').attribute!.push({ name: 'input_forget', type: 2, i: 1 }),
      [/input_forget/],
    ],
    [
      'LSTM layout 1',
      'lstm_1layer',
      (m) => nodeOf(m, 'LSTM').attribute!.push({ name: 'layout', type: 2, i: 1 }),
      [/layout 0/],
    ],
    [
      'GRU linear_before_reset 0',
      'gru_1layer',
      (m) => (nodeOf(m, 'GRU').attribute!.find((a) => a.name === 'linear_before_reset')!.i = 0),
      [/GRU, opset 17/, /linear_before_reset 1/],
    ],
    [
      'RNN with a sigmoid',
      'rnn_tanh_batchfirst',
      (m) => (nodeOf(m, 'RNN').attribute!.find((a) => a.name === 'activations')!.strings = [utf8('Sigmoid')]),
      [/Tanh or Relu/, /sigmoid/],
    ],
    [
      'Gemm with alpha 2',
      'mlp_relu_tanh_sigmoid',
      (m) => (nodeOf(m, 'Gemm').attribute!.find((a) => a.name === 'alpha')!.f = 2),
      [/Gemm/, /alpha 1/],
    ],
    [
      'an attribute given twice',
      'mlp_relu_tanh_sigmoid',
      (m) => nodeOf(m, 'Gemm').attribute!.push({ name: 'alpha', type: 1, f: 2 }),
      [/Gemm/, /once/, /alpha/],
    ],
    [
      'an attribute no op here has',
      'mlp_relu_tanh_sigmoid',
      (m) => nodeOf(m, 'Relu').attribute!.push({ name: 'slope', type: 1, f: 2 }),
      [/Relu/, /slope/],
    ],
  ];
  it.each(attributeCases)('%s', (_label, name, edit, parts) => {
    refused(edited(name, edit), OnnxUnsupportedError, ...parts);
  });

  it('opsets older (or newer) than the subset, naming the opset', () => {
    for (const version of [9, 10, 24])
      refused(
        edited('mlp_relu_tanh_sigmoid', (m) => (m.opset_import = [{ domain: '', version }])),
        OnnxError,
        /opset_import/,
        new RegExp(`opset ${version}`),
      );
    refused(
      edited('mlp_relu_tanh_sigmoid', (m) => (m.opset_import = [{ domain: 'com.example', version: 1 }])),
      OnnxError,
      /default domain/,
    );
  });

  it('an op of another domain', () => {
    refused(
      edited('mlp_relu_tanh_sigmoid', (m) => (nodeOf(m, 'Relu').domain = 'com.microsoft')),
      OnnxUnsupportedError,
      /Relu/,
      /com\.microsoft/,
    );
  });
});

describe('importOnnx refuses broken files', () => {
  it('truncated and corrupt bytes', () => {
    const bytes = onnxBytes('lstm_1layer');
    refused(bytes.subarray(0, 100), OnnxError, /bytes/);
    refused(bytes.subarray(0, bytes.length - 7), OnnxError);
    refused(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), OnnxError, /bytes/);
    refused(new Uint8Array(0), OnnxError, /graph|opset/);
  });

  it('a graph with a cycle, naming the node', () => {
    refused(
      edited('mlp_relu_tanh_sigmoid', (m) => {
        const nodes = m.graph!.node!;
        nodes[0].input![0] = nodes[2].output![0]; // the first Gemm reads the second's output
      }),
      OnnxError,
      /cycle/,
    );
  });

  it('a long graph (50 000 Identity nodes) is read without exhausting the call stack', () => {
    const bytes = edited('mlp_relu_tanh_sigmoid', (m) => {
      const g = m.graph!;
      const out = g.output![0].name!;
      let last = 'chain_0';
      g.node!.find((n) => n.output![0] === out)!.output![0] = last;
      for (let i = 1; i <= 50_000; i++) {
        const next = i === 50_000 ? out : `chain_${i}`;
        g.node!.push({ op_type: 'Identity', input: [last], output: [next], name: `id${i}` });
        last = next;
      }
    });
    const model = importOnnx(bytes, { ctx: cpu });
    expect(model.layers).toHaveLength(6);
    model.release();
  });

  it('a missing initializer, naming the value and the node reading it', () => {
    refused(
      edited('lstm_1layer', (m) => {
        const w = nodeOf(m, 'LSTM').input![1];
        m.graph!.initializer = m.graph!.initializer!.filter((t) => t.name !== w);
      }),
      OnnxError,
      /LSTM/,
      /initializer/,
    );
  });

  it('external-data tensors', () => {
    refused(
      edited('gru_1layer', (m) => {
        const t = m.graph!.initializer![0];
        t.raw_data = new Uint8Array(0);
        t.data_location = DataLocation.EXTERNAL;
        t.external_data = [{ key: 'location', value: 'weights.bin' }];
      }),
      OnnxError,
      /external data/,
    );
  });

  it('huge declared dims and data that does not fill them', () => {
    refused(
      edited('gru_1layer', (m) => (m.graph!.initializer![0].dims = [2 ** 40, 3])),
      OnnxError,
      /initializer/,
      /dims/,
    );
    refused(
      edited('gru_1layer', (m) => (m.graph!.initializer![0].dims = [2 ** 15, 2 ** 15])),
      OnnxError,
      /initializer/,
      /elements/,
    );
    refused(
      edited('gru_1layer', (m) => (m.graph!.initializer![0].dims = [1, 2])),
      OnnxError,
      /initializer/,
      /bytes/,
    );
    refused(
      edited('gru_1layer', (m) => (m.graph!.input![0].type!.tensor_type!.shape!.dim![2] = { dim_value: 2 ** 45 })),
      OnnxError,
      /graph input 'x' dim 2/,
    );
  });

  it('a weight holding Inf or NaN, naming the tensor', () => {
    refused(
      edited('lstm_1layer', (m) => {
        const r = m.graph!.initializer!.find((t) => t.name === nodeOf(m, 'LSTM').input![2])!;
        new DataView(r.raw_data!.buffer, r.raw_data!.byteOffset).setFloat32(8, NaN, true);
      }),
      OnnxUnsupportedError,
      /LSTM/,
      /R 'onnx::LSTM_\d+' of finite values/,
      /NaN at element 2/,
    );
  });

  it('a graph with two inputs or outputs, or none', () => {
    refused(
      edited('gru_1layer', (m) => m.graph!.output!.push({ ...m.graph!.output![0], name: nodeOf(m, 'GRU').output![1] })),
      OnnxError,
      /graph\.output/,
    );
    refused(
      edited('gru_1layer', (m) => (m.graph!.input = [])),
      OnnxError,
      /graph\.input|value named 'x'/,
    );
    refused(
      edited('gru_1layer', (m) => delete m.graph),
      OnnxError,
      /model\.graph/,
    );
  });

  it('refuses options that are not { ctx? }', () => {
    expect(() => importOnnx(onnxBytes('gru_1layer'), null as never)).toThrow(OnnxError);
    expect(() => importOnnx(onnxBytes('gru_1layer'), { ctx: {} as never })).toThrow(/ctx/);
    expect(() => importOnnx(onnxBytes('gru_1layer'), { backend: 'cpu' } as never)).toThrow(/backend/);
  });
});
