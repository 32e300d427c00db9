// The optimizer's learning rate set between steps (one small upload, nothing allocated, no pipeline)
// and the schedules built on it, against PyTorch's torch.optim.lr_scheduler (fixtures/gen_schedules.py).
import { describe, expect, it } from 'vitest';
import {
  Adam,
  RMSprop,
  CosineAnnealingLR,
  LinearLR,
  ReduceLROnPlateau,
  SGD,
  SequentialLR,
  StepLR,
  Trainer,
  ReleasedError,
  ValueError,
  mlp,
  type Backend,
  type LrScheduler,
  type Optimizer,
  type PlateauOptions,
} from '../src/index.js';
import { readFixture } from './fixtures.js';
import { expectClose, seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();

describe('optimizer.lr', () => {
  // Runs 6 SGD-with-momentum and 6 Adam steps on a tiny MLP, setting the rate before each step.
  async function train(be: Backend, rates: number[], makeOpt: (m: ReturnType<typeof mlp>) => Optimizer) {
    const model = mlp(be, [3, 4, 2], { seed: 3 });
    const opt = makeOpt(model);
    const trainer = new Trainer(model, opt, { loss: 'mse' });
    const rng = seeded(4);
    const [x, y] = [be.tensor(rng.uniformArray(15), [5, 3]), be.tensor(rng.uniformArray(10), [5, 2])];
    for (const r of rates) {
      opt.lr = r;
      await trainer.step(x, y);
    }
    const weights = Array.from(await be.read(model.params.values));
    for (const t of [x, y]) t.release();
    trainer.release();
    opt.release();
    model.release();
    return weights;
  }
  const factors = [1, 0.3, 2, 0, 0.5, 0.7];
  const optimizers: Array<[string, number, (m: ReturnType<typeof mlp>) => Optimizer]> = [
    ['SGD', 0.1, (m) => new SGD(m.params, { lr: 1, momentum: 0.9 })],
    ['Adam', 0.01, (m) => new Adam(m.params, { lr: 1 })],
    ['RMSprop', 0.01, (m) => new RMSprop(m.params, { lr: 1, momentum: 0.9 })],
  ];

  it.each(optimizers)(
    '%s: a rate set between steps is the one used, on the GPU as on the CPU reference',
    async (_, base, makeOpt) => {
      const rates = factors.map((f) => f * base);
      const [g, c, constant] = [
        await train(gpu(), rates, makeOpt),
        await train(cpu, rates, makeOpt),
        await train(
          cpu,
          rates.map(() => base),
          makeOpt,
        ),
      ];
      // Adam moves every weight by about lr whatever its gradient's size: f32 rounding of tiny gradients shows (atol 5e-6).
      expectClose(g, c, { atol: 5e-6, rtol: 1e-5, label: 'weights after 6 steps, GPU vs CPU' });
      expect(Math.max(...c.map((v, i) => Math.abs(v - constant[i])))).toBeGreaterThan(base / 100); // the rates mattered
    },
  );

  it('setting the rate every step creates no pipeline, buffer, uniform, bind group or tensor (counters)', async () => {
    const g = gpu();
    const model = mlp(g, [3, 4, 2], { seed: 3 });
    const opt = new Adam(model.params, { lr: 0.01 });
    const trainer = new Trainer(model, opt, { loss: 'mse' });
    const [x, y] = [g.tensor(seeded(1).uniformArray(15), [5, 3]), g.tensor(seeded(2).uniformArray(10), [5, 2])];
    const snapshot = () => ({
      pipelines: g.counters().pipelinesCreated,
      buffers: g.poolStats().created,
      live: g.liveTensors(),
      ...g.registry.created,
    });
    // Warm-up: the step's temporaries cycle through the pool's buffers, and the bind-group cache fills within a few cycles.
    for (let i = 0; i < 20; i++) await trainer.step(x, y);
    g.resetCounters();
    const warm = snapshot();
    for (let i = 0; i < 10; i++) {
      opt.lr = 0.01 / (i + 1);
      await trainer.step(x, y);
    }
    expect(JSON.stringify(snapshot())).toBe(JSON.stringify(warm));
    expect(g.counters()).toMatchObject({ pipelinesCreated: 0, submits: 10, readbacks: 10, uploads: 10 });
    expect(opt.lr).toBe(0.001);
    for (const t of [x, y]) t.release();
    trainer.release();
    opt.release();
    model.release();
  });

  it('refuses a negative or non-finite rate and keeps the old one', () => {
    const model = mlp(cpu, [2, 2]);
    const opt = new SGD(model.params, { lr: 0.1 });
    expect(() => (opt.lr = -1)).toThrow(ValueError);
    expect(() => (opt.lr = NaN)).toThrow(/lr: expected a learning rate ≥ 0, got NaN/);
    expect(opt.lr).toBe(0.1);
    opt.release();
    expect(() => (opt.lr = 0.2)).toThrow(ReleasedError);
    model.release();
  });
});

interface ScheduleCase {
  name: string;
  kind: 'StepLR' | 'CosineAnnealingLR' | 'LinearLR' | 'SequentialLR' | 'ReduceLROnPlateau';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  options: any;
  losses?: number[];
  lrs: number[];
}
const fixture = readFixture<{ baseLr: number; cases: ScheduleCase[] }>('lr_schedules.json');

function build(kind: ScheduleCase['kind'], opt: Optimizer, o: ScheduleCase['options']): LrScheduler {
  switch (kind) {
    case 'StepLR':
      return new StepLR(opt, o);
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(opt, o);
    case 'LinearLR':
      return new LinearLR(opt, o);
    case 'SequentialLR':
      return new SequentialLR(opt, [new LinearLR(opt, o.warmup), new CosineAnnealingLR(opt, o.cosine)], o.milestones);
    case 'ReduceLROnPlateau':
      return new ReduceLROnPlateau(opt, o as PlateauOptions);
  }
}

describe('schedules match PyTorch', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const model = mlp(cpu, [2, 2]);
    const opt = new SGD(model.params, { lr: fixture.baseLr });
    const schedule = build(c.kind, opt, c.options);
    const lrs = [opt.lr];
    for (let i = 0; i + 1 < c.lrs.length; i++) {
      schedule.step(c.losses?.[i]);
      lrs.push(opt.lr);
    }
    expectClose(lrs, c.lrs, { atol: 1e-12, rtol: 0, label: `${c.name} learning rates` });
    opt.release();
    model.release();
  });

  it('refuses bad options with a typed error and leaves the rate alone', () => {
    const model = mlp(cpu, [2, 2]);
    const opt = new SGD(model.params, { lr: 0.1 });
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow(/stepSize: expected a positive integer, got 0/);
    expect(() => new ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/factor: expected a number in \[0, 1\), got 1/);
    const warm = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
    expect(() => new SequentialLR(opt, [warm], [3])).toThrow(/milestones: expected 0 milestone/);
    expect(() => new ReduceLROnPlateau(opt).step()).toThrow(/metric: expected the monitored value/);
    expect(opt.lr).toBe(0.05);
    opt.release();
    model.release();
  });
});
