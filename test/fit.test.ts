// fit / evaluate / predict on sequences: the same weights as a hand-written loop of step() calls (bit
// for bit, both backends), validation that never touches the weights, schedules, callbacks awaited in
// order, stopping, early stopping that restores the best weights exactly, and nothing allocated or
// compiled after the first epoch.
import { describe, expect, it } from 'vitest';
import {
  Adam,
  LSTM,
  LastStep,
  Linear,
  LinearLR,
  RNN,
  ReduceLROnPlateau,
  SGD,
  Sequential,
  ShapeError,
  StepLR,
  Trainer,
  type Backend,
  type FitOptions,
  type Layer,
  type LossName,
  type RecurrentState,
  type WebGpuBackend,
  mlp,
} from '../src/index.js';
import { seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
const backends: Array<[string, () => Backend]> = [
  ['webgpu', () => gpu()],
  ['cpu', () => cpu],
];

const [N, T, I] = [7, 4, 3];

/** A small task: x batch-first [N, T, I] and targets of the kind asked for. */
function data(kind: 'perStep' | 'perSequence' | 'perStepClasses' | 'perSequenceClasses', O: number, seed = 1, n = N) {
  const rng = seeded(seed);
  const x = Float32Array.from(rng.uniformArray(n * T * I));
  const targets =
    kind === 'perStep'
      ? rng.uniformArray(n * T * O)
      : kind === 'perSequence'
        ? rng.uniformArray(n * O)
        : Array.from({ length: kind === 'perStepClasses' ? n * T : n }, () => rng.int(O));
  return { x: { data: x, shape: [n, T, I] }, targets };
}

interface Setup {
  name: string;
  layers: () => Layer[];
  loss: LossName;
  kind: Parameters<typeof data>[0];
  O: number;
  /** The model reads batch-first sequences. */
  modelBatchFirst: boolean;
}

const setups: Setup[] = [
  {
    name: 'LSTM + Linear per step, mse',
    layers: () => [new LSTM({ inputSize: I, hiddenSize: 5 }), new Linear(5, 2)],
    loss: 'mse',
    kind: 'perStep',
    O: 2,
    modelBatchFirst: false,
  },
  {
    name: 'RNN + LastStep + Linear, classes per sequence',
    layers: () => [new RNN({ inputSize: I, hiddenSize: 4 }), new LastStep(), new Linear(4, 3)],
    loss: 'crossEntropy',
    kind: 'perSequenceClasses',
    O: 3,
    modelBatchFirst: false,
  },
  {
    name: 'batch-first LSTM + Linear, classes per step',
    layers: () => [new LSTM({ inputSize: I, hiddenSize: 4, batchFirst: true }), new Linear(4, 3)],
    loss: 'crossEntropy',
    kind: 'perStepClasses',
    O: 3,
    modelBatchFirst: true,
  },
];

function build(be: Backend, s: Setup) {
  const model = new Sequential(be, s.layers(), { seed: 5 });
  const opt = new Adam(model.params, { lr: 0.02 });
  const trainer = new Trainer(model, opt, { loss: s.loss, clip: { maxNorm: 1 } });
  return {
    model,
    opt,
    trainer,
    release() {
      trainer.release();
      opt.release();
      model.release();
    },
  };
}

/**
 * The hand-written loop: batches built by index arithmetic in the model's layout, one step() each. Its
 * batches hold the host's values as they are (f64): the CPU keeps them, WebGPU rounds them to f32 on upload.
 */
async function handLoop(
  be: Backend,
  s: Setup,
  epochs: number,
  batchSize: number,
  { x, targets }: { x: { data: ArrayLike<number> }; targets: ArrayLike<number> } = data(s.kind, s.O),
) {
  const m = build(be, s);
  const perStep = s.kind === 'perStep' || s.kind === 'perStepClasses';
  const width = s.kind === 'perStep' || s.kind === 'perSequence' ? s.O : 1;
  for (let e = 0; e < epochs; e++) {
    for (let start = 0; start < N; start += batchSize) {
      const B = Math.min(batchSize, N - start);
      const xb = new Float64Array(T * B * I);
      const tb = new Float64Array((perStep ? T : 1) * B * width);
      for (let b = 0; b < B; b++) {
        const n = start + b;
        for (let t = 0; t < T; t++) {
          const row = s.modelBatchFirst ? b * T + t : t * B + b;
          for (let i = 0; i < I; i++) xb[row * I + i] = x.data[(n * T + t) * I + i];
          if (perStep) for (let o = 0; o < width; o++) tb[row * width + o] = targets[(n * T + t) * width + o];
        }
        if (!perStep) for (let o = 0; o < width; o++) tb[b * width + o] = targets[n * width + o];
      }
      const seqShape = s.modelBatchFirst ? [B, T] : [T, B];
      const xt = be.tensor(xb, [...seqShape, I]);
      const shape = perStep ? (width === 1 ? seqShape : [...seqShape, width]) : width === 1 ? [B] : [B, width];
      const tt = be.tensor(tb, shape);
      await m.trainer.step(xt, tt);
      xt.release();
      tt.release();
    }
  }
  const weights = await be.read(m.model.params.values);
  m.release();
  return weights;
}

describe.each(backends)('sequence fit on %s', (_, backend) => {
  it.each(setups.map((s) => [s.name, s] as const))(
    '%s: the weights of a hand-written step() loop, bit for bit',
    async (_n, s) => {
      const be = backend();
      const { x, targets } = data(s.kind, s.O);
      const m = build(be, s);
      await m.trainer.fit(x, targets, { epochs: 2, batchSize: 3, shuffle: false });
      const fitted = await be.read(m.model.params.values);
      m.release();
      expect(fitted).toEqual(await handLoop(be, s, 2, 3));
    },
  );
});

// 0.1·k is not exact in f32: fit, evaluate and predict on the CPU see the host's f64 values, as step() and
// forward() on tensors made from them do (batches were staged in f32, 6e-9 off).
describe("host data in the backend's precision: f64 through fit, evaluate and predict on the CPU", () => {
  const tenths = (n: number, from = 0) => Array.from({ length: n }, (_, k) => 0.1 * ((k + from) % 19) - 0.9);
  const notF32 = (kind: Setup['kind'], O: number) => {
    const classes = kind === 'perStepClasses' || kind === 'perSequenceClasses';
    const count = (kind === 'perStep' || kind === 'perStepClasses' ? N * T : N) * (classes ? 1 : O);
    const targets = classes ? data(kind, O).targets : tenths(count, 7);
    return { x: { data: tenths(N * T * I), shape: [N, T, I] }, targets };
  };

  it.each(setups.map((s) => [s.name, s] as const))(
    '%s: fit = a hand-written step() loop, bit for bit',
    async (_n, s) => {
      const d = notF32(s.kind, s.O);
      expect(d.x.data.some((v) => Math.fround(v) !== v)).toBe(true);
      const m = build(cpu, s);
      await m.trainer.fit(d.x, d.targets, { epochs: 2, batchSize: 3, shuffle: false });
      const fitted = await cpu.read(m.model.params.values);
      m.release();
      expect(fitted).toEqual(await handLoop(cpu, s, 2, 3, d));
    },
  );

  it('tbptt: fit = a hand-written loop of stateful step() calls, bit for bit', async () => {
    const s = setups[0]; // time-major LSTM, mse per step
    const d = notF32(s.kind, s.O);
    const [chunk, batchSize] = [3, 4];
    const m = build(cpu, s);
    await m.trainer.fit(d.x, d.targets, { epochs: 2, batchSize, shuffle: false, tbptt: { chunk } });
    const hand = build(cpu, s);
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let start = 0; start < N; start += batchSize) {
        const B = Math.min(batchSize, N - start);
        let states: RecurrentState[] | null = null;
        for (let t0 = 0; t0 < T; t0 += chunk) {
          const len = Math.min(chunk, T - t0);
          const cut = (src: ArrayLike<number>, width: number) =>
            Float64Array.from({ length: len * B * width }, (_, i) => {
              const [t, b, w] = [Math.floor(i / (B * width)), Math.floor(i / width) % B, i % width];
              return src[((start + b) * T + t0 + t) * width + w];
            });
          const [xb, yb] = [cpu.tensor(cut(d.x.data, I), [len, B, I]), cpu.tensor(cut(d.targets, s.O), [len, B, s.O])];
          ({ states } = await hand.trainer.step(xb, yb, { states }));
          xb.release();
          yb.release();
        }
      }
    }
    expect(await cpu.read(m.model.params.values)).toEqual(await cpu.read(hand.model.params.values));
    m.release();
    hand.release();
  });

  it('predict = model.forward and evaluate = the loss of that forward, bit for bit', async () => {
    const s = setups[0]; // time-major LSTM, mse per step
    const d = notF32(s.kind, s.O);
    const xt = new Float64Array(T * N * I); // the same values time-major, as the model reads them
    for (let n = 0; n < N; n++)
      for (let t = 0; t < T; t++) for (let i = 0; i < I; i++) xt[(t * N + n) * I + i] = d.x.data[(n * T + t) * I + i];
    const yt = new Float64Array(T * N * s.O);
    for (let n = 0; n < N; n++)
      for (let t = 0; t < T; t++)
        for (let o = 0; o < s.O; o++) yt[(t * N + n) * s.O + o] = d.targets[(n * T + t) * s.O + o];
    const m = build(cpu, s);
    const predicted = await m.trainer.predict({ data: xt, shape: [T, N, I] }, { timeMajor: true });
    const { loss } = await m.trainer.evaluate({ data: xt, shape: [T, N, I] }, yt, { timeMajor: true });
    const [input, target] = [cpu.tensor(xt, [T, N, I]), cpu.tensor(yt, [T, N, s.O])];
    const y = m.model.forward(input);
    expect(predicted).toEqual(await cpu.read(y));
    const direct = cpu.mse(y, target, 'mean');
    expect(loss).toBe((await cpu.read(direct.loss))[0]);
    for (const t of [input, target, direct.loss, direct.grad]) t.release();
    m.release();
  });
});

