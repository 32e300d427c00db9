// importOnnx on bad input: files outside the subset and broken files are refused with a typed error that
// names what and where (the node, its op type and the opset for a node), and no model — no tensor — is
// left behind. The broken files are the fixtures with one thing changed, re-encoded with encodeModel.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/cpu/backend.js';
import { GRU, LastStep, Linear, LSTM, Sequential, type Layer } from '../src/index.js';
import {
  DataLocation,
  OnnxError,
  OnnxUnsupportedError,
  decodeModel,
  encodeModel,
  exportOnnx,
  importOnnx,
  utf8,
  type ExportOnnxOptions,
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

/** A file exportOnnx writes for `layers`, decoded, changed by `edit`, encoded again. */
async function exportedEdited(
  layers: Layer[],
  options: ExportOnnxOptions,
  edit: (m: ModelProto) => void,
): Promise<Uint8Array> {
  const model = new Sequential(cpu, layers);
  const m = decodeModel(await exportOnnx(model, options));
  model.release();
  edit(m);
  return encodeModel(m);
}

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
      'RNN with a Softsign',
      'rnn_tanh_batchfirst',
      (m) => (nodeOf(m, 'RNN').attribute!.find((a) => a.name === 'activations')!.strings = [utf8('Softsign')]),
      [/activations: one of Tanh, Relu, Sigmoid, LeakyRelu, Elu or Affine/, /softsign/],
    ],
    [
      'RNN with an Affine other than the identity',
      'rnn_tanh_batchfirst',
      (m) => {
        const rnn = nodeOf(m, 'RNN');
        rnn.attribute!.find((a) => a.name === 'activations')!.strings = [utf8('Affine')];
        rnn.attribute!.push({ name: 'activation_alpha', type: 6, floats: [2] });
      },
      [/RNN, opset 17/, /Affine with alpha 1 and beta 0/, /alpha 2/],
    ],
    [
      'LSTM activation_alpha',
      'lstm_1layer',
      (m) => nodeOf(m, 'LSTM').attribute!.push({ name: 'activation_alpha', type: 6, floats: [1, 1, 1] }),
      [/LSTM/, /no activation_alpha/],
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
    for (const version of [5, 6, 24])
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

  it('an op in an opset older than the op (ConstantOfShape at opset 8)', () => {
    const e = refused(
      edited('lstm_1layer', (m) => (m.opset_import = [{ domain: '', version: 8 }])),
      OnnxUnsupportedError,
      /ConstantOfShape, opset 8/,
      /opset 9 or newer/,
    );
    expect(e).toMatchObject({ opType: 'ConstantOfShape', opset: 8 });
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

describe('importOnnx refuses lengths, states and merges it cannot map to a model', () => {
  it('a recurrent op without the lengths in a graph with lengths (the model applies them to every op)', async () => {
    const bytes = await exportedEdited(
      [new GRU({ inputSize: 3, hiddenSize: 4 }), new LSTM({ inputSize: 4, hiddenSize: 3 })],
      { lengths: true },
      (m) => (nodeOf(m, 'LSTM').input![4] = ''),
    );
    refused(bytes, OnnxUnsupportedError, /LSTM, opset 17/, /sequence_lens the lengths input/);
  });

  it("the last step of every row (a Gather of step −1) in a graph with lengths: not each row's last valid step", async () => {
    const bytes = await exportedEdited(
      [new GRU({ inputSize: 3, hiddenSize: 4 }), new Linear(4, 2), new LastStep()],
      {},
      (m) => {
        m.graph!.input!.push({
          name: 'lengths',
          type: { tensor_type: { elem_type: 6, shape: { dim: [{ dim_param: 'batch' }] } } },
        });
        const gru = nodeOf(m, 'GRU');
        gru.input = [...gru.input!.slice(0, 4), 'lengths']; // X, W, R, B, sequence_lens
      },
    );
    refused(bytes, OnnxUnsupportedError, /Gather, opset 17/, /each row's last valid step/, /step -1 of every row/);
  });

  it("initial states: another layer's rows, h0 without c0, rows that do not fit the module", async () => {
    const stacked = () => [new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2 })];
    refused(
      await exportedEdited(stacked(), { states: true }, (m) => {
        // The Slices of h0 and c0 for layer 0, then for layer 1: layer 0 reads layer 1's rows of h0.
        const [h0l0, , h0l1] = m.graph!.node!.filter((n) => n.op_type === 'Slice');
        h0l0.input = [...h0l1.input!];
      }),
      OnnxUnsupportedError,
      /LSTM/,
      /initial_h rows \[0, 1\) of 'h0' \(layer 0 of its module\)/,
      /rows \[1, 2\)/,
    );
    refused(
      await exportedEdited([new LSTM({ inputSize: 3, hiddenSize: 4 })], { states: true }, (m) => {
        nodeOf(m, 'LSTM').input![6] = '';
        m.graph!.input = m.graph!.input!.filter((i) => i.name !== 'c0');
        m.graph!.output = m.graph!.output!.filter((o) => o.name !== 'cN');
      }),
      OnnxUnsupportedError,
      /initial_h and initial_c both graph inputs or both zeros/,
    );
    refused(
      await exportedEdited([new GRU({ inputSize: 3, hiddenSize: 4 })], { states: true }, (m) => {
        m.graph!.input!.find((i) => i.name === 'h0')!.type!.tensor_type!.shape!.dim![0] = { dim_value: 2 };
      }),
      OnnxUnsupportedError,
      /initial_h rows \[0, 1\) of 'h0'/,
      /rows \[0, 2\)/,
    );
  });

  it('a final-state output of part of a module', async () => {
    const bytes = await exportedEdited(
      [new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2 })],
      { states: true },
      (m) => (m.graph!.node!.find((n) => n.output![0] === 'hN')!.input![0] = nodeOf(m, 'GRU').output![1]),
    );
    refused(bytes, OnnxError, /graph\.output\[1\] 'hN'/, /h of layer 0 direction 0/);
  });

  it("a sum of the two directions times another value than 0.5 (not the 'ave' merge)", async () => {
    const bytes = await exportedEdited(
      [new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, mergeMode: 'ave' })],
      {},
      (m) => {
        const half = m.graph!.initializer!.find((t) => t.name === nodeOf(m, 'Mul').input![1])!;
        half.raw_data = new Uint8Array(new Float32Array([0.25]).buffer);
      },
    );
    refused(bytes, OnnxUnsupportedError, /Mul, opset 17/, /'ave' merge/);
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
      edited('gru_1layer', (m) => m.graph!.output!.push({ ...m.graph!.output![0], name: nodeOf(m, 'GRU').output![0] })),
      OnnxError,
      /graph\.output\[1\]/,
      /final states of one of the model's recurrent modules/,
    );
    refused(
      edited('gru_1layer', (m) => m.graph!.input!.push({ ...m.graph!.input![0], name: 'x2' })),
      OnnxError,
      /graph\.input/,
      /2: x, x2/,
    );
    refused(
      edited('gru_1layer', (m) => (m.graph!.output = [])),
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
