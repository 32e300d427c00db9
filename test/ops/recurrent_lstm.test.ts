// The LSTM (lstm_forward / lstm_backward kernels + the matmuls around them) on the GPU vs the CPU
// reference at awkward sizes on both time-loop paths with each recurrent kernel variant forced (the
// recorded dL/dh_t too); BPTT finite-difference check on the CPU in f64;
// finite activations for huge pre-activations; and the dispatch structure of a training step.
import { describe, it } from 'vitest';
import { CpuBackend, LSTM, Sequential, type Backend, type LstmOptions } from '../../src/index.js';
import { RECURRENT_VARIANTS } from '../../src/ops/recurrent/webgpu.js';
import { seeded, useGpu } from '../helpers.js';
import { describeStepStructure, expectFiniteDifferences, itMatchesCpu, itStaysFinite } from './recurrent_cases.js';

const { gpu, cpu } = useGpu();
const VALUE_TOL = { atol: 1e-5, rtol: 1e-4 };
// Long BPTT chains (T = 50) accumulate f32 rounding in every δ: widened on purpose.
const GRAD_TOL = { atol: 1e-4, rtol: 1e-3 };

interface Run {
  options: LstmOptions;
  T: number;
  B: number;
  h0?: boolean;
  c0?: boolean;
  dHN?: boolean;
  dCN?: boolean;
}

async function runLstm(be: Backend, r: Run, seed = 1) {
  const rng = seeded(r.T * 31 + r.B + seed);
  const lstm = new LSTM(r.options);
  const model = new Sequential(be, [lstm], { names: 'none', seed });
  const { inputSize: I, hiddenSize: H } = r.options;
  const S = (r.options.numLayers ?? 1) * (r.options.bidirectional ? 2 : 1) * r.B * H;
  const stateShape = [S / (r.B * H), r.B, H];
  const x = be.tensor(rng.uniformArray(r.T * r.B * I, -2, 2), r.options.batchFirst ? [r.B, r.T, I] : [r.T, r.B, I]);
  const opt = (flag: boolean | undefined) => (flag ? be.tensor(rng.uniformArray(S), stateShape) : undefined);
  const [h0, c0, dHN, dCN] = [opt(r.h0), opt(r.c0), opt(r.dHN), opt(r.dCN)];
  const { output, hN, cN } = lstm.run(x, { h0, c0 });
  const dOut = be.tensor(rng.uniformArray(output.size), output.shape);
  const { dInput, dH0, dC0 } = lstm.backwardFull(dOut, { dHN, dCN, inputGrad: true });
  // With recordGradFlow: Σ_{b,j} (dL/dh_t)² per step and layer, from the recorded dL/dh_t.
  const values = await be.readMany([output, hN, cN, dInput!, dH0, dC0, ...lstm.diagnostics()]);
  const grads = await model.gradDict();
  for (const t of [x, h0, c0, dHN, dCN, dOut]) t?.release();
  model.release();
  return { values, grads };
}

const NAMES = ['output', 'hN', 'cN', 'dInput', 'dH0', 'dC0', 'flow layer 0', 'flow layer 1'];

describe.each(RECURRENT_VARIANTS)('LSTM, GPU (%s kernels) vs CPU', (variant) => {
  const runs: Run[] = [
    { options: { inputSize: 1, hiddenSize: 1 }, T: 1, B: 1 },
    {
      options: { inputSize: 7, hiddenSize: 5, bidirectional: true },
      T: 1,
      B: 3,
      h0: true,
      c0: true,
      dHN: true,
      dCN: true,
    },
    { options: { inputSize: 3, hiddenSize: 6, numLayers: 2, recordGradFlow: true }, T: 50, B: 2, h0: true, dCN: true },
    {
      options: { inputSize: 2, hiddenSize: 70, bidirectional: true, recordGradFlow: true },
      T: 3,
      B: 1,
      h0: true,
      c0: true,
      dHN: true,
    }, // H > the split workgroup (64)
    {
      options: { inputSize: 4, hiddenSize: 17, numLayers: 2, bidirectional: true, bias: false },
      T: 9,
      B: 3,
      c0: true,
      dHN: true,
    },
    {
      options: { inputSize: 5, hiddenSize: 9, bidirectional: true, mergeMode: 'mul', batchFirst: true },
      T: 8,
      B: 4,
      h0: true,
      c0: true,
    },
    {
      options: { inputSize: 6, hiddenSize: 33, bidirectional: true },
      T: 5,
      B: 17,
      h0: true,
      c0: true,
      dHN: true,
      dCN: true,
    }, // D·B·H > 1024
  ];
  itMatchesCpu(variant, { gpu, cpu }, runs, runLstm, NAMES, 3, { value: VALUE_TOL, grad: GRAD_TOL });
  itStaysFinite(variant, gpu, () => new LSTM({ inputSize: 2, hiddenSize: 3 }), 'cN');
});

