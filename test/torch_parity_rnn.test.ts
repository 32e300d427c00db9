// Parity with torch.nn.RNN (fixtures/gen_rnn.py): outputs, hN, and BPTT gradients of every parameter,
// the input and h0 for loss = Σ output·dout + Σ hN·dhn — uni- and bidirectional, 1–2 layers, tanh and
// relu, batch-first — on both backends (CPU f64 to ~1e-10, GPU f32).
import { describe, expect, it } from 'vitest';
import { RNN, Sequential, type Backend, type RnnOptions } from '../src/index.js';
import { expectClose, useGpu } from './helpers.js';
import { readFixture, type FixtureTensor } from './fixtures.js';

interface RnnFixture {
  options: RnnOptions & { nonlinearity: 'tanh' | 'relu' };
  state_dict: Record<string, FixtureTensor>;
  x: FixtureTensor;
  h0: FixtureTensor;
  output: FixtureTensor;
  hn: FixtureTensor;
  dout: FixtureTensor;
  dhn: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  input_grad: FixtureTensor;
  h0_grad: FixtureTensor;
}

const { gpu, cpu } = useGpu();
const TOL = {
  cpu: { value: { atol: 1e-12, rtol: 1e-10 }, grad: { atol: 1e-11, rtol: 1e-9 } },
  webgpu: { value: { atol: 2e-6, rtol: 1e-5 }, grad: { atol: 2e-5, rtol: 1e-4 } },
};

describe.each([
  'rnn_tanh_1layer.json',
  'rnn_tanh_bidir_2layer.json',
  'rnn_relu_bidir_2layer.json',
  'rnn_tanh_bidir_batchfirst.json',
])('torch.nn.RNN parity %s', (file) => {
  const f = readFixture<RnnFixture>(file);
  it.each(['step', 'persistent'] as const)('forward and BPTT (%s path)', async (path) => {
    for (const be of [cpu, gpu()] as Backend[]) {
      const tol = TOL[be.kind];
      const rnn = new RNN({ ...f.options, path });
      const model = new Sequential(be, [rnn], { names: 'none' });
      expect(model.params.names().sort()).toEqual(Object.keys(f.state_dict).sort());
      model.loadStateDict(f.state_dict);
      const x = be.tensor(f.x.data, f.x.shape);
      const h0 = be.tensor(f.h0.data, f.h0.shape);
      const dout = be.tensor(f.dout.data, f.dout.shape);
      const dhn = be.tensor(f.dhn.data, f.dhn.shape);
      const { output, hN } = rnn.run(x, h0);
      const { dInput, dH0 } = rnn.backwardFull(dout, { dHN: dhn, inputGrad: true });
      const [o, hn, dx, dh0] = await be.readMany([output, hN, dInput!, dH0]);
      expectClose(o, f.output.data, { ...tol.value, label: `${be.kind} output` });
      expectClose(hn, f.hn.data, { ...tol.value, label: `${be.kind} hN` });
      expectClose(dx, f.input_grad.data, { ...tol.grad, label: `${be.kind} dInput` });
      expectClose(dh0, f.h0_grad.data, { ...tol.grad, label: `${be.kind} dH0` });
      const grads = await model.gradDict();
      for (const [name, g] of Object.entries(f.grads))
        expectClose(grads[name].data, g.data, { ...tol.grad, label: `${be.kind} d${name}` });
      for (const t of [x, h0, dout, dhn]) t.release();
      model.release();
    }
  });
});
