// Every loss by name (and with its options) in Trainer, RMSprop as a Trainer's optimizer: a step on the
// GPU matches the CPU reference, costs the dispatches its parts say (one submit, one readback), refuses
// bad loss options before any GPU work; fit/evaluate with ignoreIndex; RMSprop with a schedule and clipping.
import { describe, expect, it } from 'vitest';
import {
  RMSprop,
  SGD,
  ShapeError,
  StepLR,
  Trainer,
  ValueError,
  mlp,
  type Backend,
  type LossConfig,
  type LossName,
  type Optimizer,
  type Tensor,
} from '../src/index.js';
import { expectClose, seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
const [B, I, O] = [9, 5, 3];

/** Targets fitting a loss: classes for crossEntropy (some -100 with ignoreIndex), 0/1 for BCE, reals otherwise. */
function targetsFor(be: Backend, loss: LossName | LossConfig, seed: number): Tensor {
  const rng = seeded(seed);
  const name = typeof loss === 'string' ? loss : loss.name;
  if (name === 'crossEntropy') {
    const ignore = typeof loss === 'object' && 'ignoreIndex' in loss;
    return be.tensor(
      Float64Array.from({ length: B }, (_, b) => (ignore && b % 4 === 1 ? -100 : rng.int(O))),
      [B],
    );
  }
  if (name === 'bceWithLogits')
    return be.tensor(
      Float64Array.from({ length: B * O }, () => rng.int(2)),
      [B, O],
    );
  return be.tensor(rng.uniformArray(B * O, -2, 2), [B, O]);
}

async function train(
  be: Backend,
  loss: LossName | LossConfig,
  makeOpt: (m: ReturnType<typeof mlp>) => Optimizer,
  steps = 3,
) {
  const model = mlp(be, [I, 6, O], { seed: 2 });
  const opt = makeOpt(model);
  const trainer = new Trainer(model, opt, { loss, clip: { maxNorm: 0.5 } });
  const x = be.tensor(seeded(1).uniformArray(B * I, -2, 2), [B, I]);
  const t = targetsFor(be, loss, 3);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await trainer.step(x, t)).loss);
  const weights = await be.read(model.params.values);
  for (const u of [x, t]) u.release();
  trainer.release();
  opt.release();
  model.release();
  return { losses, weights };
}

const LOSSES: (LossName | LossConfig)[] = [
  'mse',
  'l1',
  'huber',
  { name: 'huber', delta: 0.3 },
  'smoothL1',
  { name: 'smoothL1', beta: 0 },
  'bceWithLogits',
  { name: 'bceWithLogits', posWeight: [0.5, 2, 4] },
  'crossEntropy',
  { name: 'crossEntropy', ignoreIndex: -100, labelSmoothing: 0.1 },
];

describe('Trainer with every loss, SGD and RMSprop: GPU vs CPU over 3 clipped steps', () => {
  const optimizers: [string, (m: ReturnType<typeof mlp>) => Optimizer][] = [
    ['SGD', (m) => new SGD(m.params, { lr: 0.1, momentum: 0.9 })],
    ['RMSprop', (m) => new RMSprop(m.params, { momentum: 0.5, centered: true, weightDecay: 0.01 })],
  ];
  it.each(LOSSES.flatMap((l) => optimizers.map(([n, o]) => [JSON.stringify(l), n, l, o] as const)))(
    '%s, %s',
    async (_l, _o, loss, makeOpt) => {
      const [g, c] = [await train(gpu(), loss, makeOpt), await train(cpu, loss, makeOpt)];
      expectClose(g.losses, c.losses, { atol: 1e-5, rtol: 1e-5, label: 'losses' });
      // RMSprop moves each weight by ~lr whatever its gradient: f32 rounding of small gradients shows (atol 2e-5).
      expectClose(g.weights, c.weights, { atol: 2e-5, rtol: 1e-4, label: 'weights' });
      expect(c.losses.every(Number.isFinite)).toBe(true);
    },
  );
});

