// importOnnx against PyTorch: each file fixtures/onnx_gen.py exported with torch.onnx.export (torch 1.13)
// is imported, run, and compared with PyTorch's output: the float64 run of the f32 weights' values on the
// CPU backend (1e-10), the f32 run on WebGPU (f32 tolerance). The layers built and the weights loaded
// (exactly, under PyTorch's names with the layer's index) are checked too.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/index.js';
import { importOnnx } from '../src/onnx/index.js';
import { compareArrays, useGpu } from './helpers.js';
import { readFixture, type FixtureTensor } from './fixtures.js';
import { IMPORT_FIXTURES, onnxBytes, type OnnxFixture } from './onnx_fixtures.js';

const { gpu, cpu } = useGpu();
const TOL = {
  cpu: { atol: 1e-10, rtol: 0 },
  webgpu: { atol: 2e-6, rtol: 1e-5 },
};
const worst: Record<string, Record<string, number>> = { cpu: {}, webgpu: {} };

const layerName = (l: object) => (l.constructor.name === 'ActivationLayer' ? 'Activation' : l.constructor.name);

/**
 * PyTorch's state dict under the import's names: the fixture's modules in order ('rnn.', 'after.0.', 'fc.',
 * or nn.Sequential's own indices) ↔ the imported model's layers that hold parameters, in order.
 */
function torchDict(f: OnnxFixture, paramLayers: number[]): Record<string, FixtureTensor> {
  const modules: string[] = [];
  for (const k of Object.keys(f.state_dict)) {
    const m = k.slice(0, k.lastIndexOf('.') + 1);
    if (!modules.includes(m)) modules.push(m);
  }
  expect(modules.length).toBe(paramLayers.length);
  const out: Record<string, FixtureTensor> = {};
  for (const [k, v] of Object.entries(f.state_dict)) {
    const m = k.slice(0, k.lastIndexOf('.') + 1);
    out[`${paramLayers[modules.indexOf(m)]}.${k.slice(m.length)}`] = v;
  }
  return out;
}

async function check(be: Backend, name: string): Promise<void> {
  const f = readFixture<OnnxFixture>(`onnx/${name}.json`);
  const model = importOnnx(onnxBytes(name), { ctx: be });
  try {
    expect(model.layers.map(layerName)).toEqual(f.layers);
    expect(model.training).toBe(false);
    // Weights loaded exactly, under PyTorch's names with the layer's index as prefix.
    const paramLayers = model.layers.flatMap((_, i) =>
      model.params.names().some((n) => n.startsWith(`${i}.`)) ? [i] : [],
    );
    const expected = torchDict(f, paramLayers);
    const dict = await model.stateDict();
    expect(Object.keys(dict).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) {
      expect(dict[k].shape, k).toEqual(v.shape);
      expect(Array.from(dict[k].data), k).toEqual(be.kind === 'cpu' ? v.data : v.data.map(Math.fround));
    }
    const x = be.tensor(f.x.data, f.x.shape);
    const y = model.forward(x);
    expect(y.shape).toEqual(f.output.shape);
    const got = await be.read(y);
    x.release();
    const ref = be.kind === 'cpu' ? f.output.data : f.output_f32.data;
    let maxErr = 0;
    got.forEach((v, i) => (maxErr = Math.max(maxErr, Math.abs(v - ref[i]))));
    worst[be.kind][name] = maxErr;
    const msg = compareArrays(got, ref, { ...TOL[be.kind], label: `${name} on ${be.kind}` });
    if (msg) expect.fail(msg);
  } finally {
    model.release();
  }
}

describe('importOnnx: torch.onnx.export fixtures equal PyTorch', () => {
  for (const name of IMPORT_FIXTURES) {
    it(`${name} on the CPU backend (f64 run of the f32 weights, 1e-10)`, async () => check(cpu, name));
    it(`${name} on WebGPU (f32)`, async () => check(gpu(), name));
  }
  it('builds on a new CPU backend when no ctx is given', async () => {
    const model = importOnnx(onnxBytes('gru_1layer'));
    expect(model.ctx.kind).toBe('cpu');
    model.release();
  });

  it('reports the measured maximum differences', () => {
    for (const kind of ['cpu', 'webgpu'] as const)
      for (const [name, err] of Object.entries(worst[kind]))
        console.log(`onnx import ${kind.padEnd(6)} ${name.padEnd(30)} max |ours − torch| ${err.toExponential(2)}`);
    expect(Object.keys(worst.cpu).length).toBe(IMPORT_FIXTURES.length);
  });
});
