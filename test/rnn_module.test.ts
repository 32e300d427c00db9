// The RNN module on the GPU vs the CPU reference (stacked, merges, batch-first, long T) with each
// recurrent kernel variant forced; the
// structure of a recurrent training step; and a task only a bidirectional RNN can learn.
import { afterAll, describe, expect, it } from 'vitest';
import { Adam, Linear, RNN, Sequential, Trainer, type Backend, type RnnOptions } from '../src/index.js';
import { RECURRENT_VARIANTS } from '../src/ops/recurrent/webgpu.js';
import { expectClose, recurrentStepCounters, seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
const VALUE_TOL = { atol: 1e-5, rtol: 1e-4 };
// Long BPTT chains (T = 60) accumulate f32 rounding in every δ: widened on purpose.
const GRAD_TOL = { atol: 1e-4, rtol: 1e-3 };

async function runModule(be: Backend, options: RnnOptions, T: number, B: number) {
  const rng = seeded(T + B);
  const rnn = new RNN(options);
  const model = new Sequential(be, [rnn], { names: 'none', seed: 5 });
  const xShape = options.batchFirst ? [B, T, options.inputSize] : [T, B, options.inputSize];
  const x = be.tensor(rng.uniformArray(T * B * options.inputSize), xShape);
  const { output, hN } = rnn.run(x);
  const dout = be.tensor(rng.uniformArray(output.size), output.shape);
  const { dInput, dH0 } = rnn.backwardFull(dout, { inputGrad: true });
  const values = await be.readMany([output, hN, dInput!, dH0]);
  const grads = await model.gradDict();
  for (const t of [x, dout]) t.release();
  model.release();
  return { values, grads };
}

describe.each(RECURRENT_VARIANTS)('RNN module, GPU (%s kernels) vs CPU', (variant) => {
  const cases: Array<[RnnOptions, number, number]> = [
    [{ inputSize: 5, hiddenSize: 7, numLayers: 3, bidirectional: true }, 4, 3],
    [{ inputSize: 3, hiddenSize: 4, bidirectional: true, mergeMode: 'sum', batchFirst: true }, 9, 2],
    [{ inputSize: 3, hiddenSize: 4, bidirectional: true, mergeMode: 'mul', nonlinearity: 'relu' }, 9, 2],
    [{ inputSize: 2, hiddenSize: 8, bidirectional: true, mergeMode: 'ave', numLayers: 2 }, 3, 5],
    [{ inputSize: 4, hiddenSize: 16, numLayers: 2 }, 60, 2],
    [{ inputSize: 4, hiddenSize: 40, numLayers: 2, bidirectional: true, path: 'step' }, 12, 3],
  ];
  it.each(cases)('%j T=%i B=%i', async (options, T, B) => {
    const g = await runModule(Object.assign(gpu(), { recurrentVariant: variant }), options, T, B);
    const c = await runModule(cpu, options, T, B);
    ['output', 'hN'].forEach((n, i) => expectClose(g.values[i], c.values[i], { ...VALUE_TOL, label: n }));
    ['dInput', 'dH0'].forEach((n, i) => expectClose(g.values[i + 2], c.values[i + 2], { ...GRAD_TOL, label: n }));
    for (const name of Object.keys(c.grads))
      expectClose(g.grads[name].data, c.grads[name].data, { ...GRAD_TOL, label: `d${name}` });
  });
});

describe.each(RECURRENT_VARIANTS)('recurrent training step structure (%s kernels)', (variant) => {
  afterAll(() => {
    gpu().recurrentVariant = 'auto'; // the tests below run the adapter's default kernels
  });
  // Bidirectional RNN of L layers + a Linear head on every step + MSE over all steps + SGD.
  const countStep = (T: number, path: 'step' | 'persistent', L: number) =>
    recurrentStepCounters(
      Object.assign(gpu(), { recurrentVariant: variant }),
      new RNN({ inputSize: 3, hiddenSize: 8, numLayers: L, bidirectional: true, path }),
      T,
    );

  it('step path: 2 dispatches per time step per layer (both directions in one) + a constant; 1 submit, 1 readback', async () => {
    for (const L of [1, 2]) {
      const a = await countStep(5, 'step', L);
      const b = await countStep(11, 'step', L);
      const perStep = (b.dispatches - a.dispatches) / (11 - 5);
      const constant = a.dispatches - perStep * 5;
      console.log(
        `L=${L}: dispatches per training step = ${perStep}·T + ${constant} (T=5: ${a.dispatches}, T=11: ${b.dispatches})`,
      );
      expect(perStep).toBe(2 * L);
      expect(constant).toBeLessThanOrEqual(40);
      for (const c of [a, b]) expect(c).toMatchObject({ submits: 1, readbacks: 1, pipelinesCreated: 0 });
    }
  });

  it('persistent path: a dispatch count independent of T', async () => {
    const a = await countStep(5, 'persistent', 2);
    const b = await countStep(40, 'persistent', 2);
    console.log(`persistent, L=2: ${a.dispatches} dispatches per training step for any T`);
    expect(b.dispatches).toBe(a.dispatches);
    expect(b).toMatchObject({ submits: 1, readbacks: 1 });
  });
});

describe('the dispatch formula of the README, with and without dropout between layers', () => {
  // Bidirectional RNN of L layers + a Linear head on every step + MSE + SGD, step path, training mode:
  // 2·T·L + 9·L + 10 dispatches, and dropout > 0 adds 2·(L − 1): one per gap between layers forward, one backward.
  it.each([1, 2, 3])('L=%i', async (L) => {
    const T = 5;
    const make = (dropout: number) =>
      new RNN({ inputSize: 3, hiddenSize: 8, numLayers: L, bidirectional: true, path: 'step', dropout });
    const plain = await recurrentStepCounters(gpu(), make(0), T);
    expect(plain.dispatches).toBe(2 * T * L + 9 * L + 10);
    if (L > 1) {
      const dropped = await recurrentStepCounters(gpu(), make(0.3), T);
      expect(dropped.dispatches).toBe(2 * T * L + 9 * L + 10 + 2 * (L - 1));
      expect(dropped).toMatchObject({ submits: 1, readbacks: 1, pipelinesCreated: 0 });
    }
  });
});

describe('a task that needs both directions', () => {
  it('y_t = Σ_{s<t} x_s − Σ_{s>t} x_s: a bidirectional RNN learns it, a unidirectional one cannot', async () => {
    // Inputs x_s ~ U(-1, 1), T = 6. A unidirectional model cannot see the future inputs, so its best
    // MSE is the variance of −Σ_{s>t} x_s averaged over t: (1/3)·mean_t(T-1-t) = (1/3)·2.5 ≈ 0.83.
    const [T, B, H, N] = [6, 32, 24, 8];
    const rng = seeded(21);
    const batches = Array.from({ length: N }, () => {
      const x = rng.uniformArray(T * B, -1, 1);
      const y = new Float64Array(T * B);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          let s = 0;
          for (let u = 0; u < T; u++) if (u !== t) s += (u < t ? 1 : -1) * x[u * B + b];
          y[t * B + b] = s;
        }
      }
      return { x, y };
    });
    const g = gpu();
    const train = async (bidirectional: boolean) => {
      const model = new Sequential(
        g,
        [new RNN({ inputSize: 1, hiddenSize: H, bidirectional }), new Linear(bidirectional ? 2 * H : H, 1)],
        { seed: 2 },
      );
      const opt = new Adam(model.params, { lr: 0.01 });
      const trainer = new Trainer(model, opt, { loss: 'mse' });
      const x = g.zeros([T, B, 1]);
      const y = g.zeros([T, B, 1]);
      let last = 0;
      for (let epoch = 0; epoch < 40; epoch++) {
        let sum = 0;
        for (const batch of batches) {
          g.write(x, batch.x);
          g.write(y, batch.y);
          sum += (await trainer.step(x, y))!.loss;
        }
        last = sum / N;
      }
      for (const t of [x, y]) t.release();
      trainer.release();
      opt.release();
      model.release();
      return last;
    };
    const bi = await train(true);
    const uni = await train(false);
    console.log(
      `sum-before-minus-after task: bidirectional MSE ${bi.toFixed(4)}, unidirectional MSE ${uni.toFixed(4)} (its floor ≈ 0.83)`,
    );
    // Targets have variance (T-1)/3 ≈ 1.67. The bidirectional model must get below 0.1 (94% of the
    // variance explained); the unidirectional one cannot beat its ≈ 0.83 floor (0.6 leaves slack for
    // training-set overfit of 256 sequences).
    expect(bi).toBeLessThan(0.1);
    expect(uni).toBeGreaterThan(0.6);
  });
});