describe('step structure', () => {
  async function stepCounters(loss: LossName | LossConfig, makeOpt: (m: ReturnType<typeof mlp>) => Optimizer) {
    const g = gpu();
    const model = mlp(g, [I, 6, O], { seed: 2 });
    const opt = makeOpt(model);
    const trainer = new Trainer(model, opt, { loss });
    const x = g.tensor(seeded(1).uniformArray(B * I), [B, I]);
    const t = targetsFor(g, loss, 3);
    await trainer.step(x, t); // warm-up: pipelines compile here
    g.resetCounters();
    await trainer.step(x, t);
    const c = g.counters();
    for (const u of [x, t]) u.release();
    trainer.release();
    opt.release();
    model.release();
    return c;
  }
  const sgd = (m: ReturnType<typeof mlp>) => new SGD(m.params, { lr: 0.1 });

  it('each elementwise loss costs what mse costs (1 kernel + 2 reduction stages); ignoreIndex with mean adds 3', async () => {
    const base = await stepCounters('mse', sgd);
    expect(base).toMatchObject({ submits: 1, readbacks: 1, pipelinesCreated: 0 });
    for (const loss of [
      'l1',
      'huber',
      'smoothL1',
      'bceWithLogits',
      { name: 'bceWithLogits', posWeight: [1, 2, 3] },
      'crossEntropy',
      { name: 'crossEntropy', labelSmoothing: 0.2 },
    ] as const) {
      expect(await stepCounters(loss, sgd), JSON.stringify(loss)).toMatchObject({
        dispatches: base.dispatches,
        submits: 1,
        readbacks: 1,
        pipelinesCreated: 0,
      });
    }
    // the count of rows kept (2 reduction stages) and loss_mean
    expect((await stepCounters({ name: 'crossEntropy', ignoreIndex: -100 }, sgd)).dispatches).toBe(base.dispatches + 3);
  });

  it('RMSprop costs what SGD costs: one update dispatch and the step counter, whatever its options', async () => {
    const base = await stepCounters('mse', sgd);
    for (const options of [{}, { momentum: 0.9, centered: true, weightDecay: 0.1 }]) {
      expect(await stepCounters('mse', (m) => new RMSprop(m.params, options))).toMatchObject({
        dispatches: base.dispatches,
        submits: 1,
        readbacks: 1,
        pipelinesCreated: 0,
      });
    }
  });
});

describe('loss options are checked when the Trainer is made', () => {
  it('refuses unknown names and options, bad values, and a posWeight of the wrong length, by name', () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const model = mlp(be, [I, 4, O], { seed: 1 });
      const opt = new SGD(model.params, { lr: 0.1 });
      const make = (loss: unknown) => () => new Trainer(model, opt, { loss: loss as LossName });
      be.resetCounters();
      expect(make('bce')).toThrow(
        /loss: expected one of 'mse', 'crossEntropy', 'bceWithLogits', 'l1', 'huber', 'smoothL1'/,
      );
      expect(make({ name: 'hinge' })).toThrow(/loss.name/);
      expect(make({ name: 'huber', beta: 1 })).toThrow(/unknown option "beta"/);
      expect(make({ name: 'huber', delta: 0 })).toThrow(/delta: expected a finite number > 0, got 0/);
      expect(make({ name: 'smoothL1', beta: -1 })).toThrow(/beta: expected a finite number ≥ 0/);
      expect(make({ name: 'crossEntropy', labelSmoothing: 1.01 })).toThrow(/labelSmoothing/);
      expect(make({ name: 'crossEntropy', ignore_index: -100 })).toThrow(/did you mean ignoreIndex/);
      expect(make({ name: 'bceWithLogits', posWeight: [1, 2] })).toThrow(ShapeError);
      expect(make({ name: 'bceWithLogits', posWeight: [1, 2] })).toThrow(/posWeight: expected 3 values, got 2/);
      expect(make({ name: 'bceWithLogits', posWeight: [1, NaN, 2] })).toThrow(ValueError);
      expect(be.counters()).toMatchObject({ dispatches: 0, uploads: 0 });
      opt.release();
      model.release();
    }
  });

  it('the target of a BCE step must have the output shape', async () => {
    const g = gpu();
    const model = mlp(g, [I, 4, O], { seed: 1 });
    const opt = new SGD(model.params, { lr: 0.1 });
    const trainer = new Trainer(model, opt, { loss: 'bceWithLogits' });
    const [x, t] = [g.zeros([B, I]), g.zeros([B])];
    await expect(trainer.step(x, t)).rejects.toThrow(/target: expected \[9, 3\]/);
    for (const u of [x, t]) u.release();
    trainer.release();
    opt.release();
    model.release();
  });
});

