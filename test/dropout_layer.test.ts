// The Dropout layer and the `dropout` argument of RNN / LSTM: p = 0 and evaluation mode equal the model
// without dropout exactly; in training mode the outputs and gradients are those of the masks the CPU twin's
// generator gives (injected through src/ops/dropout/cpu.ts); an f64 finite-difference check with the mask fixed;
// GPU vs CPU; train/eval in Trainer.step / evaluate / predict; the cost of a step (dispatches, no new GPU
// objects once warm). PyTorch parity cannot use its masks (its generator is another), so none is claimed.
import { describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  Dropout,
  GRU,
  LSTM,
  LastStep,
  Linear,
  RNN,
  SGD,
  Sequential,
  Trainer,
  ValueError,
  type Backend,
  type Layer,
} from '../src/index.js';
import { dropoutMask } from '../src/ops/dropout/cpu.js';
import { expectClose, seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
const VALUE_TOL = { atol: 1e-5, rtol: 1e-4 };
const GRAD_TOL = { atol: 1e-4, rtol: 1e-3 };

/** Forward then backward of Σ y·dout on a fresh model: output, dX and every parameter gradient, `steps` times (the last kept). */
async function runModel(
  be: Backend,
  layers: Layer[],
  xShape: number[],
  seed: number,
  options: { eval?: boolean; steps?: number } = {},
) {
  const model = new Sequential(be, layers, { seed });
  if (options.eval) model.eval();
  const rng = seeded(seed + 1);
  const x = be.tensor(rng.uniformArray(xShape.reduce((a, b) => a * b, 1)), xShape);
  let result: { y: Float64Array; dx: Float64Array; grads: Record<string, Float64Array> } | undefined;
  for (let s = 0; s < (options.steps ?? 1); s++) {
    model.zeroGrad();
    const y = model.forward(x);
    const dout = be.tensor(seeded(seed + 2).uniformArray(y.size), y.shape);
    const dx = model.backward(dout, { inputGrad: true })!;
    const [yv, dxv] = await be.readMany([y, dx]);
    const grads = Object.fromEntries(
      Object.entries(await model.gradDict()).map(([k, v]) => [k.replace(/^\d+\./, ''), v.data]),
    );
    result = { y: yv, dx: dxv, grads };
    dout.release();
  }
  x.release();
  model.release();
  return result!;
}

function expectSame(a: Awaited<ReturnType<typeof runModel>>, b: Awaited<ReturnType<typeof runModel>>, what: string) {
  expect(Array.from(a.y), `${what}: output`).toEqual(Array.from(b.y));
  expect(Array.from(a.dx), `${what}: dX`).toEqual(Array.from(b.dx));
  expect(
    Object.values(a.grads).map((g) => Array.from(g)),
    `${what}: gradients`,
  ).toEqual(Object.values(b.grads).map((g) => Array.from(g)));
}

describe('p = 0 and evaluation mode are exactly the model without dropout', () => {
  const mlpLayers = (drop?: number) => [
    new Linear(6, 9),
    new ActivationLayer('tanh'),
    ...(drop === undefined ? [] : [new Dropout(drop)]),
    new Linear(9, 3),
  ];
  const lstmLayers = (dropout?: number) => [
    new LSTM({
      inputSize: 3,
      hiddenSize: 5,
      numLayers: 3,
      bidirectional: true,
      ...(dropout === undefined ? {} : { dropout }),
    }),
    new Linear(10, 2),
  ];
  it.each(['gpu', 'cpu'])('MLP and stacked LSTM on %s', async (name) => {
    const be = name === 'gpu' ? gpu() : cpu;
    const plainMlp = await runModel(be, mlpLayers(), [7, 6], 3, { steps: 2 });
    expectSame(await runModel(be, mlpLayers(0), [7, 6], 3, { steps: 2 }), plainMlp, 'Dropout(0)');
    expectSame(await runModel(be, mlpLayers(0.5), [7, 6], 3, { eval: true, steps: 2 }), plainMlp, 'Dropout(0.5), eval');
    const plainLstm = await runModel(be, lstmLayers(), [4, 3, 3], 4, { steps: 2 });
    expectSame(await runModel(be, lstmLayers(0), [4, 3, 3], 4, { steps: 2 }), plainLstm, 'LSTM dropout 0');
    expectSame(
      await runModel(be, lstmLayers(0.5), [4, 3, 3], 4, { eval: true, steps: 2 }),
      plainLstm,
      'LSTM dropout 0.5, eval',
    );
    // and training mode with dropout does change them
    expect(Array.from((await runModel(be, lstmLayers(0.5), [4, 3, 3], 4)).y)).not.toEqual(Array.from(plainLstm.y));
  });
});

describe('training mode: the masks of the generator, injected by hand', () => {
  it.each(['gpu', 'cpu'])(
    'Linear + Dropout(0.4) on %s, steps 0 and 1: y = mask ⊙ (x Wᵀ + b) / 0.6, dW from dy ⊙ mask / 0.6',
    async (name) => {
      const be = name === 'gpu' ? gpu() : cpu;
      const [B, I, O, p, seed] = [5, 4, 33, 0.4, 11];
      const rng = seeded(1);
      const xs = rng.uniformArray(B * I);
      const dys = rng.uniformArray(B * O);
      const dropped = new Sequential(be, [new Linear(I, O), new Dropout(p)], { seed });
      const plain = new Sequential(be, [new Linear(I, O)], { seed });
      const x = be.tensor(xs, [B, I]);
      for (const step of [0, 1]) {
        const mask = dropoutMask(B * O, { p, seed, stream: 0 }, step);
        dropped.zeroGrad();
        plain.zeroGrad();
        const y = dropped.forward(x);
        const dy = be.tensor(dys, [B, O]);
        const dx = dropped.backward(dy, { inputGrad: true })!;
        const a = plain.forward(x);
        const maskedDy = be.tensor(
          dys.map((v, i) => (mask[i] ? v / (1 - p) : 0)),
          [B, O],
        );
        const dxPlain = plain.backward(maskedDy, { inputGrad: true })!;
        const [yv, av, dxv, dxp] = await be.readMany([y, a, dx, dxPlain]);
        expectClose(
          yv,
          av.map((v, i) => (mask[i] ? v / (1 - p) : 0)),
          { ...VALUE_TOL, label: `y step ${step}` },
        );
        expectClose(dxv, dxp, { ...GRAD_TOL, label: `dX step ${step}` });
        const [g, gp] = [await dropped.gradDict(), await plain.gradDict()];
        for (const n of ['weight', 'bias'])
          expectClose(g[`0.${n}`].data, gp[`0.${n}`].data, { ...GRAD_TOL, label: `d${n} step ${step}` });
        for (const t of [dy, maskedDy]) t.release();
      }
      x.release();
      dropped.release();
      plain.release();
    },
  );

  it('stacked LSTM (CPU): layer 2 reads mask ⊙ layer 1 output / (1 − p), the mask of stream 0; the last layer is not dropped', async () => {
    const [T, B, I, H, p, seed] = [3, 2, 2, 4, 0.5, 7];
    const stacked = new LSTM({ inputSize: I, hiddenSize: H, numLayers: 2, dropout: p });
    const model = new Sequential(cpu, [stacked], { seed, names: 'none' });
    const weights = await model.stateDict();
    const first = new Sequential(cpu, [new LSTM({ inputSize: I, hiddenSize: H })], { names: 'none' });
    const second = new Sequential(cpu, [new LSTM({ inputSize: H, hiddenSize: H })], { names: 'none' });
    const layer = (k: number) =>
      Object.fromEntries(
        Object.entries(weights)
          .filter(([n]) => n.endsWith(`_l${k}`))
          .map(([n, v]) => [n.replace(`_l${k}`, '_l0'), v]),
      );
    first.loadStateDict(layer(0));
    second.loadStateDict(layer(1));
    const x = cpu.tensor(seeded(2).uniformArray(T * B * I), [T, B, I]);
    const out = await cpu.read(model.forward(x));
    const h1 = await cpu.read(first.forward(x));
    const mask = dropoutMask(T * B * H, { p, seed, stream: 0 }, 0);
    const dropped = cpu.tensor(
      h1.map((v, i) => (mask[i] ? v / (1 - p) : 0)),
      [T, B, H],
    );
    expectClose(out, await cpu.read(second.forward(dropped)), { atol: 1e-12, rtol: 1e-12, label: 'output' });
    for (const t of [x, dropped]) t.release();
    for (const m of [model, first, second]) m.release();
  });
});

describe('finite differences on the CPU in f64 with the masks fixed', () => {
  // The mask of a fresh model's first forward is that of step 0, so every loss evaluation builds the model
  // anew (same seed) and sets its parameters: the mask stays fixed while the parameters move.
  it('LSTM (2 layers, dropout 0.4) + Dropout(0.3) + Linear: every parameter entry', async () => {
    const [T, B, I, H, O, seed] = [3, 2, 2, 3, 2, 9];
    const build = () =>
      new Sequential(
        cpu,
        [new LSTM({ inputSize: I, hiddenSize: H, numLayers: 2, dropout: 0.4 }), new Dropout(0.3), new Linear(H, O)],
        { seed },
      );
    const rng = seeded(3);
    const xs = rng.uniformArray(T * B * I);
    const dout = rng.uniformArray(T * B * O);
    const lossAt = async (values: Float64Array) => {
      const model = build();
      cpu.write(model.params.values, values);
      const x = cpu.tensor(xs, [T, B, I]);
      const y = await cpu.read(model.forward(x));
      x.release();
      model.release();
      return y.reduce((s, v, i) => s + v * dout[i], 0);
    };
    const model = build();
    const values = await cpu.read(model.params.values);
    const x = cpu.tensor(xs, [T, B, I]);
    const y = model.forward(x);
    const dy = cpu.tensor(dout, y.shape);
    model.backward(dy);
    const analytic = await cpu.read(model.params.grads);
    for (const t of [x, dy]) t.release();
    model.release();
    const eps = 1e-6;
    let zeroed = 0;
    for (let i = 0; i < values.length; i++) {
      const plus = values.slice();
      const minus = values.slice();
      plus[i] += eps;
      minus[i] -= eps;
      const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * eps);
      expect(
        Math.abs(analytic[i] - numeric),
        `parameter entry ${i}: analytic ${analytic[i]}, numeric ${numeric}`,
      ).toBeLessThanOrEqual(1e-8 + 1e-6 * Math.abs(numeric));
      if (analytic[i] === 0) zeroed++;
    }
    // The masks do cut paths: some weight_ih_l1 columns and Linear weight columns see only dropped units.
    expect(zeroed).toBeGreaterThan(0);
  });
});

