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
  ValueError,
  SGD,
  Sequential,
  Trainer,
  type Backend,
  type Optimizer,
  type ParamSet,
  type StepEvent,
  type Tensor,
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

  // A step in a callback would change the weights under fit: refused as from any other task (fit runs as alone).
  it('a trainer.step while generate or fit runs is refused, in fit callbacks too; fit finishes as alone', async () => {
    const { model, trainer } = build(ctx());
    const [x, y] = [ctx().tensor(ids.data, ids.shape), ctx().tensor(next.data, next.shape)];
    const alone = await model.generate({ prompt, steps: 6, seed: 1, readEvery: 2 });
    const running = model.generate({ prompt, steps: 6, seed: 1, readEvery: 2 });
    await expect(trainer.step(x, y)).rejects.toThrow(/step\(\): the model is still running generate\(\)/);
    expect((await running).tokens).toEqual(alone.tokens);
    const lone = build(ctx());
    await lone.trainer.fit(ids, next, { epochs: 2, batchSize: 2 });
    const inCallbacks: unknown[] = [];
    const fitting = trainer.fit(ids, next, {
      epochs: 2,
      batchSize: 2,
      onEpoch: async () => void inCallbacks.push(await trainer.step(x, y).catch((e: unknown) => e)),
    });
    await expect(trainer.step(x, y)).rejects.toThrow(ModelBusyError);
    expect((await fitting).epochLosses).toHaveLength(2);
    expect(inCallbacks).toHaveLength(2);
    for (const e of inCallbacks) {
      expect(e).toBeInstanceOf(ModelBusyError);
      expect(String(e)).toMatch(/step\(\): the model is still running fit\(\)/);
    }
    expect(await ctx().read(model.params.values)).toEqual(await ctx().read(lone.model.params.values));
    expect(model.training).toBe(true);
    for (const t of [x, y]) t.release();
    for (const m of [lone, { model, trainer }]) {
      m.trainer.optimizer.release();
      m.trainer.release();
      m.model.release();
    }
  });

  it("fit's callbacks evaluate and generate through their event; one left running is awaited, then refused", async () => {
    const { model, trainer } = build(ctx());
    const seen: number[] = [];
    await trainer.fit(ids, next, {
      epochs: 2,
      batchSize: 3,
      onEpoch: async (e) => {
        seen.push((await e.evaluate(ids, next)).loss);
        seen.push((await e.generate({ prompt, steps: 2 })).tokens.length);
      },
    });
    expect(seen).toHaveLength(4);
    expect(seen.every(Number.isFinite)).toBe(true);
    let pending: Promise<unknown> | undefined;
    let settled = false;
    await expect(
      trainer.fit(ids, next, {
        epochs: 1,
        batchSize: 3,
        onEpoch: (e) => void (pending = e.generate({ prompt, steps: 2 }).finally(() => (settled = true))),
      }),
    ).rejects.toThrow(/fit\(\): a callback started generate\(\) on the model without awaiting it/);
    expect(settled).toBe(true); // fit waited for it: the model was never shared
    await pending;
    expect((await model.generate({ prompt, steps: 2 })).tokens).toHaveLength(2); // the model is free again
    trainer.optimizer.release();
    trainer.release();
    model.release();
  });

  it("fit's callbacks reach the model only through their event: direct calls there are refused, pointing to it", async () => {
    const { model, trainer } = build(ctx());
    const [x, y] = [ctx().tensor(ids.data, ids.shape), ctx().tensor(next.data, next.shape)];
    const lone = build(ctx());
    await lone.trainer.fit(ids, next, { epochs: 2, batchSize: 2 });
    const direct: unknown[] = [];
    const refused = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: unknown) => e,
      );
    const predicted: number[] = [];
    const losses: number[] = [];
    let atEnd: Float64Array | undefined;
    await trainer.fit(ids, next, {
      epochs: 2,
      batchSize: 2,
      onStep: async (e) => void predicted.push((await e.predict(ids)).length),
      onEpoch: async (e) => {
        losses.push((await e.evaluate(ids, next, { batchSize: 2 })).loss);
        expect((await e.generate({ prompt, steps: 3 })).tokens[0]).toHaveLength(3);
        direct.push(await refused(trainer.evaluate(ids, next)));
        direct.push(await refused(trainer.predict(ids)));
        direct.push(await refused(model.generate({ prompt, steps: 2 })));
        direct.push(await refused(trainer.step(x, y)));
        direct.push(await refused(trainer.fit(ids, next, { epochs: 1, batchSize: 3 })));
      },
      onTrainEnd: async (h) => void (atEnd = await h.predict(ids)),
    });
    expect(direct).toHaveLength(10);
    direct.forEach((e, i) => {
      expect(e).toBeInstanceOf(ModelBusyError);
      const op = ['evaluate', 'predict', 'generate', 'step', 'fit'][i % 5];
      expect(String(e)).toContain(
        `${op}(): the model is still running fit(); await it before starting ${op}(); from a fit callback, use its event's e.evaluate(), e.predict() or e.generate()`,
      );
    });
    expect(predicted).toEqual([3 * 4 * 8, 3 * 4 * 8, 3 * 4 * 8, 3 * 4 * 8]);
    // fit went on as without the callbacks, which saw the model as it was trained.
    expect(await ctx().read(model.params.values)).toEqual(await ctx().read(lone.model.params.values));
    expect(losses[1]).toBe((await trainer.evaluate(ids, next, { batchSize: 2 })).loss);
    expect(atEnd).toEqual(await trainer.predict(ids));
    expect(model.training).toBe(true);
    for (const t of [x, y]) t.release();
    for (const m of [lone, { model, trainer }]) {
      m.trainer.optimizer.release();
      m.trainer.release();
      m.model.release();
    }
  });

  it("an event's tools: one at a time, only while their own callback runs", async () => {
    const { model, trainer } = build(ctx());
    let kept: StepEvent | undefined;
    const outside: unknown[] = [];
    const twice: unknown[] = [];
    await trainer.fit(ids, next, {
      epochs: 1,
      batchSize: 2,
      onStep: async (e) => {
        if (!kept) {
          kept = e;
          const both = await Promise.allSettled([e.evaluate(ids, next), e.generate({ prompt, steps: 2 })]);
          twice.push(...both.map((r) => (r.status === 'rejected' ? r.reason : 'accepted')));
          return;
        }
        // A later callback's run: the first event's tools belong to a callback that has returned.
        outside.push(
          await kept.evaluate(ids, next).then(
            () => 'accepted',
            (err: unknown) => err,
          ),
        );
      },
    });
    expect(twice[0]).toBe('accepted');
    expect(String(twice[1])).toMatch(
      /ModelBusyError: e\.generate\(\): the callback's evaluate\(\) is still running; await it before starting generate\(\)/,
    );
    expect(String(outside[0])).toMatch(
      /ModelBusyError: e\.evaluate\(\): the model is still running fit\(\); an event's evaluate\(\) runs only while the callback that got it does/,
    );
    await expect(kept!.predict(ids)).rejects.toThrow(ValueError);
    await expect(kept!.predict(ids)).rejects.toThrow(
      /^e\.predict: expected a call while the fit\(\) callback that got it runs \(await it there\), got a call after fit\(\) ended/,
    );
    trainer.optimizer.release();
    trainer.release();
    model.release();
  });

  it('another task (a click) while an async callback yields is refused; fit runs as alone', async () => {
    const { model, trainer } = build(ctx());
    const [x, y] = [ctx().tensor(ids.data, ids.shape), ctx().tensor(next.data, next.shape)];
    const yieldFor = () => new Promise<void>((resolve) => setTimeout(resolve, 4));
    const lone = build(ctx());
    await lone.trainer.fit(ids, next, { epochs: 2, batchSize: 2, onStep: yieldFor });
    const clicks: Promise<unknown>[] = [];
    const click = setInterval(() => {
      const refused = (p: Promise<unknown>) =>
        clicks.push(
          p.then(
            () => 'accepted',
            (e: unknown) => e,
          ),
        );
      refused(model.generate({ prompt, steps: 2 }));
      refused(trainer.evaluate(ids, next));
      refused(trainer.predict(ids));
      refused(trainer.step(x, y));
    }, 1);
    try {
      await trainer.fit(ids, next, { epochs: 2, batchSize: 2, onStep: yieldFor, onEpoch: yieldFor });
    } finally {
      clearInterval(click);
    }
    const outcomes = await Promise.all(clicks);
    expect(outcomes.length).toBeGreaterThan(0);
    for (const o of outcomes) expect(o).toBeInstanceOf(ModelBusyError);
    expect(await ctx().read(model.params.values)).toEqual(await ctx().read(lone.model.params.values));
    for (const t of [x, y]) t.release();
    for (const m of [lone, { model, trainer }]) {
      m.trainer.optimizer.release();
      m.trainer.release();
      m.model.release();
    }
  });
});

