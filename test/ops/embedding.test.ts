// Embedding (src/ops/embedding/: embedding*.wgsl, CPU twin cpu.ts; layer src/nn/embedding.ts): GPU vs
// CPU on awkward sizes, the deterministic accumulating gradient, padding, an f64 gradcheck through an
// LSTM, parity with torch.nn.Embedding (fixtures/gen_embedding.py), dispatch structure, training with
// fit on ids, and the typed errors for bad ids and layouts.
import { describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  Adam,
  Embedding,
  GRU,
  LSTM,
  Linear,
  SGD,
  Sequential,
  ShapeError,
  Trainer,
  ValueError,
  type Backend,
  type Tensor,
} from '../../src/index.js';
import { embeddingForward } from '../../src/ops/embedding/cpu.js';
import { expectClose, seeded, useGpu } from '../helpers.js';
import { readFixture, type FixtureTensor } from '../fixtures.js';

const { gpu, cpu } = useGpu();
// Forward copies rows: exact. Gradients: f32 sums of up to N terms in the CPU's order against f64.
const GRAD_TOL = { atol: 1e-6, rtol: 1e-5 };

function randomIds(seed: number, n: number, V: number): number[] {
  const rng = seeded(seed);
  // Half the draws from the first three rows: plenty of repeats.
  return Array.from({ length: n }, () => (rng.next() < 0.5 ? rng.int(Math.min(3, V)) : rng.int(V)));
}

async function runOp(
  be: Backend,
  V: number,
  E: number,
  ids: number[],
  idsShape: number[],
  padding: number | null,
  seed: number,
) {
  const rng = seeded(seed);
  const weight = be.tensor(rng.uniformArray(V * E), [V, E]);
  const dWeight = be.tensor(rng.uniformArray(V * E), [V, E]); // non-zero: backward accumulates
  const idT = be.tensor(ids, idsShape);
  const out = be.embedding(weight, idT);
  const dOut = be.tensor(rng.uniformArray(ids.length * E), [...idsShape, E]);
  be.embeddingBackward(idT, dOut, dWeight, padding);
  const [o, dw] = await be.readMany([out, dWeight]);
  const shape = out.shape;
  for (const t of [weight, dWeight, idT, out, dOut]) t.release();
  return { out: o, dWeight: dw, shape };
}

