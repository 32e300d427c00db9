// Parity with torch.nn.GRU (fixtures/gen_gru.py): outputs, hN and the BPTT gradients of every
// parameter, the input and h0, on both backends, both time-loop paths and every recurrent kernel
// variant. The fixtures' biases are large, so b_hn's place inside r ⊙ (…) is tested.
import { describe, expect, it } from 'vitest';
import { GRU, Sequential, type Backend, type RecurrentOptions } from '../src/index.js';
import { RECURRENT_VARIANTS } from '../src/ops/recurrent/webgpu.js';
import { expectClose, useGpu } from './helpers.js';
import { readFixture, type FixtureTensor } from './fixtures.js';

interface GruFixture {
  options: RecurrentOptions;
  state_dict: Record<string, FixtureTensor>;
  [k: string]: FixtureTensor | RecurrentOptions | Record<string, FixtureTensor>;
}

const { gpu, cpu } = useGpu();
const TOL = {
  cpu: { value: { atol: 1e-12, rtol: 1e-10 }, grad: { atol: 1e-11, rtol: 1e-9 } },
  webgpu: { value: { atol: 2e-6, rtol: 1e-5 }, grad: { atol: 2e-5, rtol: 1e-4 } },
};
const t = (f: GruFixture, k: string) => f[k] as FixtureTensor;
const worst: Record<string, number> = {};

async function check(be: Backend, f: GruFixture, path: 'step' | 'persistent', label: string): Promise<void> {
  const tol = TOL[be.kind];
  const gru = new GRU({ ...f.options, path });
  const model = new Sequential(be, [gru], { names: 'none' });
  expect(model.params.names().sort()).toEqual(Object.keys(f.state_dict).sort());
  model.loadStateDict(f.state_dict);
  const up = (k: string) => be.tensor(t(f, k).data, t(f, k).shape);
  const [x, h0, dout, dhn] = ['x', 'h0', 'dout', 'dhn'].map(up);
  const { output, hN } = gru.run(x, h0);
  const { dInput, dH0 } = gru.backwardFull(dout, { dHN: dhn, inputGrad: true });
  const got = await be.readMany([output, hN, dInput!, dH0]);
  const grads = await model.gradDict();
  const pairs: Array<[string, Float64Array | number[], number[], boolean]> = [
    'output',
    'hn',
    'input_grad',
    'h0_grad',
  ].map((n, i) => [n, got[i], t(f, n).data, i < 2]);
  for (const [name, g] of Object.entries(f.grads as Record<string, FixtureTensor>))
    pairs.push([`d${name}`, grads[name].data, g.data, false]);
  for (const [name, a, e, isValue] of pairs) {
    expectClose(a, e, { ...(isValue ? tol.value : tol.grad), label: `${label} ${name}` });
    const key = `${be.kind} ${isValue ? 'values' : 'gradients'}`;
    for (let i = 0; i < e.length; i++) worst[key] = Math.max(worst[key] ?? 0, Math.abs(a[i] - e[i]));
  }
  for (const u of [x, h0, dout, dhn]) u.release();
  model.release();
}

describe.each(['gru_1layer.json', 'gru_bidir_2layer.json', 'gru_bidir_batchfirst.json', 'gru_nobias_2layer.json'])(
  'torch.nn.GRU parity %s',
  (file) => {
    const f = readFixture<GruFixture>(file);
    it('CPU (f64)', async () => {
      for (const path of ['step', 'persistent'] as const) await check(cpu, f, path, `cpu ${path}`);
    });
    it.each(RECURRENT_VARIANTS)('WebGPU, %s kernels, both paths', async (variant) => {
      gpu().recurrentVariant = variant;
      for (const path of ['step', 'persistent'] as const) await check(gpu(), f, path, `${variant} ${path}`);
    });
  },
);

describe('parity summary', () => {
  it('reports the largest absolute errors', () => {
    console.log(`torch.nn.GRU parity, max |error|: ${JSON.stringify(worst)}`);
    expect(Object.keys(worst).length).toBeGreaterThan(0);
  });
});
