// Parity with PyTorch's packed sequences (fixtures/gen_packed.py: pack_padded_sequence with
// enforce_sorted=False → 2-layer bidirectional RNN / LSTM / GRU → pad_packed_sequence): outputs (0 past
// each row's length), h_n / c_n from each row's last valid step, and the BPTT gradients of every
// parameter, the input, h0 and c0 — on the CPU and on the GPU with every kernel variant on both paths.
import { describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, Sequential, type Backend, type RecurrentOptions } from '../src/index.js';
import { RECURRENT_VARIANTS } from '../src/ops/recurrent/webgpu.js';
import { expectClose, useGpu } from './helpers.js';
import { readFixture, type FixtureTensor } from './fixtures.js';

interface PackedFixture {
  options: RecurrentOptions;
  lengths: number[];
  state_dict: Record<string, FixtureTensor>;
  grads: Record<string, FixtureTensor>;
  [k: string]: FixtureTensor | RecurrentOptions | number[] | Record<string, FixtureTensor>;
}

const { gpu, cpu } = useGpu();
const TOL = {
  cpu: { value: { atol: 1e-12, rtol: 1e-10 }, grad: { atol: 1e-11, rtol: 1e-9 } },
  webgpu: { value: { atol: 2e-6, rtol: 1e-5 }, grad: { atol: 2e-5, rtol: 1e-4 } },
};
const CELLS = ['rnn', 'lstm', 'gru'] as const;

async function check(
  be: Backend,
  cell: (typeof CELLS)[number],
  path: 'step' | 'persistent',
  label: string,
): Promise<void> {
  const f = readFixture<PackedFixture>(`packed_${cell}.json`);
  const t = (k: string) => f[k] as FixtureTensor;
  const tol = TOL[be.kind];
  const options = { ...f.options, path };
  const layer = cell === 'rnn' ? new RNN(options) : cell === 'lstm' ? new LSTM(options) : new GRU(options);
  const model = new Sequential(be, [layer], { names: 'none' });
  expect(model.params.names().sort()).toEqual(Object.keys(f.state_dict).sort());
  model.loadStateDict(f.state_dict);
  const up = (k: string) => be.tensor(t(k).data, t(k).shape);
  const [x, h0, dout, dhn] = ['x', 'h0', 'dout', 'dhn'].map(up);
  const names = ['output', 'hn', 'input_grad', 'h0_grad'];
  let got: Float64Array[];
  const extra = [];
  if (layer instanceof LSTM) {
    const [c0, dcn] = ['c0', 'dcn'].map(up);
    extra.push(c0, dcn);
    const { output, hN, cN } = layer.run(x, { h0, c0, lengths: f.lengths });
    const { dInput, dH0, dC0 } = layer.backwardFull(dout, { dHN: dhn, dCN: dcn, inputGrad: true });
    got = await be.readMany([output, hN, dInput!, dH0, cN, dC0]);
    names.push('cn', 'c0_grad');
  } else {
    const { output, hN } = layer.run(x, { h0, lengths: f.lengths });
    const { dInput, dH0 } = layer.backwardFull(dout, { dHN: dhn, inputGrad: true });
    got = await be.readMany([output, hN, dInput!, dH0]);
  }
  const grads = await model.gradDict();
  names.forEach((n, i) =>
    expectClose(got[i], t(n).data, {
      ...(n === 'output' || n === 'hn' || n === 'cn' ? tol.value : tol.grad),
      label: `${label} ${n}`,
    }),
  );
  for (const [name, g] of Object.entries(f.grads))
    expectClose(grads[name].data, g.data, { ...tol.grad, label: `${label} d${name}` });
  for (const tensor of [x, h0, dout, dhn, ...extra]) tensor.release();
  model.release();
}

describe('packed sequences vs PyTorch, CPU reference', () => {
  it.each(CELLS)('%s', (cell) => check(cpu, cell, 'step', `cpu ${cell}`));
});

describe.each(RECURRENT_VARIANTS)('packed sequences vs PyTorch, GPU (%s kernels)', (variant) => {
  it.each(CELLS)('%s, step and persistent paths', async (cell) => {
    gpu().recurrentVariant = variant;
    for (const path of ['step', 'persistent'] as const) await check(gpu(), cell, path, `${variant} ${path} ${cell}`);
  });
});
