// One long operation at a time per model (fit, evaluate, predict, generate): a second one started while
// the first awaits its readbacks is refused with ModelBusyError before it touches the model, the first
// finishes as if alone, and the model's train/eval mode comes back; callbacks may use the model.
import { describe, expect, it } from 'vitest';
import { Adam, Dropout, Embedding, GRU, Linear, ModelBusyError, RMSprop, Sequential, Trainer, type Backend } from '../src/index.js';
import { useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();

function build(ctx: Backend) {
  const model = new Sequential(ctx, [new Embedding(8, 4), new GRU({ inputSize: 4, hiddenSize: 16, batchFirst: true }), new Dropout(0.2), new Linear(16, 8)], { seed: 3 });
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
    const [first, second] = await Promise.allSettled([model.generate({ prompt, steps: 12, seed: 1, readEvery: 3 }), model.generate({ prompt, steps: 12, seed: 2, readEvery: 3 })]);
    expect(first.status === 'fulfilled' && first.value.tokens).toEqual(alone.tokens);
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(ModelBusyError);
    expect(second.status === 'rejected' && String(second.reason)).toMatch(/generate\(\): the model is still running generate\(\); await it/);
    expect(model.training).toBe(true);
    trainer.optimizer.release();
    trainer.release();
    model.release();
  });

  it('fit and generate at once: the later one is refused, fit finishes, training mode kept', async () => {
    const { model, trainer } = build(ctx());
    const [fitted, generated] = await Promise.allSettled([trainer.fit(ids, next, { epochs: 2, batchSize: 2 }), model.generate({ prompt, steps: 4 })]);
    expect(fitted.status).toBe('fulfilled');
    expect(generated.status === 'rejected' && String(generated.reason)).toMatch(/generate\(\): the model is still running fit\(\)/);
    await expect(Promise.all([trainer.predict(ids), trainer.evaluate(ids, next)])).rejects.toThrow(ModelBusyError);
    expect(model.training).toBe(true);
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
    await expect(trainer.fit(ids, next, { epochs: 1, batchSize: 3, onEpoch: () => void (pending = model.generate({ prompt, steps: 2 })) })).rejects.toThrow(/fit\(\): a callback started generate\(\) on the model without awaiting it/);
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
    expect(message).toMatch(/ValueError: stateDict: expected the state of this RMSprop \(per parameter: step, square_avg, grad_avg\), got the state of Adam or AdamW \(exp_avg, exp_avg_sq\)/);
    expect(message.length).toBeLessThan(400);
    expect(await rms.stateDict()).toEqual(before);
    rms.release();
    trainer.optimizer.release();
    trainer.release();
    model.release();
  });
});
