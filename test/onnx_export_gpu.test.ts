// exportOnnx from a WebGPU model: the weights read back from the device land in the file bit for bit (f32
// on both sides), and ONNX Runtime's outputs equal the GPU's forward within 1e-5 + 1e-4·|ours|.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Embedding, GRU, LastStep, Linear, Sequential } from '../src/index.js';
import { decodeModel, exportOnnx } from '../src/onnx/index.js';
import { expectClose, useGpu } from './helpers.js';

const { gpu } = useGpu();

describe('exportOnnx from a WebGPU model', () => {
  it('Embedding → bidirectional batch-first GRU → LastStep → Linear, lengths: exact weights, ONNX Runtime agrees', async () => {
    const ctx = gpu();
    const [V, B, T] = [12, 3, 6];
    const model = new Sequential(
      ctx,
      [
        new Embedding(V, 5),
        new GRU({ inputSize: 5, hiddenSize: 7, bidirectional: true, batchFirst: true }),
        new LastStep(),
        new Linear(14, 3),
      ],
      { seed: 9 },
    ).eval();
    const ids = Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % V);
    const lengths = [2, 6, 4];
    const x = ctx.tensor(ids, [B, T]);
    const ours = await ctx.read(model.forward(x, { lengths }));
    const bytes = await exportOnnx(model, { lengths: true });
    const dict = await model.stateDict();
    x.release();
    model.release();

    const proto = decodeModel(bytes);
    for (const name of ['0.weight', '3.weight', '3.bias']) {
      const t = proto.graph!.initializer!.find((i) => i.name === name)!;
      const stored = new Float32Array(t.raw_data!.slice().buffer);
      expect(Array.from(stored), name).toEqual(Array.from(Float32Array.from(dict[name].data)));
    }
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({
      ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [B, T]),
      lengths: new ort.Tensor('int32', Int32Array.from(lengths), [B]),
    });
    await session.release();
    const theirs = Array.from(out.output.data as Float32Array);
    expectClose(theirs, ours, { atol: 1e-5, rtol: 1e-4, label: 'ONNX Runtime vs WebGPU' });
    console.log(
      `max |ONNX Runtime − WebGPU|: ${Math.max(...theirs.map((v, i) => Math.abs(v - ours[i]))).toExponential(2)}`,
    );
  });
});
