// Parity with torch.nn.LSTM (fixtures/gen_lstm.py): outputs, hN, cN and the BPTT gradients of every
// parameter, the input, h0 and c0, on both backends and both time-loop paths; and a PyTorch-exported
// safetensors state dict that reproduces PyTorch's output.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LSTM, Sequential, loadSafetensors, type Backend, type LstmOptions } from '../src/index.js';
import { expectClose, useGpu } from './helpers.js';
import { fixturePath, readFixture, type FixtureTensor } from './fixtures.js';

interface LstmFixture {
  options: LstmOptions;
  state_dict: Record<string, FixtureTensor>;
  [k: string]: FixtureTensor | LstmOptions | Record<string, FixtureTensor>;
}

const { gpu, cpu } = useGpu();
const TOL = {
  cpu: { value: { atol: 1e-12, rtol: 1e-10 }, grad: { atol: 1e-11, rtol: 1e-9 } },
  webgpu: { value: { atol: 2e-6, rtol: 1e-5 }, grad: { atol: 2e-5, rtol: 1e-4 } },
};
const t = (f: LstmFixture, k: string) => f[k] as FixtureTensor;

describe.each(['lstm_1layer.json', 'lstm_bidir_2layer.json', 'lstm_bidir_batchfirst.json'])(
  'torch.nn.LSTM parity %s',
  (file) => {
    const f = readFixture<LstmFixture>(file);
    it.each(['step', 'persistent'] as const)('forward and BPTT (%s path)', async (path) => {
      for (const be of [cpu, gpu()] as Backend[]) {
        const tol = TOL[be.kind];
        const lstm = new LSTM({ ...f.options, path });
        const model = new Sequential(be, [lstm], { names: 'none' });
        expect(model.params.names().sort()).toEqual(Object.keys(f.state_dict).sort());
        model.loadStateDict(f.state_dict);
        const up = (k: string) => be.tensor(t(f, k).data, t(f, k).shape);
        const [x, h0, c0, dout, dhn, dcn] = ['x', 'h0', 'c0', 'dout', 'dhn', 'dcn'].map(up);
        const { output, hN, cN } = lstm.run(x, { h0, c0 });
        const { dInput, dH0, dC0 } = lstm.backwardFull(dout, { dHN: dhn, dCN: dcn, inputGrad: true });
        const got = await be.readMany([output, hN, cN, dInput!, dH0, dC0]);
        const names = ['output', 'hn', 'cn', 'input_grad', 'h0_grad', 'c0_grad'];
        names.forEach((n, i) =>
          expectClose(got[i], t(f, n).data, { ...(i < 3 ? tol.value : tol.grad), label: `${be.kind} ${n}` }),
        );
        const grads = await model.gradDict();
        for (const [name, g] of Object.entries(f.grads as Record<string, FixtureTensor>))
          expectClose(grads[name].data, g.data, { ...tol.grad, label: `${be.kind} d${name}` });
        for (const u of [x, h0, c0, dout, dhn, dcn]) u.release();
        model.release();
      }
    });
  },
);

describe('a PyTorch-exported LSTM state dict (safetensors)', () => {
  it('loads and reproduces torch.nn.LSTM (2 layers, bidirectional)', async () => {
    const f = readFixture<LstmFixture>('lstm_bidir_2layer.json');
    const { tensors } = loadSafetensors(new Uint8Array(readFileSync(fixturePath('lstm_bidir_2layer.safetensors'))));
    for (const be of [cpu, gpu()] as Backend[]) {
      const lstm = new LSTM(f.options);
      const model = new Sequential(be, [lstm], { names: 'none' });
      model.loadStateDict(tensors);
      const [x, h0, c0] = ['x', 'h0', 'c0'].map((k) => be.tensor(t(f, k).data, t(f, k).shape));
      const { output } = lstm.run(x, { h0, c0 });
      // Weights stored as F32 by the export: f32 resolution on both backends.
      expectClose(await be.read(output), t(f, 'output').data, { atol: 2e-6, rtol: 1e-5, label: `${be.kind} output` });
      for (const u of [x, h0, c0]) u.release();
      model.release();
    }
  });
});