describe('LSTM BPTT finite-difference check (CPU, f64)', () => {
  const cpuOnly = new CpuBackend();
  it.each([
    [{ inputSize: 2, hiddenSize: 3 }, 5, 2],
    [{ inputSize: 2, hiddenSize: 2, numLayers: 2, bidirectional: true, forgetBias: 1 }, 4, 2],
    [
      {
        inputSize: 3,
        hiddenSize: 2,
        bidirectional: true,
        mergeMode: 'ave',
        batchFirst: true,
        recurrentInit: 'orthogonal',
      },
      3,
      3,
    ],
  ] as Array<[LstmOptions, number, number]>)('%j T=%i B=%i', async (options, T, B) => {
    const rng = seeded(T + B);
    const lstm = new LSTM(options);
    const model = new Sequential(cpuOnly, [lstm], { names: 'none', seed: 4 });
    const L = options.numLayers ?? 1;
    const D = options.bidirectional ? 2 : 1;
    const H = options.hiddenSize;
    const shape = [L * D, B, H];
    const x = cpuOnly.tensor(
      rng.uniformArray(T * B * options.inputSize),
      options.batchFirst ? [B, T, options.inputSize] : [T, B, options.inputSize],
    );
    const h0 = cpuOnly.tensor(rng.uniformArray(L * D * B * H), shape);
    const c0 = cpuOnly.tensor(rng.uniformArray(L * D * B * H), shape);
    const first = lstm.run(x, { h0, c0 });
    const dout = rng.uniformArray(first.output.size);
    const dhn = rng.uniformArray(L * D * B * H);
    const dcn = rng.uniformArray(L * D * B * H);
    const loss = () => {
      const r = lstm.run(x, { h0, c0 });
      const dot = (t: typeof r.output, w: Float64Array) => cpuOnly.data(t, 't').reduce((s, v, i) => s + v * w[i], 0);
      return dot(r.output, dout) + dot(r.hN, dhn) + dot(r.cN, dcn);
    };
    loss();
    const [dOut, dHN, dCN] = [
      cpuOnly.tensor(dout, first.output.shape),
      cpuOnly.tensor(dhn, shape),
      cpuOnly.tensor(dcn, shape),
    ];
    const back = lstm.backwardFull(dOut, { dHN, dCN, inputGrad: true });
    const analytic: Record<string, Float64Array> = {
      x: cpuOnly.data(back.dInput!, 'dx').slice(),
      h0: cpuOnly.data(back.dH0, 'dh0').slice(),
      c0: cpuOnly.data(back.dC0, 'dc0').slice(),
    };
    for (const [n, t] of Object.entries(await model.gradDict())) analytic[n] = t.data;
    const probes: Record<string, Float64Array> = {
      x: cpuOnly.data(x, 'x'),
      h0: cpuOnly.data(h0, 'h0'),
      c0: cpuOnly.data(c0, 'c0'),
    };
    for (const n of model.params.names()) probes[n] = cpuOnly.data(model.params.value(n), n);
    const worst = expectFiniteDifferences(probes, analytic, loss);
    console.log(`LSTM gradcheck ${JSON.stringify(options)}: max relative error ${worst.toExponential(2)}`);
    for (const t of [x, h0, c0, dOut, dHN, dCN]) t.release();
    model.release();
  });
});

describeStepStructure(
  'LSTM',
  gpu,
  (path) => new LSTM({ inputSize: 3, hiddenSize: 8, numLayers: 2, bidirectional: true, path }),
);