describe('fit and evaluate with crossEntropy ignoreIndex', () => {
  const N = 10;
  const rng = seeded(11);
  const x = Array.from(rng.uniformArray(N * I, -2, 2));
  const targets = Array.from({ length: N }, (_, i) => (i % 3 === 0 ? -100 : rng.int(O)));

  it('accepts ignored targets only with ignoreIndex; the mean loss and accuracy count the kept targets whatever the batch size', async () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const model = mlp(be, [I, 6, O], { seed: 4 });
      const opt = new RMSprop(model.params, { lr: 0.01 });
      const plain = new Trainer(model, opt, { loss: 'crossEntropy' });
      await expect(plain.evaluate({ data: x, shape: [N, I] }, targets)).rejects.toThrow(
        /targets\[0\]: expected an integer class index in \[0, 2\], got -100/,
      );
      const trainer = new Trainer(model, opt, { loss: { name: 'crossEntropy', ignoreIndex: -100 } });
      const whole = await trainer.evaluate({ data: x, shape: [N, I] }, targets);
      const batched = await trainer.evaluate({ data: x, shape: [N, I] }, targets, { batchSize: 3 });
      // Batches of 3 hold 2, 2, 2 and 0 kept targets (the last is all ignored: NaN, weight 0).
      expectClose([batched.loss, batched.accuracy!], [whole.loss, whole.accuracy!], {
        atol: 1e-6,
        rtol: 1e-6,
        label: `${be.kind} evaluate by batches`,
      });
      expect(Number.isFinite(whole.loss)).toBe(true);
      const history = await trainer.fit({ data: x, shape: [N, I] }, targets, {
        epochs: 2,
        batchSize: 3,
        shuffle: false,
      });
      expect(history.epochLosses.every(Number.isFinite)).toBe(true);
      expect(trainer.skippedSteps).toBe(2); // the all-ignored batch, once per epoch: NaN loss, update skipped
      for (const t of [plain, trainer]) t.release();
      opt.release();
      model.release();
    }
  });
});

describe('RMSprop in fit with a schedule', () => {
  it('StepLR halves its rate after every 2 epochs; GPU and CPU end with the same weights', async () => {
    const N = 12;
    const rng = seeded(5);
    const x = { data: Array.from(rng.uniformArray(N * I)), shape: [N, I] };
    const y = { data: Array.from(rng.uniformArray(N * O)), shape: [N, O] };
    const run = async (be: Backend) => {
      const model = mlp(be, [I, 6, O], { seed: 4 });
      const opt = new RMSprop(model.params, { lr: 0.01, momentum: 0.5 });
      const trainer = new Trainer(model, opt, { loss: { name: 'huber', delta: 0.5 } });
      const history = await trainer.fit(x, y, {
        epochs: 5,
        batchSize: 4,
        shuffle: false,
        schedule: new StepLR(opt, { stepSize: 2, gamma: 0.5 }),
      });
      const weights = await be.read(model.params.values);
      trainer.release();
      opt.release();
      model.release();
      return { history, weights };
    };
    const [g, c] = [await run(gpu()), await run(cpu)];
    expect(c.history.lrs).toEqual([0.01, 0.01, 0.005, 0.005, 0.0025]); // the rate each epoch trained with
    expect(g.history.lrs).toEqual(c.history.lrs);
    expectClose(g.weights, c.weights, { atol: 2e-5, rtol: 1e-4, label: 'weights after fit' });
    expect(c.history.epochLosses.at(-1)!).toBeLessThan(c.history.epochLosses[0]);
  });
});
