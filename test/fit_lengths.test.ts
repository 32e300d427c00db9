// With lengths, fit's epoch loss and evaluate's loss are the mean over the valid (and, with ignoreIndex,
// not ignored) elements whatever the batch size: each batch's 'mean' is weighted by what it divided by.
import { describe, expect, it } from 'vitest';
import { Linear, RNN, SGD, Sequential, Trainer, type Backend, type LossConfig, type LossName } from '../src/index.js';
import { useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
const N = 3;
const T = 4;
const lengths = [4, 1, 2];
// f32 values: fit uploads host data as f32, so the step's own tensors must hold the same numbers.
const x = { data: Array.from({ length: N * T }, (_, i) => Math.fround(Math.sin(i + 1))), shape: [N, T, 1] };
const values = { data: Array.from({ length: N * T * 2 }, (_, i) => Math.fround(Math.cos(i))), shape: [N, T, 2] };
const classes = { data: [0, 1, -1, 1, 1, 0, 0, 0, -1, 1, 0, 1], shape: [N, T] }; // -1: ignored

function build(ctx: Backend, loss: LossName | LossConfig) {
  const model = new Sequential(ctx, [new RNN({ inputSize: 1, hiddenSize: 3, batchFirst: true }), new Linear(3, 2)], {
    seed: 5,
  });
  const optimizer = new SGD(model.params, { lr: 0 });
  return { model, optimizer, trainer: new Trainer(model, optimizer, { loss }) };
}

describe.each(['webgpu', 'cpu'] as const)('losses over valid elements whatever the batch size (%s)', (kind) => {
  const cases: [string, LossName | LossConfig, typeof values][] = [
    ['mse', 'mse', values],
    ['huber', { name: 'huber', delta: 0.7 }, values],
    ['crossEntropy with ignoreIndex', { name: 'crossEntropy', ignoreIndex: -1 }, classes],
  ];
  it.each(cases)('%s: evaluate in batches of 1 = one batch = fit (lr 0) = one step', async (_, loss, targets) => {
    const ctx = kind === 'webgpu' ? gpu() : cpu;
    const { model, optimizer, trainer } = build(ctx, loss);
    const whole = (await trainer.evaluate(x, targets, { lengths })).loss;
    const single = (await trainer.evaluate(x, targets, { lengths, batchSize: 1 })).loss;
    const history = await trainer.fit(x, targets, { epochs: 1, batchSize: 1, shuffle: false, lengths });
    const [xt, yt] = [ctx.tensor(x.data, x.shape), ctx.tensor(targets.data, targets.shape)];
    const step = await trainer.step(xt, yt, { lengths });
    const tol = kind === 'cpu' ? 1e-12 : 1e-6;
    expect(Math.abs(single - whole)).toBeLessThan(tol);
    expect(Math.abs(history.epochLosses[0] - whole)).toBeLessThan(tol);
    expect(Math.abs(step.loss - whole)).toBeLessThan(tol);
    for (const t of [xt, yt]) t.release();
    trainer.release();
    optimizer.release();
    model.release();
  });
});