// The rule for every ordered pair of long operations on one model, on both backends: the second, tried at
// every turn of the event loop (each microtask on the CPU, where nothing else yields) until the first has
// settled, is refused with ModelBusyError naming both; the first gives what it gives alone, weights included.
// The model is free a few microtasks before the first's promise settles (the public methods' async
// wrappers): a try there may run, after the first, as it would have alone — never the first try, never earlier.
const FREE_BEFORE_SETTLED = 4;
type Op = 'fit' | 'evaluate' | 'predict' | 'step' | 'generate';
const OPS: Op[] = ['fit', 'evaluate', 'predict', 'step', 'generate'];

describe.each(['webgpu', 'cpu'] as const)('every pair of long operations on one model (%s)', (kind) => {
  const ctx = () => (kind === 'webgpu' ? gpu() : cpu);
  function start(m: ReturnType<typeof build>, op: Op, x: Tensor, y: Tensor): Promise<unknown> {
    switch (op) {
      case 'fit':
        return m.trainer.fit(ids, next, { epochs: 2, batchSize: 2 });
      case 'evaluate':
        return m.trainer.evaluate(ids, next, { batchSize: 1 });
      case 'predict':
        return m.trainer.predict(ids, { batchSize: 1 });
      case 'step':
        return m.trainer.step(x, y);
      case 'generate':
        return m.model.generate({ prompt, steps: 6, seed: 1, readEvery: 2 });
    }
  }
  const tick = (i: number) =>
    kind === 'cpu' || i % 8 !== 7 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, 0));

  it.each(OPS.flatMap((a) => OPS.map((b) => [a, b] as const)))(
    '%s, then %s: the second refused, the first as alone',
    async (first, second) => {
      const be = ctx();
      const [x, y] = [be.tensor(ids.data, ids.shape), be.tensor(next.data, next.shape)];
      const lone = build(be);
      const alone = await start(lone, first, x, y);
      const m = build(be);
      let settled = false;
      const running = start(m, first, x, y).finally(() => (settled = true));
      const tries: Promise<unknown>[] = [];
      for (let i = 0; !settled && i < 20000; i++) {
        tries.push(
          start(m, second, x, y).then(
            () => 'accepted',
            (e: unknown) => e,
          ),
        );
        await tick(i);
      }
      const result = await running.catch((e: unknown) => e);
      const outcomes = await Promise.all(tries);
      const accepted = outcomes.flatMap((o, i) => (o instanceof ModelBusyError ? [] : [i]));
      expect(tries.length).toBeGreaterThan(0);
      expect(accepted.filter((i) => i === 0 || i < tries.length - FREE_BEFORE_SETTLED)).toEqual([]);
      for (const o of outcomes.slice(0, accepted[0]))
        expect(String(o)).toContain(`${second}(): the model is still running ${first}(); await it`);
      expect(result).toEqual(alone);
      for (const _ of accepted) await start(lone, second, x, y); // what ran after the first, alone
      expect(await be.read(m.model.params.values)).toEqual(await be.read(lone.model.params.values));
      expect(m.model.training).toBe(true);
      await start(m, second, x, y); // free again
      for (const t of [x, y]) t.release();
      for (const r of [lone, m]) {
        r.trainer.optimizer.release();
        r.trainer.release();
        r.model.release();
      }
    },
  );
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