describe('recurrent dropout, GPU vs CPU (the same masks on both)', () => {
  const cases: Array<[string, () => Layer, number[]]> = [
    [
      'LSTM 3 layers bidirectional, dropout 0.5',
      () => new LSTM({ inputSize: 3, hiddenSize: 6, numLayers: 3, bidirectional: true, dropout: 0.5 }),
      [5, 3, 3],
    ],
    [
      'RNN 2 layers batch-first, dropout 0.3',
      () => new RNN({ inputSize: 4, hiddenSize: 7, numLayers: 2, batchFirst: true, dropout: 0.3 }),
      [2, 6, 4],
    ],
    [
      'GRU 2 layers bidirectional, dropout 0.4',
      () => new GRU({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, dropout: 0.4 }),
      [4, 3, 3],
    ],
  ];
  it.each(cases)('%s, two steps (fresh masks)', async (_name, make, xShape) => {
    const c = await runModel(cpu, [make()], xShape, 5, { steps: 2 });
    const g = await runModel(gpu(), [make()], xShape, 5, { steps: 2 });
    expectClose(g.y, c.y, { ...VALUE_TOL, label: 'output' });
    expectClose(g.dx, c.dx, { ...GRAD_TOL, label: 'dX' });
    for (const n of Object.keys(c.grads)) expectClose(g.grads[n], c.grads[n], { ...GRAD_TOL, label: `d${n}` });
  });
});

