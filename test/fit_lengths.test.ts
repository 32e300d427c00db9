// With lengths, fit's epoch loss and evaluate's loss are the mean over the valid (and, with ignoreIndex,
// not ignored) elements whatever the batch size: each batch's 'mean' is weighted by what it divided by.
import { describe, expect, it } from 'vitest';
import {
  Embedding,
  Linear,
  RNN,
  SGD,
  Sequential,
  Trainer,
  ValueError,
  type Backend,
  type LossConfig,
  type LossName,
} from '../src/index.js';
import { useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
const N = 3;
const T = 4;
const lengths = [4, 1, 2];
// f32 values: WebGPU holds f32, so on either backend fit's batches and the step's own tensors hold the same numbers.
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

// Lengths say where each sequence ends for the recurrent layers: a model without one refuses them in the
// same words wherever they enter, before their shape or values are looked at, allocating nothing.
describe.each(['webgpu', 'cpu'] as const)('lengths for a model without a recurrent layer (%s)', (kind) => {
  const message = 'lengths: expected none for a model without a recurrent layer';
  it('forward, trainer.step, fit, evaluate and predict refuse them with one message', async () => {
    const ctx = kind === 'webgpu' ? gpu() : cpu;
    const rows = new Sequential(ctx, [new Linear(3, 2)], { seed: 1 });
    const ids = new Sequential(ctx, [new Embedding(5, 4), new Linear(4, 5)], { seed: 1 });
    const optimizer = new SGD(rows.params, { lr: 0.1 });
    const trainer = new Trainer(rows, optimizer, { loss: 'mse' });
    const [x, y] = [ctx.tensor([1, 2, 3, 4, 5, 6], [2, 3]), ctx.tensor([1, 0, 0, 1], [2, 2])];
    const tokens = ctx.tensor([1, 2, 3, 4, 0, 1], [3, 2]); // [T, B] ids
    const host = [1, 2, 3, 4, 5, 6];
    const before = ctx.liveTensors();
    const errors: unknown[] = [];
    const caught = async (f: () => unknown) => {
      try {
        await f();
        errors.push('accepted');
      } catch (e) {
        errors.push(e);
      }
    };
    await caught(() => rows.forward(x, { lengths: [1, 1] }));
    await caught(() => ids.forward(tokens, { lengths: [3, 2] }));
    await caught(() => trainer.step(x, y, { lengths: [1, 1] }));
    await caught(() => trainer.fit(host, [1, 0, 0, 1], { epochs: 1, batchSize: 2, lengths: [1, 1] }));
    await caught(() => trainer.evaluate(host, [1, 0, 0, 1], { lengths: [1, 1] }));
    await caught(() => trainer.predict(host, { lengths: [1, 1] }));
    expect(ctx.liveTensors()).toBe(before);
    expect(errors).toHaveLength(6);
    for (const e of errors) {
      expect(e).toBeInstanceOf(ValueError);
      expect(String((e as Error).message)).toMatch(new RegExp(`^${message}`));
      expect((e as Error).message).toBe((errors[0] as Error).message);
    }
    for (const t of [x, y, tokens]) t.release();
    trainer.release();
    optimizer.release();
    rows.release();
    ids.release();
  });
});