describe('losses over all steps', () => {
  it('per-step cross-entropy on logits [T, B, C] with targets [T, B]: GPU step equals the CPU step', async () => {
    const [T, B, I, H, C] = [7, 3, 2, 5, 4];
    const rng = seeded(77);
    const xData = rng.uniformArray(T * B * I);
    const targets = Float64Array.from({ length: T * B }, () => rng.int(C));
    const results = [];
    for (const be of [gpu(), cpu] as Backend[]) {
      const model = new Sequential(
        be,
        [new RNN({ inputSize: I, hiddenSize: H, bidirectional: true }), new Linear(2 * H, C)],
        { seed: 3 },
      );
      const opt = new Adam(model.params, { lr: 0.01 });
      const trainer = new Trainer(model, opt, { loss: 'crossEntropy' });
      const [x, t] = [be.tensor(xData, [T, B, I]), be.tensor(targets, [T, B])];
      const first = (await trainer.step(x, t))!;
      const second = (await trainer.step(x, t))!;
      results.push({ losses: [first.loss, second.loss], norm: first.gradNorm, sd: await model.stateDict() });
      for (const u of [x, t]) u.release();
      trainer.release();
      opt.release();
      model.release();
    }
    // Mean over T·B rows: the untrained loss is near ln C.
    expect(Math.abs(results[1].losses[0] - Math.log(C))).toBeLessThan(0.5);
    expectClose(results[0].losses, results[1].losses, { ...VALUE_TOL, label: 'losses' });
    expectClose([results[0].norm], [results[1].norm], { ...GRAD_TOL, label: 'grad norm' });
    for (const name of Object.keys(results[1].sd))
      expectClose(results[0].sd[name].data, results[1].sd[name].data, { ...VALUE_TOL, label: `${name} after 2 steps` });
  });
});
