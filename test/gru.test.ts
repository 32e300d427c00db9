// The GRU (gru_forward / gru_backward kernels + the matmuls around them) on the GPU vs the CPU
// reference at awkward sizes on both time-loop paths with each recurrent kernel variant forced (the
// recorded dL/dh_t too); BPTT finite-difference check on the CPU in f64 (the GRU's b_hn inside r ⊙ (…)
// makes its input-side and hidden-side δ differ: the check covers both); finite activations for huge
// pre-activations; and the dispatch structure of a training step.
import { describe, expect, it } from 'vitest';
import { CpuBackend, GRU, Sequential, type Backend, type RecurrentOptions } from '../src/index.js';
import { RECURRENT_VARIANTS } from '../src/webgpu/ops/recurrent.js';
import { expectClose, recurrentStepCounters, seeded, useGpu } from './helpers.js';

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
    { options: { inputSize: 2, hiddenSize: 70, bidirectional: true, recordGradFlow: true }, T: 3, B: 1, h0: true, dHN: true }, // H > the split workgroup (64)
    { options: { inputSize: 4, hiddenSize: 17, numLayers: 2, bidirectional: true, bias: false }, T: 9, B: 3, dHN: true },
    { options: { inputSize: 5, hiddenSize: 9, bidirectional: true, mergeMode: 'mul', batchFirst: true }, T: 8, B: 4, h0: true },
    { options: { inputSize: 6, hiddenSize: 33, bidirectional: true }, T: 5, B: 17, h0: true, dHN: true }, // D·B·H > 1024
  ];
  it.each(runs)('%j', async (r) => {
    const ref = await runGru(cpu, r);
    gpu().recurrentVariant = variant;
    for (const path of ['step', 'persistent'] as const) {
      const got = await runGru(gpu(), { ...r, options: { ...r.options, path } });
      expect(got.values.length).toBe(ref.values.length);
      got.values.forEach((v, i) => expectClose(v, ref.values[i], { ...(i < 2 ? VALUE_TOL : GRAD_TOL), label: `${variant} ${path} ${NAMES[i]}` }));
      for (const name of Object.keys(ref.grads)) expectClose(got.grads[name].data, ref.grads[name].data, { ...GRAD_TOL, label: `${variant} ${path} d${name}` });
    }
  });

  it('stays finite for huge pre-activations (no exp overflow in σ or tanh)', async () => {
    const g = gpu();
    g.recurrentVariant = variant;
    const gru = new GRU({ inputSize: 2, hiddenSize: 3 });
    const model = new Sequential(g, [gru], { names: 'none' });
    const x = g.tensor([1e30, -1e30, 3e38, -3e38, 88, -88, 1e4, -1e4], [4, 1, 2]);
    const { output, hN } = gru.run(x);
    const dOut = g.tensor(new Float64Array(output.size).fill(1), output.shape);
    gru.backwardFull(dOut);
    const [o, h] = await g.readMany([output, hN]);
    const grads = await model.gradDict();
    expect([...o, ...h].every(Number.isFinite)).toBe(true);
    // Weight gradients multiply δ by inputs of 1e30+: those may overflow to ±inf, never to NaN.
    expect(Object.values(grads).every((t) => t.data.every((v) => !Number.isNaN(v)))).toBe(true);
    for (const t of [x, dOut]) t.release();
    model.release();
  });
});

describe('GRU BPTT finite-difference check (CPU, f64)', () => {
  const cpuOnly = new CpuBackend();
  it.each([
    [{ inputSize: 2, hiddenSize: 3 }, 5, 2],
    [{ inputSize: 2, hiddenSize: 2, numLayers: 2, bidirectional: true }, 4, 2],
    [{ inputSize: 3, hiddenSize: 2, bidirectional: true, mergeMode: 'ave', batchFirst: true, recurrentInit: 'orthogonal' }, 3, 3],
  ] as Array<[RecurrentOptions, number, number]>)('%j T=%i B=%i', async (options, T, B) => {
    const rng = seeded(T + B);
    const gru = new GRU(options);
    const model = new Sequential(cpuOnly, [gru], { names: 'none', seed: 4 });
    const L = options.numLayers ?? 1;
    const D = options.bidirectional ? 2 : 1;
    const H = options.hiddenSize;
    const shape = [L * D, B, H];
    const x = cpuOnly.tensor(rng.uniformArray(T * B * options.inputSize), options.batchFirst ? [B, T, options.inputSize] : [T, B, options.inputSize]);
    const h0 = cpuOnly.tensor(rng.uniformArray(L * D * B * H), shape);
    // Biases away from PyTorch's small init so that b_hn's place inside r ⊙ (…) matters.
    for (const n of model.params.names()) if (n.includes('bias')) cpuOnly.data(model.params.value(n), n).set(rng.uniformArray(model.params.value(n).size, -1.5, 1.5));
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
    const analytic: Record<string, Float64Array> = { x: cpuOnly.data(back.dInput!, 'dx').slice(), h0: cpuOnly.data(back.dH0, 'dh0').slice() };
    for (const [n, t] of Object.entries(await model.gradDict())) analytic[n] = t.data;
    const probes: Record<string, Float64Array> = { x: cpuOnly.data(x, 'x'), h0: cpuOnly.data(h0, 'h0') };
    for (const n of model.params.names()) probes[n] = cpuOnly.data(model.params.value(n), n);
    let worst = 0;
    let checked = 0;
    for (const [name, data] of Object.entries(probes)) {
      for (let i = 0; i < data.length; i++) {
        const saved = data[i];
        data[i] = saved + 1e-6;
        const plus = loss();
        data[i] = saved - 1e-6;
        const minus = loss();
        data[i] = saved;
        const numeric = (plus - minus) / 2e-6;
        const a = analytic[name][i];
        // f64 central differences: |analytic − numeric| ≤ 1e-9 + 1e-6·|numeric| (as in gradcheck.test.ts).
        if (!(Math.abs(a - numeric) <= 1e-9 + 1e-6 * Math.abs(numeric))) expect.fail(`d${name}[${i}]: analytic ${a}, numeric ${numeric}`);
        worst = Math.max(worst, Math.abs(a - numeric) / Math.max(Math.abs(numeric), 1e-3));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
    console.log(`GRU gradcheck ${JSON.stringify(options)}: max relative error ${worst.toExponential(2)}`);
    for (const t of [x, h0, dOut, dHN]) t.release();
    model.release();
  });
});

describe.each(RECURRENT_VARIANTS)('GRU training step structure (%s kernels)', (variant) => {
  const count = (T: number, path: 'step' | 'persistent') =>
    recurrentStepCounters(Object.assign(gpu(), { recurrentVariant: variant }), new GRU({ inputSize: 3, hiddenSize: 8, numLayers: 2, bidirectional: true, path }), T);
  it('2 dispatches per time step per layer + a constant (step path); independent of T (persistent); 1 submit, 1 readback', async () => {
    const [a, b] = [await count(5, 'step'), await count(12, 'step')];
    const perStep = (b.dispatches - a.dispatches) / 7;
    console.log(`GRU 2 layers bidirectional: dispatches per training step = ${perStep}·T + ${a.dispatches - 5 * perStep}`);
    expect(perStep).toBe(4);
    expect(a.dispatches - 5 * perStep).toBeLessThanOrEqual(40);
    const [p, q] = [await count(5, 'persistent'), await count(30, 'persistent')];
    expect(q.dispatches).toBe(p.dispatches);
    for (const c of [a, b, p, q]) expect(c).toMatchObject({ submits: 1, readbacks: 1 });
  });
});
