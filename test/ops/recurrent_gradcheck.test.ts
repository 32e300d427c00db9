// Finite-difference check of BPTT on the CPU reference in f64: the RNN module (stacked,
// bidirectional, merge modes, batch-first) with loss = Σ output·dout + Σ hN·dhn.
import { describe, expect, it } from 'vitest';
import { CpuBackend, RNN, Sequential, type RnnOptions } from '../../src/index.js';
import { seeded } from '../helpers.js';

const cpu = new CpuBackend();
const EPS = 1e-6;
// As in gradcheck.test.ts: |analytic - numeric| ≤ 1e-9 + 1e-6·|numeric| in f64.
const ATOL = 1e-9;
const RTOL = 1e-6;

const CASES: Array<[string, RnnOptions, number, number]> = [
  ['tanh, 1 layer', { inputSize: 3, hiddenSize: 4 }, 5, 2],
  [
    'relu, 2 layers, bidirectional',
    { inputSize: 2, hiddenSize: 3, numLayers: 2, nonlinearity: 'relu', bidirectional: true },
    4,
    2,
  ],
  [
    'tanh, bidirectional, merge mul, batch-first',
    { inputSize: 3, hiddenSize: 3, bidirectional: true, mergeMode: 'mul', batchFirst: true },
    4,
    2,
  ],
  [
    'sigmoid, bidirectional, merge ave, no bias',
    { inputSize: 2, hiddenSize: 4, bidirectional: true, mergeMode: 'ave', nonlinearity: 'sigmoid', bias: false },
    6,
    1,
  ],
];

describe('BPTT finite-difference check (CPU, f64)', () => {
  it.each(CASES)('%s', async (_name, options, T, B) => {
    const rng = seeded(T * 10 + B);
    const rnn = new RNN(options);
    const model = new Sequential(cpu, [rnn], { names: 'none', seed: 3 });
    const D = options.bidirectional ? 2 : 1;
    const L = options.numLayers ?? 1;
    const H = options.hiddenSize;
    const xShape = options.batchFirst ? [B, T, options.inputSize] : [T, B, options.inputSize];
    const x = cpu.tensor(rng.uniformArray(T * B * options.inputSize), xShape);
    const h0 = cpu.tensor(rng.uniformArray(L * D * B * H, -0.5, 0.5), [L * D, B, H]);
    const { output } = rnn.run(x, h0);
    const dout = rng.uniformArray(output.size);
    const dhn = rng.uniformArray(L * D * B * H);
    const loss = () => {
      const r = rnn.run(x, h0);
      const o = cpu.data(r.output, 'o');
      const h = cpu.data(r.hN, 'h');
      return o.reduce((s, v, i) => s + v * dout[i], 0) + h.reduce((s, v, i) => s + v * dhn[i], 0);
    };
    loss();
    const dOut = cpu.tensor(dout, output.shape);
    const dHN = cpu.tensor(dhn, [L * D, B, H]);
    const { dInput, dH0 } = rnn.backwardFull(dOut, { dHN, inputGrad: true });
    const analytic: Record<string, { data: Float64Array }> = {
      ...(await model.gradDict()),
      x: { data: cpu.data(dInput!, 'dx').slice() },
      h0: { data: cpu.data(dH0, 'dh0').slice() },
    };
    let worst = 0;
    const probe = (data: Float64Array, name: string) => {
      for (let i = 0; i < data.length; i++) {
        const saved = data[i];
        data[i] = saved + EPS;
        const plus = loss();
        data[i] = saved - EPS;
        const minus = loss();
        data[i] = saved;
        const numeric = (plus - minus) / (2 * EPS);
        const a = analytic[name].data[i];
        if (!(Math.abs(a - numeric) <= ATOL + RTOL * Math.abs(numeric)))
          expect.fail(`d${name}[${i}]: analytic ${a}, numeric ${numeric}`);
        worst = Math.max(worst, Math.abs(a - numeric) / Math.max(Math.abs(numeric), 1e-3));
      }
    };
    for (const name of model.params.names()) probe(cpu.data(model.params.value(name), name), name);
    probe(cpu.data(x, 'x'), 'x');
    probe(cpu.data(h0, 'h0'), 'h0');
    console.log(`BPTT gradcheck ${_name}: max relative error ${worst.toExponential(2)}`);
    for (const t of [x, h0, dOut, dHN]) t.release();
    model.release();
  });
});