describe('train / eval', () => {
  it('model.train(), model.eval(), model.training; typed errors', () => {
    const model = new Sequential(cpu, [new Linear(2, 2), new Dropout(0.1)]);
    expect(model.training).toBe(true);
    expect(model.eval()).toBe(model);
    expect(model.training).toBe(false);
    expect(model.train()).toBe(model);
    expect(model.training).toBe(true);
    expect(model.train(false).training).toBe(false);
    expect(() => model.train('no' as unknown as boolean)).toThrow(/mode: expected a boolean, got "no"/);
    model.release();
    expect(() => new Dropout(1.5)).toThrow(/p: expected a probability in \[0, 1\], got 1.5/);
    expect(() => new Dropout(-0.2)).toThrow(ValueError);
    expect(() => new Dropout('0.5' as unknown as number)).toThrow(/p: expected a probability in \[0, 1\], got "0.5"/);
    expect(() => new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 1.2 })).toThrow(
      /dropout: expected a probability in \[0, 1\], got 1.2/,
    );
    expect(() => new RNN({ inputSize: 2, hiddenSize: 3, dropout: 0.5 })).toThrow(
      /dropout: expected 0 for a single layer/,
    );
    const x = cpu.zeros([1]);
    expect(() => new Dropout(0.5).forward(x)).toThrow(/Dropout: expected a layer inside a model/);
    x.release();
  });

  it('p = 1 zeroes the output and the gradient in training, identity in eval (as PyTorch)', async () => {
    for (const be of [gpu(), cpu]) {
      const model = new Sequential(be, [new Linear(3, 4), new Dropout(1)], { seed: 1 });
      const x = be.tensor([1, 2, 3, -1, 0.5, 2], [2, 3]);
      const y = await be.read(model.forward(x));
      const dy = be.tensor(new Float64Array(8).fill(1), [2, 4]);
      const dx = await be.read(model.backward(dy, { inputGrad: true })!);
      expect(Array.from(y)).toEqual(new Array(8).fill(0));
      expect(Array.from(dx)).toEqual(new Array(6).fill(0));
      expect((await be.read(model.eval().forward(x))).some((v) => v !== 0)).toBe(true);
      for (const t of [x, dy]) t.release();
      model.release();
    }
  });

  it("Trainer: step runs in the model's mode (as PyTorch); evaluate, predict and a refused step use no mask; the mode is kept", async () => {
    const g = gpu();
    const [N, T, I] = [6, 4, 2];
    const rng = seeded(8);
    const xs = { data: rng.uniformArray(N * T * I), shape: [N, T, I] };
    const ys = { data: rng.uniformArray(N * 3), shape: [N, 3] };
    const make = (dropout: number) => {
      const model = new Sequential(
        g,
        [
          new LSTM({ inputSize: I, hiddenSize: 5, numLayers: 2, dropout, batchFirst: true }),
          new LastStep(),
          new Dropout(dropout),
          new Linear(5, 3),
        ],
        { seed: 2 },
      );
      return new Trainer(model, new SGD(model.params, { lr: 0.1 }), { loss: 'mse' });
    };
    const [a, b, plain] = [make(0.5), make(0.5), make(0)];
    a.model.eval();
    // evaluate / predict equal the model without dropout, exactly, and leave the mode as it was
    expect(await a.evaluate(xs, ys)).toEqual(await plain.evaluate(xs, ys));
    expect(Array.from(await a.predict(xs))).toEqual(Array.from(await plain.predict(xs)));
    expect(a.model.training).toBe(false);
    const x = g.tensor(xs.data, [N, T, I]);
    const y = g.tensor(ys.data, [N, 3]);
    const wrong = g.tensor(new Float64Array(N * 2), [N, 2]);
    await expect(a.step(x, wrong)).rejects.toThrow(/target: expected \[6, 3\]/);
    wrong.release();
    // after eval(): a step is exactly the step without dropout, and the model stays in eval mode
    b.model.eval();
    const [ea, eb, ep] = [await a.step(x, y), await b.step(x, y), await plain.step(x, y)];
    expect([ea.loss, eb.loss]).toEqual([ep.loss, ep.loss]);
    expect(Array.from(await a.predict(xs))).toEqual(Array.from(await plain.predict(xs)));
    expect(a.model.training).toBe(false);
    // after train(): masks apply. Nothing above drew one, so a's steps equal b's, and differ from no dropout
    a.model.train();
    b.model.train();
    for (let s = 0; s < 2; s++) {
      const [ra, rb, rp] = [await a.step(x, y), await b.step(x, y), await plain.step(x, y)];
      expect(ra.loss).toBe(rb.loss);
      expect(ra.loss).not.toBe(rp.loss);
    }
    expect(a.model.training).toBe(true);
    // fit trains in training mode whatever the model's, and puts the mode back
    a.model.eval();
    const [fa, fb, fp] = [
      await a.fit(xs, ys, { epochs: 1, batchSize: 3, shuffle: false }),
      await b.fit(xs, ys, { epochs: 1, batchSize: 3, shuffle: false }),
      await plain.fit(xs, ys, { epochs: 1, batchSize: 3, shuffle: false }),
    ];
    expect(fa.epochLosses).toEqual(fb.epochLosses);
    expect(fa.epochLosses).not.toEqual(fp.epochLosses);
    expect([a.model.training, b.model.training]).toEqual([false, true]);
    expect(Array.from(await a.predict(xs))).toEqual(Array.from(await b.predict(xs)));
    for (const t of [x, y]) t.release();
    for (const tr of [a, b, plain]) {
      tr.release();
      tr.optimizer.release();
      tr.model.release();
    }
  });
});

