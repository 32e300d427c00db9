// The protobuf layer of the ONNX entry: a ModelProto survives encode → decode field for field (int64 as
// numbers, raw bytes as bytes, float attributes as f32), and bytes that are not one fail with OnnxError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttributeType, DataType, decodeModel, encodeModel, fromUtf8, OnnxError, utf8 } from '../src/onnx/index.js';

describe('onnx proto', () => {
  const model = {
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    producer_name: 'webgpu-rnn',
    metadata_props: [{ key: 'loss', value: 'mse' }],
    graph: {
      name: 'g',
      node: [
        {
          op_type: 'LeakyRelu',
          name: 'act',
          input: ['x'],
          output: ['y'],
          attribute: [
            { name: 'alpha', type: AttributeType.FLOAT, f: 0.25 },
            { name: 'axes', type: AttributeType.INTS, ints: [1, -2, 2 ** 53 - 1] },
            { name: 'direction', type: AttributeType.STRING, s: utf8('forward') },
          ],
        },
      ],
      initializer: [
        { name: 'w', dims: [2], data_type: DataType.FLOAT, raw_data: new Uint8Array([0, 0, 128, 63, 0, 0, 0, 64]) },
      ],
      input: [
        {
          name: 'x',
          type: {
            tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_param: 'batch' }, { dim_value: 3 }] } },
          },
        },
      ],
    },
  };

  it('round-trips a model', () => {
    const back = decodeModel(encodeModel(model));
    expect(back.ir_version).toBe(8);
    expect(back.opset_import).toEqual([{ domain: '', version: 17 }]);
    expect(back.metadata_props).toEqual([{ key: 'loss', value: 'mse' }]);
    const node = back.graph!.node![0];
    expect(node.op_type).toBe('LeakyRelu');
    expect(node.attribute![0].f).toBe(0.25);
    expect(node.attribute![1].ints).toEqual([1, -2, 2 ** 53 - 1]);
    expect(fromUtf8(node.attribute![2].s!)).toBe('forward');
    const w = back.graph!.initializer![0];
    expect([...w.raw_data!]).toEqual([0, 0, 128, 63, 0, 0, 0, 64]);
    expect(w.float_data).toEqual([]);
    expect(back.graph!.input![0].type!.tensor_type!.shape!.dim).toEqual([{ dim_param: 'batch' }, { dim_value: 3 }]);
  });

  it('refuses bytes that are not a ModelProto', () => {
    const bytes = encodeModel(model);
    expect(() => decodeModel(bytes.subarray(0, bytes.length - 5))).toThrow(OnnxError);
    expect(() => decodeModel(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(/bytes: expected an ONNX ModelProto/);
  });

  it('mutated files: decodeModel returns a model or throws OnnxError, nothing else', () => {
    const bytes = encodeModel(model);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(bytes.length),
        (edits, cut) => {
          const mutated = bytes.slice(0, Math.max(1, cut));
          for (const [at, value] of edits) if (at < mutated.length) mutated[at] = value;
          try {
            decodeModel(mutated);
          } catch (e) {
            expect(e).toBeInstanceOf(OnnxError);
          }
        },
      ),
      { numRuns: 2000, seed: 24 },
    );
  });

  it('refuses a field of the wrong type when encoding', () => {
    expect(() => encodeModel({ producer_name: 3 } as never)).toThrow(OnnxError);
  });
});
