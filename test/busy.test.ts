// One long operation at a time per model (fit, evaluate, predict, generate): a second one started while
// the first awaits its readbacks is refused with ModelBusyError before it touches the model, the first
// finishes as if alone, and the model's train/eval mode comes back; callbacks may use the model.
import { describe, expect, it } from 'vitest';
import {
  Adam,
  Dropout,
  Embedding,
  GRU,
  Linear,
  ModelBusyError,
  RMSprop,
  SGD,
  Sequential,
  Trainer,
  type Backend,
  type Optimizer,
  type ParamSet,
} from '../src/index.js';
import { useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();

function build(ctx: Backend) {
  const model = new Sequential(
    ctx,
    [
      new Embedding(8, 4),
      new GRU({ inputSize: 4, hiddenSize: 16, batchFirst: true }),
      new Dropout(0.2),
      new Linear(16, 8),
    ],
    { seed: 3 },
  );
  return { model, trainer: new Trainer(model, new Adam(model.params, { lr: 0.01 }), { loss: 'crossEntropy' }) };
}
const prompt = [
  [1, 2],
  [3, 4],
];
const ids = { data: [1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4], shape: [3, 4] };
const next = { data: [2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5], shape: [3, 4] };

describe.each(['webgpu', 'cpu'] as const)('one operation at a time per model (%s)', (kind) => {
  const ctx = () => (kind === 'webgpu' ? gpu() : cpu);

  it('a second generate is refused while the first runs; the first matches a lone run and the mode comes back', async () => {
    const { model, trainer } = build(ctx());
    const alone = await model.generate({ prompt, steps: 12, seed: 1, readEvery: 3 });
    const [first, second] = await Promise.allSettled([
      model.generate({ prompt, steps: 12, seed: 1, readEvery: 3 }),
      model.generate({ prompt, steps: 12, seed: 2, readEvery: 3 }),
    ]);
    expect(first.status === 'fulfilled' && first.value.tokens).toEqual(alone.tokens);
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(ModelBusyError);
    expect(second.status === 'rejected' && String(second.reason)).toMatch(
      /generate\(\): the model is still running generate\(\); await it/,
    );
    expect(model.training).toBe(true);
    trainer.optimizer.release();
    trainer.release();
    model.release();
  });

  it('fit and generate at once: the later one is refused, fit finishes, training mode kept', async () => {
    const { model, trainer } = build(ctx());
    const [fitted, generated] = await Promise.allSettled([
      trainer.fit(ids, next, { epochs: 2, batchSize: 2 }),
      model.generate({ prompt, steps: 4 }),
    ]);
    expect(fitted.status).toBe('fulfilled');
    expect(generated.status === 'rejected' && String(generated.reason)).toMatch(
      /generate\(\): the model is still running fit\(\)/,
    );
    await expect(Promise.all([trainer.predict(ids), trainer.evaluate(ids, next)])).rejects.toThrow(ModelBusyError);
    expect(model.training).toBe(true);
    trainer.optimizer.release();
    trainer.release();
    model.release();
  });

  it('a trainer.step while generate or fit runs is refused; fit finishes as alone; steps in callbacks run', async () => {
    const { model, trainer } = build(ctx());
    const [x, y] = [ctx().tensor(ids.data, ids.shape), ctx().tensor(next.data, next.shape)];
    const alone = await model.generate({ prompt, steps: 6, seed: 1, readEvery: 2 });
    const running = model.generate({ prompt, steps: 6, seed: 1, readEvery: 2 });
    await expect(trainer.step(x, y)).rejects.toThrow(/step\(\): the model is still running generate\(\)/);
    expect((await running).tokens).toEqual(alone.tokens);
    const fitting = trainer.fit(ids, next, {
      epochs: 2,
      batchSize: 2,
      onEpoch: async () => void (await trainer.step(x, y)),
    });
    await expect(trainer.step(x, y)).rejects.toThrow(ModelBusyError);
    expect((await fitting).epochLosses).toHaveLength(2);
    expect(model.training).toBe(true);
    for (const t of [x, y]) t.release();
    trainer.optimizer.release();
    trainer.release();
    model.release();
  });

  it("fit's callbacks may evaluate and generate; one left running is refused", async () => {
    const { model, trainer } = build(ctx());
    const seen: number[] = [];
    await trainer.fit(ids, next, {
      epochs: 2,
      batchSize: 3,
      onEpoch: async () => {
        seen.push((await trainer.evaluate(ids, next)).loss);
        seen.push((await model.generate({ prompt, steps: 2 })).tokens.length);
      },
    });
    expect(seen).toHaveLength(4);
    expect(seen.every(Number.isFinite)).toBe(true);
    let pending: Promise<unknown> | undefined;
    await expect(
      trainer.fit(ids, next, {
        epochs: 1,
        batchSize: 3,
        onEpoch: () => void (pending = model.generate({ prompt, steps: 2 })),
      }),
    ).rejects.toThrow(/fit\(\): a callback started generate\(\) on the model without awaiting it/);
    await pending;
    trainer.optimizer.release();
    trainer.release();
    model.release();
  });
});

describe('loading another optimizer kind', () => {
  it('names both kinds in one short message and changes nothing', async () => {
    const { model, trainer } = build(cpu);
    await trainer.fit(ids, next, { epochs: 1, batchSize: 3 });
    const adamState = await trainer.optimizer.stateDict();
    const rms = new RMSprop(model.params, { centered: true });
    const before = await rms.stateDict();
    let message = '';
    try {
      rms.loadStateDict(adamState);
    } catch (e) {
      message = String(e);
    }
    expect(message).toMatch(
      /ValueError: stateDict: expected the state of this RMSprop \(per parameter: step, square_avg, grad_avg\), got the state of Adam or AdamW \(step, exp_avg, exp_avg_sq\)/,
    );
    expect(message.length).toBeLessThan(400);
    expect(await rms.stateDict()).toEqual(before);
    rms.release();
    trainer.optimizer.release();
    trainer.release();
    model.release();
  });

  const kinds: [string, (p: ParamSet) => Optimizer, (p: ParamSet) => Optimizer, RegExp][] = [
    [
      'RMSprop with momentum into plain RMSprop',
      (p) => new RMSprop(p, { momentum: 0.9 }),
      (p) => new RMSprop(p),
      /got the state of RMSprop with momentum \(step, square_avg, momentum_buffer\)/,
    ],
    [
      'plain RMSprop into RMSprop with momentum',
      (p) => new RMSprop(p),
      (p) => new RMSprop(p, { momentum: 0.9 }),
      /this RMSprop \(per parameter: step, square_avg, momentum_buffer\), got the state of RMSprop \(step, square_avg\)/,
    ],
    [
      'SGD with momentum into RMSprop with momentum',
      (p) => new SGD(p, { lr: 0.1, momentum: 0.9 }),
      (p) => new RMSprop(p, { momentum: 0.9 }),
      /got the state of SGD with momentum \(step, momentum_buffer\)/,
    ],
    [
      'SGD without momentum into Adam',
      (p) => new SGD(p, { lr: 0.1 }),
      (p) => new Adam(p),
      /this Adam \(per parameter: step, exp_avg, exp_avg_sq\), got the state of SGD without momentum \(step\)/,
    ],
  ];
  it.each(kinds)('%s', async (_, saved, loading, message) => {
    const { model, trainer } = build(cpu);
    const [from, into] = [saved(model.params), loading(model.params)];
    const dict = await from.stateDict();
    expect(() => into.loadStateDict(dict)).toThrow(message);
    for (const o of [from, into, trainer.optimizer]) o.release();
    trainer.release();
    model.release();
  });

  it("a trainer's checkpoint into a trainer with another optimizer kind: the kinds named, nothing changed", async () => {
    const { model, trainer } = build(cpu);
    await trainer.fit(ids, next, { epochs: 1, batchSize: 3 });
    const saved = await trainer.stateDict();
    const other = new Trainer(model, new RMSprop(model.params), { loss: 'crossEntropy' });
    const before = await other.stateDict();
    expect(() => other.loadStateDict(saved)).toThrow(
      /stateDict's optimizer part: expected the state of this RMSprop \(per parameter: step, square_avg\), got the state of Adam or AdamW/,
    );
    expect(await other.stateDict()).toEqual(before);
    for (const o of [other.optimizer, trainer.optimizer]) o.release();
    other.release();
    trainer.release();
    model.release();
  });
});