describe('the cost of a training step with dropout', () => {
  async function stepCost(layers: Layer[], xShape: number[], yShape: number[]) {
    const g = gpu();
    const model = new Sequential(g, layers, { seed: 1 });
    const trainer = new Trainer(model, new SGD(model.params, { lr: 0.01 }), { loss: 'mse' });
    const rng = seeded(2);
    const x = g.tensor(rng.uniformArray(xShape.reduce((p, q) => p * q)), xShape);
    const y = g.tensor(rng.uniformArray(yShape.reduce((p, q) => p * q)), yShape);
    for (let s = 0; s < 3; s++) await trainer.step(x, y); // warm: both step-counter parities
    // No buffer or uniform is made once warm. Bind groups are another matter, with or without dropout: the
    // pool hands buffers out in a rotating order, so cached bind groups keep being added (logged, not asserted).
    const before = { pool: g.poolStats().created, ...g.registry.created };
    g.resetCounters();
    for (let s = 0; s < 4; s++) await trainer.step(x, y);
    const counters = g.counters();
    const after = { pool: g.poolStats().created, ...g.registry.created };
    for (const t of [x, y]) t.release();
    trainer.release();
    trainer.optimizer.release();
    model.release();
    return {
      dispatches: counters.dispatches / 4,
      counters,
      grew: {
        pool: after.pool - before.pool,
        uniforms: after.uniforms - before.uniforms,
        bindGroups: after.bindGroups - before.bindGroups,
      },
    };
  }

  it('MLP: each Dropout layer adds one dispatch to forward and one to backward; no buffer or uniform made once warm', async () => {
    const plain = await stepCost([new Linear(5, 8), new ActivationLayer('relu'), new Linear(8, 2)], [9, 5], [9, 2]);
    const dropped = await stepCost(
      [new Dropout(0.2), new Linear(5, 8), new ActivationLayer('relu'), new Dropout(0.5), new Linear(8, 2)],
      [9, 5],
      [9, 2],
    );
    // 2 forward + 1 backward: the first Dropout's backward is skipped (no input gradient is asked for), but
    // the Linear after it, no longer first, now computes its dX (1 matmul).
    expect(dropped.dispatches - plain.dispatches).toBe(2 + 1 + 1);
    console.log(
      `MLP: GPU objects made over 4 warm steps, without dropout ${JSON.stringify(plain.grew)}, with ${JSON.stringify(dropped.grew)}`,
    );
    expect(dropped.counters).toMatchObject({ submits: 4, readbacks: 4, uploads: 0, pipelinesCreated: 0 });
    expect(dropped.grew).toMatchObject({ pool: 0, uniforms: 0 });
  });

  it('stacked RNN / LSTM: dropout between L layers adds 2·(L − 1) dispatches; no buffer or uniform made once warm', async () => {
    for (const [L, make] of [
      [2, (d: number) => new RNN({ inputSize: 3, hiddenSize: 8, numLayers: 2, bidirectional: true, dropout: d })],
      [3, (d: number) => new LSTM({ inputSize: 3, hiddenSize: 8, numLayers: 3, dropout: d })],
    ] as const) {
      const width = make(0).outFeatures;
      const plain = await stepCost([make(0), new Linear(width, 2)], [6, 4, 3], [6, 4, 2]);
      const dropped = await stepCost([make(0.25), new Linear(width, 2)], [6, 4, 3], [6, 4, 2]);
      expect(dropped.dispatches - plain.dispatches, `L=${L}`).toBe(2 * (L - 1));
      expect(dropped.counters).toMatchObject({ submits: 4, readbacks: 4, uploads: 0, pipelinesCreated: 0 });
      console.log(
        `L=${L}: GPU objects made over 4 warm steps, without dropout ${JSON.stringify(plain.grew)}, with ${JSON.stringify(dropped.grew)}`,
      );
      expect(dropped.grew).toMatchObject({ pool: 0, uniforms: 0 });
    }
  });
});
