// The GRU (gru_forward / gru_backward kernels + the matmuls around them) on the GPU vs the CPU
// reference at awkward sizes on both time-loop paths with each recurrent kernel variant forced (the
// recorded dL/dh_t too); BPTT finite-difference check on the CPU in f64 (the GRU's b_hn inside r ⊙ (…)
// makes its input-side and hidden-side δ differ: the check covers both); finite activations for huge
// pre-activations; and the dispatch structure of a training step.
import { describe, it } from 'vitest';
import { CpuBackend, GRU, Sequential, type Backend, type RecurrentOptions } from '../../src/index.js';
import { RECURRENT_VARIANTS } from '../../src/ops/recurrent/webgpu.js';
import { seeded, useGpu } from '../helpers.js';
import { describeStepStructure, expectFiniteDifferences, itMatchesCpu, itStaysFinite } from './recurrent_cases.js';

const { gpu, cpu } = useGpu();
const VALUE_TOL = { atol: 1e-5, rtol: 1e-4 };
// Long BPTT chains (T = 50) accumulate f32 rounding in every δ: widened on purpose.
const GRAD_TOL = { atol: 1e-4, rtol: 1e-3 };

interface Run {
  options: RecurrentOptions;
  T: number;
  B: number;
  h0?: boolean;
  dHN?: boolean;
}

async function runGru(be: Backend, r: Run, seed = 1) {
  const rng = seeded(r.T * 31 + r.B + seed);
  const gru = new GRU(r.options);
  const model = new Sequential(be, [gru], { names: 'none', seed });
  const { inputSize: I, hiddenSize: H } = r.options;
  const S = (r.options.numLayers ?? 1) * (r.options.bidirectional ? 2 : 1) * r.B * H;
  const stateShape = [S / (r.B * H), r.B, H];
  const x = be.tensor(rng.uniformArray(r.T * r.B * I, -2, 2), r.options.batchFirst ? [r.B, r.T, I] : [r.T, r.B, I]);
  const opt = (flag: boolean | undefined) => (flag ? be.tensor(rng.uniformArray(S), stateShape) : undefined);
  const [h0, dHN] = [opt(r.h0), opt(r.dHN)];
  const { output, hN } = gru.run(x, h0);
  const dOut = be.tensor(rng.uniformArray(output.size), output.shape);
  const { dInput, dH0 } = gru.backwardFull(dOut, { dHN, inputGrad: true });
  // With recordGradFlow: Σ_{b,j} (dL/dh_t)² per step and layer, from the recorded dL/dh_t.
  const values = await be.readMany([output, hN, dInput!, dH0, ...gru.diagnostics()]);
  const grads = await model.gradDict();
  for (const t of [x, h0, dHN, dOut]) t?.release();
  model.release();
  return { values, grads };
}

const NAMES = ['output', 'hN', 'dInput', 'dH0', 'flow layer 0', 'flow layer 1'];

describe.each(RECURRENT_VARIANTS)('GRU, GPU (%s kernels) vs CPU', (variant) => {
  const runs: Run[] = [
    { options: { inputSize: 1, hiddenSize: 1 }, T: 1, B: 1 },
    { options: { inputSize: 7, hiddenSize: 5, bidirectional: true }, T: 1, B: 3, h0: true, dHN: true },
    { options: { inputSize: 3, hiddenSize: 6, numLayers: 2, recordGradFlow: true }, T: 50, B: 2, h0: true },
    {
      options: { inputSize: 2, hiddenSize: 70, bidirectional: true, recordGradFlow: true },
      T: 3,
      B: 1,
      h0: true,
      dHN: true,
    }, // H > the split workgroup (64)
    {
      options: { inputSize: 4, hiddenSize: 17, numLayers: 2, bidirectional: true, bias: false },
      T: 9,
      B: 3,
      dHN: true,
    },
    {
      options: { inputSize: 5, hiddenSize: 9, bidirectional: true, mergeMode: 'mul', batchFirst: true },
      T: 8,
      B: 4,
      h0: true,
    },
    { options: { inputSize: 6, hiddenSize: 33, bidirectional: true }, T: 5, B: 17, h0: true, dHN: true }, // D·B·H > 1024
  ];
  itMatchesCpu(variant, { gpu, cpu }, runs, runGru, NAMES, 2, { value: VALUE_TOL, grad: GRAD_TOL });
  itStaysFinite(variant, gpu, () => new GRU({ inputSize: 2, hiddenSize: 3 }), 'hN');
});

describe('GRU BPTT finite-difference check (CPU, f64)', () => {
  const cpuOnly = new CpuBackend();
  it.each([
    [{ inputSize: 2, hiddenSize: 3 }, 5, 2],
    [{ inputSize: 2, hiddenSize: 2, numLayers: 2, bidirectional: true }, 4, 2],
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
  ] as Array<[RecurrentOptions, number, number]>)('%j T=%i B=%i', async (options, T, B) => {
    const rng = seeded(T + B);
    const gru = new GRU(options);
    const model = new Sequential(cpuOnly, [gru], { names: 'none', seed: 4 });
    const L = options.numLayers ?? 1;
    const D = options.bidirectional ? 2 : 1;
    const H = options.hiddenSize;
    const shape = [L * D, B, H];
    const x = cpuOnly.tensor(
      rng.uniformArray(T * B * options.inputSize),
      options.batchFirst ? [B, T, options.inputSize] : [T, B, options.inputSize],
    );
    const h0 = cpuOnly.tensor(rng.uniformArray(L * D * B * H), shape);
    // Biases away from PyTorch's small init so that b_hn's place inside r ⊙ (…) matters.
    for (const n of model.params.names())
      if (n.includes('bias'))
        cpuOnly.data(model.params.value(n), n).set(rng.uniformArray(model.params.value(n).size, -1.5, 1.5));
    const first = gru.run(x, h0);
    const dout = rng.uniformArray(first.output.size);
    const dhn = rng.uniformArray(L * D * B * H);
    const loss = () => {
      const r = gru.run(x, h0);
      const dot = (t: typeof r.output, w: Float64Array) => cpuOnly.data(t, 't').reduce((s, v, i) => s + v * w[i], 0);
      return dot(r.output, dout) + dot(r.hN, dhn);
    };
    loss();
    const [dOut, dHN] = [cpuOnly.tensor(dout, first.output.shape), cpuOnly.tensor(dhn, shape)];
    const back = gru.backwardFull(dOut, { dHN, inputGrad: true });
    const analytic: Record<string, Float64Array> = {
      x: cpuOnly.data(back.dInput!, 'dx').slice(),
      h0: cpuOnly.data(back.dH0, 'dh0').slice(),
    };
    for (const [n, t] of Object.entries(await model.gradDict())) analytic[n] = t.data;
    const probes: Record<string, Float64Array> = { x: cpuOnly.data(x, 'x'), h0: cpuOnly.data(h0, 'h0') };
    for (const n of model.params.names()) probes[n] = cpuOnly.data(model.params.value(n), n);
    const worst = expectFiniteDifferences(probes, analytic, loss);
    console.log(`GRU gradcheck ${JSON.stringify(options)}: max relative error ${worst.toExponential(2)}`);
    for (const t of [x, h0, dOut, dHN]) t.release();
    model.release();
  });
});

describeStepStructure(
  'GRU',
  gpu,
  (path) => new GRU({ inputSize: 3, hiddenSize: 8, numLayers: 2, bidirectional: true, path }),
);