describe('embedding kernels, GPU vs CPU', () => {
  // vocab 1, dim 1, a single id, odd sizes, more ids than a workgroup, V·E over several workgroups.
  it.each([
    [1, 1, [1], null],
    [1, 3, [5], 0],
    [7, 1, [4, 3], 2],
    [37, 13, [19, 16], 36],
    [300, 5, [1030], null],
    [2, 260, [3, 1], 1],
  ])('V=%i E=%i ids %j padding %s', async (V, E, idsShape, padding) => {
    const n = idsShape.reduce((a, b) => a * b, 1);
    const ids = randomIds(V * 31 + E, n, V);
    if (padding !== null) ids[n - 1] = padding; // the padding id is looked up like any other
    const g = await runOp(gpu(), V, E, ids, idsShape, padding, V + E);
    const c = await runOp(cpu, V, E, ids, idsShape, padding, V + E);
    expect(g.shape).toEqual([...idsShape, E]);
    expectClose(g.out, c.out, { atol: 1e-7, rtol: 1e-7, label: 'forward (f32 rounding of the weights)' });
    expectClose(g.dWeight, c.dWeight, { ...GRAD_TOL, label: 'dWeight' });
    // The CPU twin against a direct definition.
    const rng = seeded(V + E);
    const w = rng.uniformArray(V * E);
    const dw0 = rng.uniformArray(V * E);
    const dOut = rng.uniformArray(n * E);
    expectClose(c.out, embeddingForward(w, ids, V, E), { atol: 0, rtol: 0, label: 'CPU forward' });
    const expected = dw0.slice();
    for (let k = 0; k < n; k++)
      for (let e = 0; e < E; e++) if (ids[k] !== padding) expected[ids[k] * E + e] += dOut[k * E + e];
    expectClose(c.dWeight, expected, { atol: 1e-12, rtol: 1e-12, label: 'CPU dWeight' });
    if (padding !== null)
      expectClose(c.dWeight.subarray(padding * E, (padding + 1) * E), dw0.subarray(padding * E, (padding + 1) * E), {
        atol: 0,
        rtol: 0,
        label: 'padding row untouched',
      });
  });

  it('the gradient is deterministic: two GPU runs agree bit for bit (no float atomics)', async () => {
    const ids = randomIds(5, 2000, 4);
    const a = await runOp(gpu(), 4, 9, ids, [2000], null, 1);
    const b = await runOp(gpu(), 4, 9, ids, [2000], null, 1);
    expect(Array.from(a.dWeight)).toEqual(Array.from(b.dWeight));
  });

  it('one dispatch forward, one backward; no readback or submit before a read', async () => {
    const g = gpu();
    const w = g.tensor(seeded(1).uniformArray(10 * 3), [10, 3]);
    const dw = g.zeros([10, 3]);
    const ids = g.tensor([1, 2, 3, 9], [2, 2]);
    g.flush();
    g.resetCounters();
    const out = g.embedding(w, ids);
    g.embeddingBackward(ids, out, dw, 4);
    expect(g.counters()).toMatchObject({ dispatches: 2, submits: 0, readbacks: 0 });
    for (const t of [w, dw, ids, out]) t.release();
  });

  it('an id outside [0, V) or not an integer: a ValueError on the CPU, a NaN row on the GPU (never another row)', async () => {
    for (const bad of [-1, 4, 1.5]) {
      const w = cpu.tensor([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
      const ids = cpu.tensor([0, bad], [2]);
      expect(() => cpu.embedding(w, ids)).toThrow(ValueError);
      expect(() => cpu.embedding(w, ids)).toThrow(/ids\[1\]/);
      for (const t of [w, ids]) t.release();
      const gw = gpu().tensor([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
      const gids = gpu().tensor([0, bad], [2]);
      const out = gpu().embedding(gw, gids);
      const got = await gpu().read(out);
      expect(Array.from(got.subarray(0, 2))).toEqual([1, 2]);
      expect(Array.from(got.subarray(2)).every(Number.isNaN)).toBe(true);
      for (const t of [gw, gids, out]) t.release();
    }
  });
});

describe('Embedding layer', () => {
  it('init N(0, 1) as torch, the padding row zero; negative paddingIdx counts from the end', async () => {
    const emb = new Embedding(400, 50, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(399);
    const model = new Sequential(cpu, [emb], { seed: 3 });
    const w = (await model.stateDict())['0.weight'];
    expect(w.shape).toEqual([400, 50]);
    const body = w.data.subarray(0, 399 * 50);
    const mean = body.reduce((a, b) => a + b, 0) / body.length;
    const variance = body.reduce((a, b) => a + (b - mean) ** 2, 0) / body.length;
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(body.length));
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / body.length));
    expect(Array.from(w.data.subarray(399 * 50))).toEqual(new Array(50).fill(0));
    model.release();
  });

  it('f64 gradcheck through an LSTM on the CPU: loss = Σ out·dout against central differences', async () => {
    const [V, E, H, T, B] = [5, 3, 4, 4, 2];
    const ids = [0, 4, 2, 2, 1, 0, 4, 4];
    const model = new Sequential(
      cpu,
      [new Embedding(V, E, { paddingIdx: 1 }), new LSTM({ inputSize: E, hiddenSize: H })],
      { seed: 9 },
    );
    const x = cpu.tensor(ids, [T, B]);
    const dout = seeded(2).uniformArray(T * B * H);
    const loss = async () => {
      const y = await cpu.read(model.forward(x));
      return y.reduce((s, v, i) => s + v * dout[i], 0);
    };
    model.zeroGrad();
    model.forward(x);
    const d = cpu.tensor(dout, [T, B, H]);
    model.backward(d);
    const analytic = (await model.gradDict())['0.weight'].data;
    const values = (await model.stateDict())['0.weight'].data;
    const eps = 1e-6;
    const numeric = new Float64Array(V * E);
    for (let i = 0; i < V * E; i++) {
      const at = (v: number) =>
        model.loadStateDict(
          { '0.weight': { shape: [V, E], data: values.map((w, j) => (j === i ? v : w)) } },
          { strict: false },
        );
      at(values[i] + eps);
      const up = await loss();
      at(values[i] - eps);
      numeric[i] = (up - (await loss())) / (2 * eps);
      at(values[i]);
    }
    // The padding row (1) has a real derivative but torch gives it none: its analytic row is 0 by definition.
    const others = (a: Float64Array) => Float64Array.from([...a.subarray(0, E), ...a.subarray(2 * E)]);
    expectClose(others(analytic), others(numeric), { atol: 1e-8, rtol: 1e-6, label: 'dWeight' });
    expect(Array.from(analytic.subarray(E, 2 * E))).toEqual([0, 0, 0]);
    expect(Math.max(...numeric.subarray(E, 2 * E).map(Math.abs))).toBeGreaterThan(1e-3);
    for (const t of [x, d]) t.release();
    model.release();
  });

  it('refuses what it cannot do, before any work, naming the argument', () => {
    expect(() => new Embedding(0, 3)).toThrow(/numEmbeddings/);
    expect(() => new Embedding(3, 1.5)).toThrow(/embeddingDim/);
    expect(() => new Embedding(2 ** 24 + 1, 1)).toThrow(/numEmbeddings.*2\^24/);
    expect(() => new Embedding(4, 2, { paddingIdx: 4 })).toThrow(/paddingIdx/);
    expect(() => new Embedding(4, 2, { paddingIdx: -5 })).toThrow(/paddingIdx/);
    expect(() => new Embedding(4, 2, { padding_idx: 1 } as never)).toThrow(ValueError);
    expect(() => new Sequential(cpu, [new Linear(2, 2), new Embedding(4, 2)])).toThrow(/layers\[1\]/);
    const model = new Sequential(cpu, [new Embedding(4, 2), new LSTM({ inputSize: 2, hiddenSize: 3 })]);
    expect(model.outputShape([5, 2])).toEqual([5, 2, 3]);
    expect(() => model.outputShape([5, 2, 1])).toThrow(ShapeError);
    const x = cpu.tensor([0, 1, 2, 3], [2, 2]);
    const y = model.forward(x);
    const dy = cpu.zeros(y.shape);
    expect(() => model.backward(dy, { inputGrad: true })).toThrow(/inputGrad/);
    for (const t of [x, dy]) t.release();
    model.release();
  });
});

interface Fixture {
  options: { numEmbeddings: number; embeddingDim: number; paddingIdx?: number; hiddenSize?: number };
  state_dict: Record<string, FixtureTensor>;
  grads: Record<string, FixtureTensor>;
  ids: FixtureTensor;
  output: FixtureTensor;
  dout: FixtureTensor;
}

describe.each(['embedding_padding.json', 'embedding_lstm_batchfirst.json'])('torch.nn.Embedding parity %s', (file) => {
  const f = readFixture<Fixture>(file);
  const TOL = {
    cpu: { value: { atol: 1e-12, rtol: 1e-10 }, grad: { atol: 1e-11, rtol: 1e-9 } },
    webgpu: { value: { atol: 2e-6, rtol: 1e-5 }, grad: { atol: 2e-5, rtol: 1e-4 } },
  };
  it.each(['cpu', 'webgpu'] as const)('%s', async (kind) => {
    const be: Backend = kind === 'cpu' ? cpu : gpu();
    const { numEmbeddings, embeddingDim, paddingIdx, hiddenSize } = f.options;
    const layers = [new Embedding(numEmbeddings, embeddingDim, paddingIdx === undefined ? {} : { paddingIdx })];
    if (hiddenSize) layers.push(new LSTM({ inputSize: embeddingDim, hiddenSize, batchFirst: true }) as never);
    const model = new Sequential(be, layers);
    model.loadStateDict(f.state_dict);
    const x = be.tensor(f.ids.data, f.ids.shape);
    const y = model.forward(x);
    expect(y.shape).toEqual(f.output.shape);
    const dout = be.tensor(f.dout.data, f.dout.shape);
    model.zeroGrad();
    expect(model.backward(dout)).toBeNull();
    expectClose(await be.read(y), f.output.data, { ...TOL[kind].value, label: 'output' });
    const grads = await model.gradDict();
    for (const [name, g] of Object.entries(f.grads))
      expectClose(grads[name].data, g.data, { ...TOL[kind].grad, label: `d${name}` });
    for (const t of [x, dout]) t.release();
    model.release();
  });
});

describe('Embedding in training', () => {
  // Next-token prediction of a repeating pattern, per-step class targets.
  function data(N: number, T: number, V: number) {
    const x: number[] = [];
    const y: number[] = [];
    for (let n = 0; n < N; n++) {
      for (let t = 0; t < T; t++) {
        x.push((n + t) % V);
        y.push((n + t + 1) % V);
      }
    }
    return { x, y };
  }

  it('a Trainer step on device ids: one submit, one readback, and the padding row stays zero', async () => {
    const g = gpu();
    const [V, E, H, T, B] = [6, 4, 5, 7, 3];
    const model = new Sequential(
      g,
      [new Embedding(V, E, { paddingIdx: 0 }), new GRU({ inputSize: E, hiddenSize: H }), new Linear(H, V)],
      { seed: 1 },
    );
    const trainer = new Trainer(model, new Adam(model.params, { lr: 0.05 }), { loss: 'crossEntropy' });
    const { x, y } = data(B, T, V);
    // Time-major [T, B] from the batch-first lists.
    const tm = (a: number[]) => Array.from({ length: T * B }, (_, i) => a[(i % B) * T + Math.floor(i / B)]);
    const xs = g.tensor(tm(x), [T, B]);
    const ys = g.tensor(tm(y), [T, B]);
    await trainer.step(xs, ys);
    g.resetCounters();
    const first = await trainer.step(xs, ys);
    expect(g.counters()).toMatchObject({ submits: 1, readbacks: 1 });
    let last = first;
    for (let i = 0; i < 20; i++) last = await trainer.step(xs, ys);
    expect(last.loss).toBeLessThan(first.loss);
    const w = (await model.stateDict())['0.weight'].data;
    expect(Array.from(w.subarray(0, E))).toEqual([0, 0, 0, 0]);
    for (const t of [xs, ys]) t.release();
    trainer.release();
    trainer.optimizer.release();
    model.release();
  });

  it('a training step costs what an identity layer in its place costs: one dispatch forward, one backward', async () => {
    const g = gpu();
    const [V, E, H, T, B] = [9, 4, 6, 5, 3];
    const ids = g.tensor(randomIds(1, T * B, V), [T, B]);
    const features = g.tensor(seeded(2).uniformArray(T * B * E), [T, B, E]);
    const targets = g.tensor(randomIds(3, T * B, V), [T, B]);
    const dispatches = async (first: Embedding | ActivationLayer, x: Tensor) => {
      const model = new Sequential(
        g,
        [first, new LSTM({ inputSize: E, hiddenSize: H, path: 'step' }), new Linear(H, V)],
        { seed: 1 },
      );
      const trainer = new Trainer(model, new SGD(model.params, { lr: 0.1 }), { loss: 'crossEntropy' });
      await trainer.step(x, targets);
      g.resetCounters();
      await trainer.step(x, targets);
      const c = g.counters();
      trainer.release();
      trainer.optimizer.release();
      model.release();
      return c;
    };
    // Both make the LSTM compute its input gradient (it is not the first layer) and add one dispatch each way.
    const withEmbedding = await dispatches(new Embedding(V, E), ids);
    const withIdentity = await dispatches(new ActivationLayer('identity'), features);
    expect(withEmbedding).toMatchObject({ dispatches: withIdentity.dispatches, submits: 1, readbacks: 1, uploads: 0 });
    for (const t of [ids, features, targets]) t.release();
  });

  it.each([false, true])(
    'fit on host ids [N, T] (model batchFirst %s): GPU follows the CPU, the loss falls',
    async (batchFirst) => {
      const [V, E, H, T, N] = [5, 3, 8, 6, 10];
      const { x, y } = data(N, T, V);
      const run = async (be: Backend) => {
        const model = new Sequential(
          be,
          [new Embedding(V, E), new LSTM({ inputSize: E, hiddenSize: H, batchFirst }), new Linear(H, V)],
          { seed: 4 },
        );
        const trainer = new Trainer(model, new Adam(model.params, { lr: 0.03 }), { loss: 'crossEntropy' });
        const h = await trainer.fit(
          { data: x, shape: [N, T] },
          { data: y, shape: [N, T] },
          { epochs: 8, batchSize: 4, seed: 1 },
        );
        const out = await trainer.predict({ data: x, shape: [N, T] });
        trainer.release();
        trainer.optimizer.release();
        model.release();
        return { losses: h.epochLosses, out };
      };
      const g = await run(gpu());
      const c = await run(cpu);
      expect(g.losses.at(-1)!).toBeLessThan(g.losses[0] * 0.8);
      expectClose(g.losses, c.losses, { atol: 1e-4, rtol: 1e-3, label: 'epoch losses' });
      expect(g.out.length).toBe(N * T * V);
      expectClose(g.out, c.out, { atol: 1e-3, rtol: 1e-3, label: 'predictions' });
    },
  );

  it('fit refuses a bad id before anything is uploaded, naming it; shapes without a feature axis', async () => {
    const model = new Sequential(gpu(), [
      new Embedding(4, 2),
      new GRU({ inputSize: 2, hiddenSize: 3 }),
      new Linear(3, 4),
    ]);
    const trainer = new Trainer(model, new Adam(model.params), { loss: 'crossEntropy' });
    const targets = { data: [0, 0, 0, 0], shape: [2, 2] };
    const before = gpu().counters().uploads;
    for (const [bad, where] of [
      [4, 'x[3]'],
      [-1, 'x[3]'],
      [0.5, 'x[3]'],
      [NaN, 'x[3]'],
    ] as const) {
      const err = await trainer
        .fit({ data: [0, 1, 2, bad], shape: [2, 2] }, targets, { epochs: 1, batchSize: 2 })
        .catch((e) => e);
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toContain(where);
    }
    const shapeErr = await trainer
      .fit({ data: [0, 1, 2, 3], shape: [2, 2, 1] }, targets, { epochs: 1, batchSize: 2 })
      .catch((e) => e);
    expect(shapeErr).toBeInstanceOf(ShapeError);
    expect(shapeErr.message).toMatch(/\[N, T\]/);
    expect(gpu().counters().uploads).toBe(before);
    trainer.release();
    trainer.optimizer.release();
    model.release();
  });

  it('a model of rows of ids (Embedding → Linear, a bigram model): fit / predict on ids [N]', async () => {
    const V = 4;
    const model = new Sequential(gpu(), [new Embedding(V, 3), new Linear(3, V)], { seed: 2 });
    const trainer = new Trainer(model, new Adam(model.params, { lr: 0.1 }), { loss: 'crossEntropy' });
    const x = [0, 1, 2, 3, 0, 1, 2, 3];
    const h = await trainer.fit(
      { data: x, shape: [8] },
      x.map((v) => (v + 1) % V),
      { epochs: 60, batchSize: 8 },
    );
    expect(h.epochLosses.at(-1)!).toBeLessThan(0.1);
    const out = await trainer.predict(x);
    for (let r = 0; r < 8; r++) {
      const row = Array.from(out.subarray(r * V, (r + 1) * V));
      expect(row.indexOf(Math.max(...row))).toBe((x[r] + 1) % V);
    }
    trainer.release();
    trainer.optimizer.release();
    model.release();
  });
});
