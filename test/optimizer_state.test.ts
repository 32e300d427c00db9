// Resumable training: optimizer and schedule state dicts (torch.optim names) saved with the library's
// safetensors / JSON writers and loaded into a fresh model, optimizer and schedule continue bit for bit
// like the run that never stopped — on the CPU reference and on WebGPU. Bad dicts are refused with a
// typed error before anything changes.
import { describe, expect, it } from 'vitest';
import {
  Adam,
  AdamW,
  CosineAnnealingLR,
  Dropout,
  LSTM,
  Linear,
  LinearLR,
  RMSprop,
  ReduceLROnPlateau,
  ReleasedError,
  SGD,
  Sequential,
  SequentialLR,
  ShapeError,
  StepLR,
  Trainer,
  ValueError,
  loadSafetensors,
  saveSafetensors,
  stateDictFromJson,
  stateDictToJson,
  type Backend,
  type Optimizer,
  type ParamSet,
  type ReadStateDict,
  type StateDict,
  type Tensor,
} from '../src/index.js';
import { seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
const backends: Array<[string, () => Backend]> = [
  ['cpu', () => cpu],
  ['webgpu', () => gpu()],
];

// B batch, T steps, I input, H hidden, O outputs: odd sizes, an LSTM and a Linear head on every step.
const [T, B, I, H, O] = [3, 3, 2, 5, 2];
const [K, N] = [3, 4]; // steps before the checkpoint, steps after it

type Schedule = StepLR | CosineAnnealingLR | SequentialLR | ReduceLROnPlateau;
interface Setup {
  optimizer: (p: ParamSet) => Optimizer;
  schedule: (o: Optimizer) => Schedule;
  /** The file the checkpoint goes through. */
  format: 'F64' | 'json';
}

const setups: Array<[string, Setup]> = [
  [
    'SGD nesterov + StepLR',
    {
      optimizer: (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
      schedule: (o) => new StepLR(o, { stepSize: 2, gamma: 0.5 }),
      format: 'F64',
    },
  ],
  [
    'Adam + SequentialLR(LinearLR, CosineAnnealingLR)',
    {
      optimizer: (p) => new Adam(p, { lr: 0.02 }),
      schedule: (o) =>
        new SequentialLR(o, [new LinearLR(o, { totalIters: 2 }), new CosineAnnealingLR(o, { tMax: 4 })], [2]),
      format: 'json',
    },
  ],
  // mode 'max' on a falling loss: the plateau counters and the cooldown all move.
  [
    'AdamW + ReduceLROnPlateau',
    {
      optimizer: (p) => new AdamW(p, { lr: 0.02, weightDecay: 0.1 }),
      schedule: (o) => new ReduceLROnPlateau(o, { mode: 'max', patience: 0, factor: 0.5, cooldown: 1 }),
      format: 'F64',
    },
  ],
  [
    'RMSprop centered, momentum + CosineAnnealingLR',
    {
      optimizer: (p) => new RMSprop(p, { lr: 0.01, momentum: 0.5, centered: true }),
      schedule: (o) => new CosineAnnealingLR(o, { tMax: 3 }),
      format: 'json',
    },
  ],
];

function makeRun(be: Backend, setup: Setup, seed: number) {
  const model = new Sequential(be, [new LSTM({ inputSize: I, hiddenSize: H }), new Linear(H, O)], { seed });
  const optimizer = setup.optimizer(model.params);
  const schedule = setup.schedule(optimizer);
  // Clipping on: the update kernels take the clip coefficient from the step's gscale.
  const trainer = new Trainer(model, optimizer, { loss: 'mse', clip: { maxNorm: 0.5 } });
  const release = () => {
    trainer.release();
    optimizer.release();
    model.release();
  };
  return { model, optimizer, schedule, trainer, release };
}

/** K + N seeded batches, the same for every run. */
function batches(be: Backend): Array<[Tensor, Tensor]> {
  const rng = seeded(7);
  return Array.from({ length: K + N }, () => [
    be.tensor(rng.uniformArray(T * B * I), [T, B, I]),
    be.tensor(rng.uniformArray(T * B * O), [T, B, O]),
  ]);
}

async function train(
  run: ReturnType<typeof makeRun>,
  data: Array<[Tensor, Tensor]>,
  from: number,
  to: number,
): Promise<void> {
  for (let s = from; s < to; s++) {
    const { loss } = await run.trainer.step(...data[s]);
    run.schedule.step(loss);
  }
}

const prefixed = (prefix: string, d: ReadStateDict): ReadStateDict =>
  Object.fromEntries(Object.entries(d).map(([k, v]) => [`${prefix}${k}`, v]));
function part(d: ReadStateDict, prefix: string): ReadStateDict {
  const out: ReadStateDict = Object.create(null);
  for (const [k, v] of Object.entries(d)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

describe('resume training exactly', () => {
  describe.each(backends)('%s', (_, backend) => {
    it.each(setups)(
      '%s: save after K steps, load into fresh objects, N more steps = the uninterrupted run, bit for bit',
      async (_label, setup) => {
        const be = backend();
        const data = batches(be);
        const whole = makeRun(be, setup, 1);
        await train(whole, data, 0, K);
        // One file for the three parts; saving does not disturb the run. The safetensors runs save and load
        // each part by itself, the JSON runs through the Trainer (same keys).
        const parts =
          setup.format === 'F64'
            ? {
                ...prefixed('model.', await whole.model.stateDict()),
                ...prefixed('optimizer.', await whole.optimizer.stateDict()),
                ...prefixed('schedule.', whole.schedule.stateDict()),
              }
            : await whole.trainer.stateDict({ schedule: whole.schedule });
        const saved =
          setup.format === 'F64'
            ? loadSafetensors(saveSafetensors(parts, { dtype: 'F64' })).tensors
            : stateDictFromJson(stateDictToJson(parts));
        await train(whole, data, K, K + N);

        const resumed = makeRun(be, setup, 99); // other weights, a fresh counter and rate: everything must come from the file
        if (setup.format === 'F64') {
          resumed.model.loadStateDict(part(saved, 'model.'));
          expect(resumed.optimizer.loadStateDict(part(saved, 'optimizer.'))).toEqual({
            missingKeys: [],
            unexpectedKeys: [],
          });
          expect(resumed.schedule.loadStateDict(part(saved, 'schedule.'))).toEqual({
            missingKeys: [],
            unexpectedKeys: [],
          });
        } else {
          expect(resumed.trainer.loadStateDict(saved, { schedule: resumed.schedule })).toEqual({
            missingKeys: [],
            unexpectedKeys: [],
          });
        }
        expect(resumed.optimizer.lr).toBe(saved['optimizer.param_groups.lr'].data[0]);
        await train(resumed, data, K, K + N);

        const [a, b] = [await be.read(whole.model.params.values), await be.read(resumed.model.params.values)];
        expect(Array.from(b)).toEqual(Array.from(a));
        expect(resumed.optimizer.lr).toBe(whole.optimizer.lr);
        const [sa, sb] = [await whole.optimizer.stateDict(), await resumed.optimizer.stateDict()];
        expect(Object.keys(sb)).toEqual(Object.keys(sa));
        for (const k of Object.keys(sa)) expect(Array.from(sb[k].data), k).toEqual(Array.from(sa[k].data));
        expect(sb['state.0.weight_ih_l0.step'].data[0]).toBe(K + N);
        expect(resumed.schedule.stateDict()).toEqual(whole.schedule.stateDict());
        // Without the optimizer's state the same N steps land elsewhere: the test can fail.
        const cold = makeRun(be, setup, 99);
        cold.model.loadStateDict(part(saved, 'model.'));
        await train(cold, data, K, K + N);
        expect(Array.from(await be.read(cold.model.params.values))).not.toEqual(Array.from(a));
        for (const r of [whole, resumed, cold]) r.release();
        for (const t of data.flat()) t.release();
      },
    );
  });

  // Dropout between the LSTM's 2 layers and a Dropout layer: the masks' steps and the skipped-step count
  // travel in the Trainer's dict (dropout.site<k>.step, trainer.skipped_steps).
  describe.each(backends)('%s, with dropout', (_, backend) => {
    const dropoutRun = (be: Backend, seed: number) => {
      const model = new Sequential(
        be,
        [new LSTM({ inputSize: I, hiddenSize: H, numLayers: 2, dropout: 0.4 }), new Dropout(0.3), new Linear(H, O)],
        { seed },
      );
      const optimizer = new Adam(model.params, { lr: 0.02 });
      const trainer = new Trainer(model, optimizer, { loss: 'mse' });
      return {
        model,
        optimizer,
        trainer,
        schedule: { step: () => {} },
        release: () => [trainer, optimizer, model].forEach((o) => o.release()),
      };
    };
    const data = (be: Backend) => {
      const d = batches(be);
      const target = new Float64Array(T * B * O).fill(0.5);
      target[4] = NaN; // a skipped step before the checkpoint
      d[1][1].release();
      d[1] = [d[1][0], be.tensor(target, [T, B, O])];
      return d;
    };

    it('the masks and the skipped-step count resume: N more steps = the uninterrupted run, bit for bit', async () => {
      const be = backend();
      const d = data(be);
      const whole = dropoutRun(be, 5);
      await train(whole as unknown as ReturnType<typeof makeRun>, d, 0, K);
      expect(whole.trainer.skippedSteps).toBe(1);
      const saved = stateDictFromJson(stateDictToJson(await whole.trainer.stateDict()));
      // Two LSTM layers make one site (stream 0), the Dropout layer the second; each drew K masks.
      expect(Object.keys(saved).filter((k) => !k.startsWith('model.') && !k.startsWith('optimizer.'))).toEqual([
        'dropout.site0.step',
        'dropout.site1.step',
        'trainer.skipped_steps',
      ]);
      expect([
        saved['dropout.site0.step'].data[0],
        saved['dropout.site1.step'].data[0],
        saved['trainer.skipped_steps'].data[0],
      ]).toEqual([K, K, 1]);
      await train(whole as unknown as ReturnType<typeof makeRun>, d, K, K + N);
      const expected = Array.from(await be.read(whole.model.params.values));

      // The same seed (a construction option, as the rate) but fresh counters: everything else from the file.
      const resumed = dropoutRun(be, 5);
      expect(resumed.trainer.loadStateDict(saved)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      expect(resumed.trainer.skippedSteps).toBe(1);
      await train(resumed as unknown as ReturnType<typeof makeRun>, d, K, K + N);
      expect(Array.from(await be.read(resumed.model.params.values))).toEqual(expected);
      expect(await resumed.trainer.stateDict()).toEqual(await whole.trainer.stateDict());

      // Control: the same load without the dropout steps draws the masks of steps 0… again and lands elsewhere.
      const cold = dropoutRun(be, 5);
      const withoutDropout = Object.fromEntries(Object.entries(saved).filter(([k]) => !k.startsWith('dropout.')));
      expect(cold.trainer.loadStateDict(withoutDropout, { strict: false }).missingKeys).toEqual([
        'dropout.site0.step',
        'dropout.site1.step',
      ]);
      await train(cold as unknown as ReturnType<typeof makeRun>, d, K, K + N);
      expect(Array.from(await be.read(cold.model.params.values))).not.toEqual(expected);
      for (const r of [whole, resumed, cold]) r.release();
      for (const t of d.flat()) t.release();
    });

    it('bad steps are refused before anything is written', async () => {
      const be = backend();
      const run = dropoutRun(be, 5);
      const good = await run.trainer.stateDict();
      for (const [key, v, expected] of [
        ['dropout.site1.step', 1.5, 'a whole number of steps in \\[0, 2\\^32\\)'],
        ['dropout.site0.step', 2 ** 32, 'a whole number of steps in \\[0, 2\\^32\\)'],
        ['trainer.skipped_steps', -1, 'a whole number ≥ 0'],
      ] as const) {
        const bad = { ...good, 'model.2.bias': { shape: [O], data: [7, 7] }, [key]: { shape: [], data: [v] } };
        expect(() => run.trainer.loadStateDict(bad), key).toThrow(
          new RegExp(`stateDict\\['${key.replaceAll('.', '\\.')}'\\]\\.data\\[0\\]: expected ${expected}`),
        );
      }
      expect(await run.trainer.stateDict()).toEqual(good);
      run.release();
    });
  });

  it('stateDict is one readback; loadStateDict none and no submit', async () => {
    const be = gpu();
    const run = makeRun(be, setups[2][1], 1);
    const data = batches(be);
    await train(run, data, 0, 1);
    be.resetCounters();
    const sd = await run.optimizer.stateDict();
    expect(be.counters()).toMatchObject({ readbacks: 1, dispatches: 0 });
    be.resetCounters();
    run.optimizer.loadStateDict(sd);
    run.schedule.loadStateDict(run.schedule.stateDict());
    expect(be.counters()).toMatchObject({ readbacks: 0, submits: 0, dispatches: 0 });
    run.release();
    for (const t of data.flat()) t.release();
  });
});

describe('state dict names', () => {
  it('torch.optim names: per-parameter state, param_groups with the hyper-parameters; only the buffers the options use', async () => {
    const model = new Sequential(cpu, [new Linear(2, 3)], { seed: 1 });
    const keys = async (o: Optimizer) => {
      const k = Object.keys(await o.stateDict());
      o.release();
      return k;
    };
    const state = (names: string[]) => ['0.weight', '0.bias'].flatMap((p) => names.map((n) => `state.${p}.${n}`));
    expect(await keys(new SGD(model.params, { lr: 0.1 }))).toEqual([
      ...state(['step']),
      'param_groups.lr',
      'param_groups.momentum',
      'param_groups.dampening',
      'param_groups.weight_decay',
      'param_groups.nesterov',
    ]);
    expect((await keys(new SGD(model.params, { lr: 0.1, momentum: 0.9 }))).slice(0, 4)).toEqual(
      state(['step', 'momentum_buffer']),
    );
    expect(await keys(new AdamW(model.params))).toEqual([
      ...state(['step', 'exp_avg', 'exp_avg_sq']),
      'param_groups.lr',
      'param_groups.betas',
      'param_groups.eps',
      'param_groups.weight_decay',
      'param_groups.decoupled_weight_decay',
    ]);
    expect((await keys(new RMSprop(model.params))).slice(0, 4)).toEqual(state(['step', 'square_avg']));
    expect((await keys(new RMSprop(model.params, { momentum: 0.1, centered: true }))).slice(0, 8)).toEqual(
      state(['step', 'square_avg', 'momentum_buffer', 'grad_avg']),
    );
    const adam = new Adam(model.params, { betas: [0.8, 0.9] });
    const sd = await adam.stateDict();
    expect(sd['param_groups.betas']).toEqual({ shape: [2], data: Float64Array.of(0.8, 0.9) });
    expect(sd['param_groups.decoupled_weight_decay'].data[0]).toBe(0);
    expect(sd['state.0.weight.exp_avg'].shape).toEqual([3, 2]);
    expect(sd['state.0.weight.step']).toEqual({ shape: [], data: Float64Array.of(0) });
    adam.release();
    model.release();
  });

  it('schedules: PyTorch counter names, SequentialLR nests its parts; ±Infinity survives JSON and safetensors', () => {
    const model = new Sequential(cpu, [new Linear(2, 3)], { seed: 1 });
    const opt = new SGD(model.params, { lr: 0.1 });
    const seq = new SequentialLR(opt, [new LinearLR(opt, { totalIters: 2 }), new StepLR(opt, { stepSize: 3 })], [2]);
    expect(Object.keys(seq.stateDict())).toEqual([
      'last_epoch',
      '_schedulers.0.last_epoch',
      '_schedulers.0.base_lrs',
      '_schedulers.1.last_epoch',
      '_schedulers.1.base_lrs',
    ]);
    expect(seq.stateDict()['_schedulers.1.last_epoch'].data[0]).toBe(-1); // not started yet
    const plateau = new ReduceLROnPlateau(opt);
    const sd = plateau.stateDict();
    expect(sd).toEqual({
      best: { shape: [], data: Float64Array.of(Infinity) },
      num_bad_epochs: { shape: [], data: Float64Array.of(0) },
      cooldown_counter: { shape: [], data: Float64Array.of(0) },
    });
    expect(stateDictFromJson(stateDictToJson(sd)).best.data[0]).toBe(Infinity);
    expect(loadSafetensors(saveSafetensors(sd)).tensors.best.data[0]).toBe(Infinity);
    const other = new ReduceLROnPlateau(opt, { mode: 'max' });
    other.loadStateDict(stateDictFromJson(stateDictToJson(sd)));
    expect(other.best).toBe(Infinity);
    opt.release();
    model.release();
  });
});

describe('bad dicts: a typed error, nothing changed', () => {
  async function trained(be: Backend) {
    const run = makeRun(be, setups[2][1], 1);
    const data = batches(be);
    await train(run, data, 0, 2);
    for (const t of data.flat()) t.release();
    return run;
  }
  type Sd = Record<string, { shape: number[]; data: ArrayLike<number> }>;
  const w = 'state.0.weight_ih_l0';
  const cases: Array<[string, (sd: Sd) => unknown, new (...a: never[]) => Error, RegExp]> = [
    [
      'a missing key',
      (sd) => Object.fromEntries(Object.entries(sd).filter(([k]) => k !== `${w}.exp_avg`)),
      ValueError,
      /stateDict: expected exactly the keys .*got missing \[state\.0\.weight_ih_l0\.exp_avg\], unexpected \[\]/,
    ],
    [
      'an SGD dict',
      (sd) => ({ ...sd, [`${w}.momentum_buffer`]: sd[`${w}.exp_avg`] }),
      ValueError,
      /the state of this AdamW \(per parameter: step, exp_avg, exp_avg_sq\), got per-parameter buffers no optimizer here keeps together \(step, exp_avg, exp_avg_sq, momentum_buffer\)/,
    ],
    [
      'a wrong shape',
      (sd) => ({ ...sd, [`${w}.exp_avg`]: { shape: [2, 20], data: sd[`${w}.exp_avg`].data } }),
      ShapeError,
      /stateDict\['state\.0\.weight_ih_l0\.exp_avg'\]\.shape: expected \[20, 2\], got \[2, 20\]/,
    ],
    [
      'too few values',
      (sd) => ({ ...sd, 'state.1.bias.exp_avg': { shape: [2], data: [1] } }),
      ShapeError,
      /stateDict\['state\.1\.bias\.exp_avg'\]\.data: expected 2 values, got 1/,
    ],
    [
      'a NaN in a buffer',
      (sd) => ({ ...sd, 'state.1.bias.exp_avg': { shape: [2], data: [0, NaN] } }),
      ValueError,
      /stateDict\['state\.1\.bias\.exp_avg'\]\.data\[1\]: expected a finite number, got NaN/,
    ],
    [
      'a negative second moment',
      (sd) => ({ ...sd, 'state.1.bias.exp_avg_sq': { shape: [2], data: [1, -1] } }),
      ValueError,
      /exp_avg_sq'\]\.data\[1\]: expected a number ≥ 0/,
    ],
    [
      'a fractional step',
      (sd) => ({ ...sd, [`${w}.step`]: { shape: [], data: [1.5] } }),
      ValueError,
      /step'\]\.data\[0\]: expected a whole number of steps in \[0, 2\^24\], got 1\.5/,
    ],
    [
      'two step counts',
      (sd) => ({ ...sd, 'state.1.bias.step': { shape: [], data: [7] } }),
      ValueError,
      /stateDict\['state\.1\.bias\.step'\]: expected the step of stateDict\['state\.0\.weight_ih_l0\.step'\] \(2\): one counter for all parameters, got 7/,
    ],
    [
      'other betas',
      (sd) => ({ ...sd, 'param_groups.betas': { shape: [2], data: [0.9, 0.99] } }),
      ValueError,
      /param_groups\.betas'\]\.data: expected \[0\.9, 0\.999\] as this optimizer's betas \(fixed at construction: build it with the saved options\), got \[0\.9, 0\.99\]/,
    ],
    [
      'Adam (not AdamW)',
      (sd) => ({ ...sd, 'param_groups.decoupled_weight_decay': { shape: [], data: [0] } }),
      ValueError,
      /decoupled_weight_decay'\]\.data: expected 1 as this optimizer's decoupled_weight_decay/,
    ],
    [
      'a negative lr',
      (sd) => ({ ...sd, 'param_groups.lr': { shape: [], data: [-1] } }),
      ValueError,
      /param_groups\.lr'\]\.data\[0\]: expected a learning rate ≥ 0, got -1/,
    ],
    [
      'not an object',
      () => 'weights.safetensors',
      ValueError,
      /stateDict: expected an object of named tensors, got "weights\.safetensors" \(a string\)/,
    ],
  ];
  it.each(cases)('%s', async (_label, mutate, type, message) => {
    for (const be of [cpu, gpu()] as Backend[]) {
      const run = await trained(be);
      const before = await run.optimizer.stateDict();
      // A valid new rate and step ride along: a rejected dict must not apply them either.
      const bad = mutate({
        ...before,
        'param_groups.lr': { shape: [], data: [0.5] },
        ...Object.fromEntries(
          Object.keys(before)
            .filter((k) => k.endsWith('.step'))
            .map((k) => [k, { shape: [], data: [2] }]),
        ),
      });
      let thrown: unknown;
      try {
        run.optimizer.loadStateDict(bad as StateDict);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, be.kind).toBeInstanceOf(type);
      expect((thrown as Error).message).toMatch(message);
      const after = await run.optimizer.stateDict();
      expect(Object.keys(after)).toEqual(Object.keys(before));
      for (const k of Object.keys(before))
        expect(Array.from(after[k].data), `${be.kind} ${k}`).toEqual(Array.from(before[k].data));
      run.release();
    }
  });

  it('options: strict must be a boolean, no unknown option', async () => {
    const run = await trained(cpu);
    const sd = await run.optimizer.stateDict();
    expect(() => run.optimizer.loadStateDict(sd, { strict: 'no' as unknown as boolean })).toThrow(/strict: expected/);
    expect(() => run.optimizer.loadStateDict(sd, { strcit: false } as { strict?: boolean })).toThrow(
      /options: expected only the options strict, got unknown option "strcit"/,
    );
    run.release();
  });

  it("strict: false loads the keys both share and reports the rest; names are data ('__proto__')", async () => {
    const run = await trained(cpu);
    const before = await run.optimizer.stateDict();
    const dict = JSON.parse('{"__proto__": {"shape": [], "data": [1]}}') as StateDict;
    dict['param_groups.lr'] = { shape: [], data: [0.25] };
    dict['state.1.bias.exp_avg'] = { shape: [2], data: [3, 4] };
    expect(() => run.optimizer.loadStateDict(dict)).toThrow(/unexpected \[__proto__\]/);
    const result = run.optimizer.loadStateDict(dict, { strict: false });
    expect(result.unexpectedKeys).toEqual(['__proto__']);
    expect(result.missingKeys).toHaveLength(Object.keys(before).length - 2);
    expect(result.missingKeys).not.toContain('param_groups.lr');
    const after = await run.optimizer.stateDict();
    expect(run.optimizer.lr).toBe(0.25);
    expect(Array.from(after['state.1.bias.exp_avg'].data)).toEqual([3, 4]);
    expect(Array.from(after['state.1.bias.exp_avg_sq'].data)).toEqual(
      Array.from(before['state.1.bias.exp_avg_sq'].data),
    );
    expect(after['state.1.bias.step'].data[0]).toBe(2);
    run.release();
  });

  it('schedules: bad counters refused before any is set', () => {
    const model = new Sequential(cpu, [new Linear(2, 3)], { seed: 1 });
    const opt = new SGD(model.params, { lr: 0.1 });
    const seq = new SequentialLR(opt, [new LinearLR(opt, { totalIters: 2 }), new StepLR(opt, { stepSize: 3 })], [2]);
    const before = seq.stateDict();
    const bad = {
      ...before,
      last_epoch: { shape: [], data: [5] },
      '_schedulers.1.last_epoch': { shape: [], data: [1.5] },
    };
    expect(() => seq.loadStateDict(bad)).toThrow(ValueError);
    expect(() => seq.loadStateDict(bad)).toThrow(
      /stateDict\['_schedulers\.1\.last_epoch'\]\.data\[0\]: expected a whole number ≥ -1, got 1\.5/,
    );
    expect(seq.stateDict()).toEqual(before);
    expect(() => seq.loadStateDict({ ...before, '_schedulers.0.base_lrs': { shape: [], data: [0.1] } })).toThrow(
      /base_lrs'\]\.shape: expected \[1\], got \[\]/,
    );
    const plateau = new ReduceLROnPlateau(opt);
    expect(() => plateau.loadStateDict({ ...plateau.stateDict(), best: { shape: [], data: [NaN] } })).toThrow(
      /best'\]\.data\[0\]: expected a number \(not NaN\), got NaN/,
    );
    expect(() => plateau.loadStateDict({ ...plateau.stateDict(), num_bad_epochs: { shape: [], data: [-1] } })).toThrow(
      /num_bad_epochs'\]\.data\[0\]: expected a whole number ≥ 0, got -1/,
    );
    opt.release();
    model.release();
  });

  it('Trainer.loadStateDict: every part checked before any is written; strict names the prefixed keys', async () => {
    for (const be of [cpu, gpu()] as Backend[]) {
      const run = await trained(be);
      const other = await trained(be);
      const data = batches(be);
      await train(other, data, 2, 4); // a different state to load
      for (const t of data.flat()) t.release();
      const before = await run.trainer.stateDict({ schedule: run.schedule });
      const good = await other.trainer.stateDict({ schedule: other.schedule });
      const sameAsBefore = async () => {
        const now = await run.trainer.stateDict({ schedule: run.schedule });
        for (const k of Object.keys(before))
          expect(Array.from(now[k].data), `${be.kind} ${k}`).toEqual(Array.from(before[k].data));
      };
      // The model part is fine and comes first; the schedule's last entry is bad.
      expect(() =>
        run.trainer.loadStateDict(
          { ...good, 'schedule.cooldown_counter': { shape: [], data: [-2] } },
          { schedule: run.schedule },
        ),
      ).toThrow(/stateDict\['schedule\.cooldown_counter'\]\.data\[0\]: expected a whole number ≥ 0, got -2/);
      await sameAsBefore();
      expect(() =>
        run.trainer.loadStateDict(
          { ...good, 'model.1.bias': { shape: [3], data: [0, 0, 0] } },
          { schedule: run.schedule },
        ),
      ).toThrow(/stateDict\['model\.1\.bias'\]\.shape: expected \[2\], got \[3\]/);
      expect(() =>
        run.trainer.loadStateDict(
          { ...good, 'optimizer.state.1.bias.exp_avg_sq': { shape: [2], data: [0, -1] } },
          { schedule: run.schedule },
        ),
      ).toThrow(/stateDict\['optimizer\.state\.1\.bias\.exp_avg_sq'\]\.data\[1\]/);
      expect(() => run.trainer.loadStateDict(good)).toThrow(
        /exactly the keys of trainer\.stateDict\(\) \(pass \{ schedule \} to load a schedule\), got missing \[\], unexpected \[schedule\.best, schedule\.num_bad_epochs, schedule\.cooldown_counter\]/,
      );
      const { ['model.0.bias_hh_l0']: _dropped, ...partial } = good;
      expect(() =>
        run.trainer.loadStateDict({ ...partial, extra: { shape: [], data: [0] } }, { schedule: run.schedule }),
      ).toThrow(/missing \[model\.0\.bias_hh_l0\], unexpected \[extra\]/);
      expect(() => run.trainer.loadStateDict(good, { schedule: other.schedule })).toThrow(
        /schedule: expected a schedule over this trainer's optimizer/,
      );
      await sameAsBefore();
      expect(run.trainer.loadStateDict(good, { schedule: run.schedule })).toEqual({
        missingKeys: [],
        unexpectedKeys: [],
      });
      expect(await run.trainer.stateDict({ schedule: run.schedule })).toEqual(good);
      run.release();
      other.release();
    }
  });

  it('a released optimizer refuses both', async () => {
    const run = await trained(cpu);
    const sd = await run.optimizer.stateDict();
    run.release();
    await expect(run.optimizer.stateDict()).rejects.toThrow(ReleasedError);
    expect(() => run.optimizer.loadStateDict(sd)).toThrow(ReleasedError);
  });
});