describe('fit on sequences', () => {
  it('time-major host data trains exactly as the same data batch-first', async () => {
    const s = setups[0];
    const { x, targets } = data(s.kind, s.O);
    const timeMajorX = new Float32Array(x.data.length);
    const timeMajorY = new Float64Array(targets.length);
    for (let n = 0; n < N; n++) {
      for (let t = 0; t < T; t++) {
        for (let i = 0; i < I; i++) timeMajorX[(t * N + n) * I + i] = x.data[(n * T + t) * I + i];
        for (let o = 0; o < s.O; o++) timeMajorY[(t * N + n) * s.O + o] = targets[(n * T + t) * s.O + o];
      }
    }
    const results = [];
    for (const [xs, ys, timeMajor] of [
      [x, targets, false],
      [{ data: timeMajorX, shape: [T, N, I] }, timeMajorY, true],
    ] as const) {
      const m = build(gpu(), s);
      await m.trainer.fit(xs, ys, { epochs: 1, batchSize: 4, timeMajor, seed: 3 });
      results.push(await gpu().read(m.model.params.values));
      m.release();
    }
    expect(results[1]).toEqual(results[0]);
  });

  it('predict returns per-step outputs in the host layout, as a forward pass on a hand-built batch', async () => {
    const s = setups[0];
    const { x } = data(s.kind, s.O);
    const m = build(gpu(), s);
    const batchFirst = await m.trainer.predict(x, { batchSize: 3 });
    const xt = new Float32Array(T * N * I);
    for (let n = 0; n < N; n++)
      for (let t = 0; t < T; t++) for (let i = 0; i < I; i++) xt[(t * N + n) * I + i] = x.data[(n * T + t) * I + i];
    const timeMajor = await m.trainer.predict({ data: xt, shape: [T, N, I] }, { timeMajor: true });
    const input = gpu().tensor(xt, [T, N, I]);
    const direct = await gpu().read(m.model.forward(input)); // [T, N, O]
    input.release();
    m.release();
    expect(timeMajor).toEqual(direct);
    for (let n = 0; n < N; n++) {
      for (let t = 0; t < T; t++) {
        for (let o = 0; o < s.O; o++)
          expect(batchFirst[(n * T + t) * s.O + o]).toBeCloseTo(direct[(t * N + n) * s.O + o], 6); // batch sizes differ: kernels may sum in another order
      }
    }
  });

  it('refuses flat data for a sequence model and targets of the wrong kind, naming the layout', async () => {
    const m = build(cpu, setups[1]);
    const { x, targets } = data('perSequenceClasses', 3);
    await expect(m.trainer.fit(x.data, targets, { epochs: 1, batchSize: 2 })).rejects.toThrow(
      /x: expected \{ data, shape: \[N, T, 3\] \(timeMajor: true for \[T, N, 3\]\) \} for a sequence model, got 84 values without a shape/,
    );
    await expect(m.trainer.fit(x, data('perStepClasses', 3).targets, { epochs: 1, batchSize: 2 })).rejects.toThrow(
      ShapeError,
    );
    await expect(m.trainer.fit(x, { data: targets, shape: [N, 1] }, { epochs: 1, batchSize: 2 })).rejects.toThrow(
      /targets: expected \[7\] \(class indices per sequence\), got \[7, 1\]/,
    );
    await expect(m.trainer.fit(x, targets, { epochs: 1, batchSize: 2, validationSplit: 1 })).rejects.toThrow(
      /validationSplit: expected a fraction in \[0, 1\) \(0: no validation\), got 1/,
    );
    await expect(m.trainer.fit(x, targets, { epochs: 1, batchSize: 2, monitor: 'valLoss' })).rejects.toThrow(
      /monitor: expected 'loss' without validationData/,
    );
    await expect(
      m.trainer.fit(x, targets, { epochs: 1, batchSize: 2, earlyStopping: { patience: -1 } }),
    ).rejects.toThrow(/earlyStopping.patience: expected an integer ≥ 0, got -1/);
    await expect(
      m.trainer.fit(x, targets, { epochs: 1, batchSize: 2, validationData: { x, targets: [0, 1] } }),
    ).rejects.toThrow(/validationData.targets: expected \[7\] \(class indices per sequence\), got 2 values/);
    await expect(m.trainer.predict({ data: x.data, shape: [N, T, 2] })).rejects.toThrow(/x: expected \[N, T, 3\]/);
    const other = build(cpu, setups[1]);
    await expect(
      m.trainer.fit(x, targets, { epochs: 1, batchSize: 2, schedule: new StepLR(other.opt, { stepSize: 1 }) }),
    ).rejects.toThrow(/schedule: expected a schedule over this trainer's optimizer/);
    other.release();
    const net = mlp(cpu, [3, 2]);
    const sgd = new SGD(net.params, { lr: 0.1 });
    const rows = new Trainer(net, sgd, { loss: 'mse' });
    await expect(rows.fit([1, 2, 3], [0, 1], { epochs: 1, batchSize: 1, timeMajor: true })).rejects.toThrow(
      /timeMajor: expected false for a model without recurrent layers/,
    );
    rows.release();
    sgd.release();
    net.release();
    m.release();
  });
});

describe('validation', () => {
  const s = setups[1]; // classes per sequence: loss and accuracy
  it('validationData is evaluated each epoch without touching the weights; its loss and accuracy are evaluate()’s', async () => {
    const { x, targets } = data(s.kind, s.O);
    const val = data(s.kind, s.O, 9, 5);
    const plain = build(gpu(), s);
    await plain.trainer.fit(x, targets, { epochs: 2, batchSize: 3 });
    const validated = build(gpu(), s);
    const events: Array<{ valLoss?: number; valAccuracy?: number }> = [];
    const history = await validated.trainer.fit(x, targets, {
      epochs: 2,
      batchSize: 3,
      validationData: val,
      validationBatchSize: 2,
      onEpoch: (e) => void events.push(e),
    });
    expect(await gpu().read(validated.model.params.values)).toEqual(await gpu().read(plain.model.params.values));
    const after = await validated.trainer.evaluate(val.x, val.targets, { batchSize: 2 });
    expect(history.valLosses[1]).toBe(after.loss);
    expect(history.valAccuracies[1]).toBe(after.accuracy);
    expect(events.map((e) => e.valLoss)).toEqual(history.valLosses);
    // accuracy from predict's logits, counted here
    const logits = await validated.trainer.predict(val.x);
    const hits = val.targets.filter((c, n) => [0, 1, 2].every((k) => logits[n * 3 + k] <= logits[n * 3 + c])).length;
    expect(after.accuracy).toBe(hits / 5);
    plain.release();
    validated.release();
  });

  it('validationSplit holds out the last samples: training sees only the others', async () => {
    const { x, targets } = data(s.kind, s.O);
    const split = build(gpu(), s);
    const history = await split.trainer.fit(x, targets, { epochs: 1, batchSize: 3, validationSplit: 0.3 }); // 7 → 4 train, 3 validation
    const head = build(gpu(), s);
    await head.trainer.fit({ data: x.data.subarray(0, 4 * T * I), shape: [4, T, I] }, targets.slice(0, 4), {
      epochs: 1,
      batchSize: 3,
    });
    expect(await gpu().read(split.model.params.values)).toEqual(await gpu().read(head.model.params.values));
    const tail = await head.trainer.evaluate({ data: x.data.subarray(4 * T * I), shape: [3, T, I] }, targets.slice(4), {
      batchSize: 3,
    });
    expect(history.valLosses).toEqual([tail.loss]);
    split.release();
    head.release();
  });
});

describe('validationSplit: 0', () => {
  it('holds out nothing, as Keras: the same weights and history as without it', async () => {
    const s = setups[1];
    const { x, targets } = data(s.kind, s.O);
    const [none, zero] = [build(cpu, s), build(cpu, s)];
    const without = await none.trainer.fit(x, targets, { epochs: 2, batchSize: 3 });
    const withZero = await zero.trainer.fit(x, targets, { epochs: 2, batchSize: 3, validationSplit: 0 });
    expect(withZero).toEqual(without);
    expect(withZero.valLosses).toEqual([]);
    expect(await cpu.read(zero.model.params.values)).toEqual(await cpu.read(none.model.params.values));
    await expect(
      zero.trainer.fit(x, targets, { epochs: 1, batchSize: 3, validationSplit: 0, monitor: 'valLoss' }),
    ).rejects.toThrow(/monitor: expected 'loss' without validationData or validationSplit/);
    await expect(zero.trainer.fit(x, targets, { epochs: 1, batchSize: 3, validationSplit: -0.1 })).rejects.toThrow(
      /validationSplit: expected a fraction in \[0, 1\) \(0: no validation\), got -0\.1/,
    );
    none.release();
    zero.release();
  });
});

describe('schedules in fit', () => {
  const s = setups[0];
  it('per batch: every step runs at the rate the schedule gave it', async () => {
    const { x, targets } = data(s.kind, s.O);
    const m = build(cpu, s);
    const schedule = new LinearLR(m.opt, { startFactor: 0.25, totalIters: 4 });
    const lrs: number[] = [];
    await m.trainer.fit(x, targets, {
      epochs: 2,
      batchSize: 3,
      schedule,
      scheduleEvery: 'batch',
      onStep: (e) => void lrs.push(e.lr),
    });
    const replay = new LinearLR(new SGD(m.model.params, { lr: 0.02 }), { startFactor: 0.25, totalIters: 4 });
    const expected = [replay.optimizer.lr];
    for (let i = 1; i < 6; i++) {
      replay.step();
      expected.push(replay.optimizer.lr);
    }
    expect(lrs).toEqual(expected); // 2 epochs × 3 batches
    expect([lrs[0], lrs[5]]).toEqual([0.005, expect.closeTo(0.02, 15)]);
    replay.optimizer.release();
    m.release();
  });

  it('per epoch: StepLR by epoch, ReduceLROnPlateau on the validation loss', async () => {
    const { x, targets } = data(s.kind, s.O);
    const m = build(cpu, s);
    const step = await m.trainer.fit(x, targets, {
      epochs: 4,
      batchSize: 4,
      schedule: new StepLR(m.opt, { stepSize: 2, gamma: 0.5 }),
    });
    expect(step.lrs).toEqual([0.02, 0.02, 0.01, 0.01]); // the rate each epoch ran at
    m.release();
    const p = build(cpu, s);
    const plateau = new ReduceLROnPlateau(p.opt, { patience: 0, factor: 0.5, threshold: 0.5 }); // only a halving of the loss counts
    const h = await p.trainer.fit(x, targets, { epochs: 3, batchSize: 4, validationSplit: 0.3, schedule: plateau });
    const replay = new ReduceLROnPlateau(new SGD(p.model.params, { lr: 0.02 }), {
      patience: 0,
      factor: 0.5,
      threshold: 0.5,
    });
    const expected = [0.02];
    for (const v of h.valLosses.slice(0, -1)) {
      replay.step(v);
      expected.push(replay.optimizer.lr);
    }
    expect(h.lrs).toEqual(expected);
    expect(h.lrs[2]).toBeLessThan(0.02);
    replay.optimizer.release();
    p.release();
  });
});

describe('callbacks and stopping', () => {
  const s = setups[0];
  it('async callbacks are awaited in order: nothing runs until the previous callback resolved', async () => {
    const { x, targets } = data(s.kind, s.O);
    const m = build(gpu(), s);
    const log: string[] = [];
    const later = (label: string) =>
      new Promise<void>((resolve) => setTimeout(() => (log.push(`${label} done`), resolve()), 5));
    await m.trainer.fit(x, targets, {
      epochs: 2,
      batchSize: 2, // 7 samples: 4 for training (2 steps), 3 for validation
      validationSplit: 0.3,
      onStep: (e) => (log.push(`step ${e.step}`), later(`step ${e.step}`)),
      onEpoch: (e) => (log.push(`epoch ${e.epoch}`), later(`epoch ${e.epoch}`)),
      onTrainEnd: (h) => (log.push(`end ${h.epochLosses.length}`), later('end')),
    });
    expect(log).toEqual([
      'step 0',
      'step 0 done',
      'step 1',
      'step 1 done',
      'epoch 0',
      'epoch 0 done',
      'step 2',
      'step 2 done',
      'step 3',
      'step 3 done',
      'epoch 1',
      'epoch 1 done',
      'end 2',
      'end done',
    ]);
    m.release();
  });

  it('stop() from onStep ends training after that step', async () => {
    const { x, targets } = data(s.kind, s.O);
    const m = build(cpu, s);
    let steps = 0;
    const h = await m.trainer.fit(x, targets, {
      epochs: 5,
      batchSize: 2,
      onStep: (e) => (steps++, e.step === 5 ? e.stop() : undefined),
    });
    expect([steps, h.stoppedBy, h.epochLosses.length]).toEqual([6, 'callback', 1]);
    m.release();
  });

  it('early stopping: stops after `patience` epochs without improvement and restores the best weights exactly', async () => {
    const { x, targets } = data(s.kind, s.O);
    for (const be of [gpu(), cpu] as Backend[]) {
      const m = build(be, s);
      const perEpoch: Float64Array[] = [];
      // minDelta so large that only the first epoch counts as an improvement: the best is epoch 0.
      const h = await m.trainer.fit(x, targets, {
        epochs: 10,
        batchSize: 3,
        validationSplit: 0.3,
        earlyStopping: { patience: 2, minDelta: 1e9, restoreBestWeights: true },
        onEpoch: async () => void perEpoch.push(await be.read(m.model.params.values)),
      });
      expect([h.stoppedBy, h.bestEpoch, perEpoch.length]).toEqual(['earlyStopping', 0, 3]);
      expect(perEpoch[2]).not.toEqual(perEpoch[0]); // training moved on …
      expect(await be.read(m.model.params.values)).toEqual(perEpoch[0]); // … and the best came back, bit for bit
      m.release();
    }
  });
});

describe('allocation', () => {
  // Bind groups are cached by the pooled buffers they bind. A layer frees its previous output only after
  // making the next, so its outputs alternate between buffers, and the phase shifts from epoch to epoch;
  // with the pool handing out the lowest free id these rotations repeat within a few epochs (3 here).
  it('no buffer, uniform, pipeline or live tensor is created after the first epoch, nor a bind group after the third (counters)', async () => {
    const g = gpu() as WebGpuBackend;
    const s = setups[2]; // batch-first model: no transpose; the next setup covers one
    for (const setup of [s, setups[0]]) {
      const { x, targets } = data(setup.kind, setup.O, 2, 20);
      const m = build(g, setup);
      const snapshot = () =>
        JSON.stringify({
          pipelines: g.counters().pipelinesCreated,
          buffers: g.poolStats().created,
          live: g.liveTensors(),
          uniforms: g.registry.created.uniforms,
        });
      const snaps: string[] = [];
      const bindGroups: number[] = [];
      const onEpoch = () => {
        snaps.push(snapshot());
        bindGroups.push(g.registry.created.bindGroups);
      };
      const opts: FitOptions = {
        epochs: 6,
        batchSize: 6,
        validationSplit: 0.2,
        schedule: new StepLR(m.opt, { stepSize: 1, gamma: 0.9 }),
        onEpoch,
      };
      await m.trainer.fit(x, targets, opts);
      expect(snaps.slice(1)).toEqual(snaps.slice(1).map(() => snaps[0]));
      expect(bindGroups.slice(3)).toEqual([bindGroups[2], bindGroups[2], bindGroups[2]]);
      m.release();
    }
  });
});
