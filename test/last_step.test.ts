// LastStep (issue 13): every row's last step whatever the layout, and after a bidirectional module the
// forward direction's step T-1 beside the backward direction's step 0 (PyTorch's h_n, Keras
// return_sequences=False), taken before a sum / mul / ave merge. Checked against a reference built from
// the module's full output with run() / backwardFull(), on both backends, and against PyTorch.
import { describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  GRU,
  LSTM,
  LastStep,
  Linear,
  RNN,
  Sequential,
  ValueError,
  type Backend,
  type Layer,
  type RecurrentOptions,
} from '../src/index.js';
import { expectClose, seeded, useGpu } from './helpers.js';
import { readFixture, type FixtureTensor } from './fixtures.js';

const { gpu, cpu } = useGpu();
// CPU: the model and the reference do the same f64 arithmetic in other orders (dhN vs dOutput at T-1).
const TOL = {
  cpu: { value: { atol: 1e-13, rtol: 1e-12 }, grad: { atol: 1e-12, rtol: 1e-10 } },
  webgpu: { value: { atol: 2e-6, rtol: 1e-5 }, grad: { atol: 2e-5, rtol: 1e-4 } },
};

type Cell = 'rnn' | 'lstm' | 'gru';
type Merge = 'concat' | 'sum' | 'mul' | 'ave';
const make = (cell: Cell, o: RecurrentOptions): Layer =>
  cell === 'rnn' ? new RNN(o) : cell === 'gru' ? new GRU(o) : new LSTM(o);

/** merge(f, b) per element, and its gradient (df, db) for dy. */
function mergeRef(mode: Merge, f: number, b: number, dy: number): { y: number; df: number; db: number } {
  if (mode === 'sum') return { y: f + b, df: dy, db: dy };
  if (mode === 'ave') return { y: (f + b) / 2, df: dy / 2, db: dy / 2 };
  return { y: f * b, df: dy * b, db: dy * f }; // mul
}

/**
 * The expected last step from the full output of a 'concat' twin with the same weights: out[T-1] of the
 * forward half, out[0] of the backward half, merged here; its backward is backwardFull with dOutput
 * zero except at those two steps.
 */
async function reference(
  be: Backend,
  cell: Cell,
  o: RecurrentOptions & { mergeMode: Merge },
  weights: Record<string, { shape: number[]; data: Float64Array }>,
  x: Float64Array,
  xShape: number[],
  dy: Float64Array,
) {
  const twin = make(cell, { ...o, mergeMode: 'concat' }) as RNN | LSTM;
  const model = new Sequential(be, [twin], { names: 'none' });
  model.loadStateDict(weights);
  const xt = be.tensor(x, xShape);
  const output = twin.run(xt).output;
  const full = await be.read(output);
  const [H, D] = [o.hiddenSize, o.bidirectional ? 2 : 1];
  const [T, B] = o.batchFirst ? [xShape[1], xShape[0]] : [xShape[0], xShape[1]];
  const at = (t: number, b: number, j: number) => (o.batchFirst ? (b * T + t) * D * H : (t * B + b) * D * H) + j;
  const F = o.mergeMode === 'concat' ? D * H : H;
  const y = new Float64Array(B * F);
  const dOut = new Float64Array(full.length);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const f = full[at(T - 1, b, j)];
      if (D === 1) {
        y[b * F + j] = f;
        dOut[at(T - 1, b, j)] = dy[b * F + j];
      } else if (o.mergeMode === 'concat') {
        y[b * F + j] = f;
        y[b * F + H + j] = full[at(0, b, H + j)];
        dOut[at(T - 1, b, j)] = dy[b * F + j];
        dOut[at(0, b, H + j)] = dy[b * F + H + j];
      } else {
        const m = mergeRef(o.mergeMode, f, full[at(0, b, H + j)], dy[b * F + j]);
        y[b * F + j] = m.y;
        dOut[at(T - 1, b, j)] = m.df;
        dOut[at(0, b, H + j)] = m.db;
      }
    }
  }
  const dOutT = be.tensor(dOut, output.shape);
  const { dInput } = twin.backwardFull(dOutT, { inputGrad: true });
  const dx = await be.read(dInput!);
  const grads = await model.gradDict();
  for (const t of [xt, dOutT]) t.release();
  model.release();
  return { y, dx, grads };
}

async function lastStepModel(
  be: Backend,
  cell: Cell,
  o: RecurrentOptions & { mergeMode: Merge },
  T: number,
  B: number,
) {
  const rng = seeded(T * 31 + B);
  const model = new Sequential(be, [make(cell, o), new LastStep()], { names: 'none', seed: 3 });
  const xShape = o.batchFirst ? [B, T, o.inputSize] : [T, B, o.inputSize];
  const x = rng.uniformArray(B * T * o.inputSize, -1, 1);
  const F = o.mergeMode === 'concat' && o.bidirectional ? 2 * o.hiddenSize : o.hiddenSize;
  const dy = rng.uniformArray(B * F, -1, 1);
  expect(model.outputShape(xShape)).toEqual([B, F]);
  const xt = be.tensor(x, xShape);
  const y = model.forward(xt);
  expect(y.shape).toEqual([B, F]);
  const dyt = be.tensor(dy, [B, F]);
  const dInput = model.backward(dyt, { inputGrad: true })!;
  const [yv, dxv] = await be.readMany([y, dInput]);
  const grads = await model.gradDict();
  const ref = await reference(be, cell, o, await model.stateDict(), x, xShape, dy);
  for (const t of [xt, dyt]) t.release();
  model.release();
  return { y: yv, dx: dxv, grads, ref };
}

describe('LastStep after a recurrent module: each row, each direction’s final state', () => {
  const cases: Array<[Cell, RecurrentOptions & { mergeMode: Merge }, number, number]> = [
    // The reported case: x [B=4, T=7, I=3] batch-first.
    ['lstm', { inputSize: 3, hiddenSize: 5, batchFirst: true, mergeMode: 'concat' }, 7, 4],
    ['rnn', { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, mergeMode: 'concat' }, 6, 3],
    ['lstm', { inputSize: 2, hiddenSize: 3, bidirectional: true, batchFirst: true, mergeMode: 'sum' }, 5, 2],
    [
      'rnn',
      {
        inputSize: 2,
        hiddenSize: 5,
        bidirectional: true,
        batchFirst: true,
        mergeMode: 'mul',
        nonlinearity: 'relu',
      } as RecurrentOptions & { mergeMode: Merge },
      4,
      3,
    ],
    ['lstm', { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, mergeMode: 'ave' }, 6, 1],
    [
      'gru',
      { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, batchFirst: true, mergeMode: 'concat' },
      5,
      3,
    ],
  ];
  it.each(cases)(
    '%s %j T=%i B=%i: matches the reference on both backends, and GPU matches CPU',
    async (cell, o, T, B) => {
      const results = {
        cpu: await lastStepModel(cpu, cell, o, T, B),
        webgpu: await lastStepModel(gpu(), cell, o, T, B),
      };
      for (const kind of ['cpu', 'webgpu'] as const) {
        const r = results[kind];
        const tol = TOL[kind];
        expectClose(r.y, r.ref.y, { ...tol.value, label: `${kind} last step vs the full output` });
        expectClose(r.dx, r.ref.dx, { ...tol.grad, label: `${kind} dInput` });
        for (const name of Object.keys(r.ref.grads))
          expectClose(r.grads[name].data, r.ref.grads[name].data, { ...tol.grad, label: `${kind} d${name}` });
      }
      expectClose(results.webgpu.y, results.cpu.y, { ...TOL.webgpu.value, label: 'GPU vs CPU' });
      expectClose(results.webgpu.dx, results.cpu.dx, { ...TOL.webgpu.grad, label: 'GPU vs CPU dInput' });
    },
  );

  it('LSTM(batchFirst) → LastStep → Linear: output [B, 2], row b from x[b, T-1] (the reported model)', async () => {
    const [B, T, I, H] = [4, 7, 3, 5];
    const x = seeded(13).uniformArray(B * T * I, -1, 1);
    for (const be of [cpu, gpu()] as Backend[]) {
      const model = new Sequential(
        be,
        [new LSTM({ inputSize: I, hiddenSize: H, batchFirst: true }), new LastStep(), new Linear(H, 2)],
        { seed: 4 },
      );
      expect(model.outputShape([B, T, I])).toEqual([B, 2]);
      const xt = be.tensor(x, [B, T, I]);
      const y = await be.read(model.forward(xt));
      // Row b alone, as a batch of one: the rows must not mix.
      for (let b = 0; b < B; b++) {
        const xb = be.tensor(x.subarray(b * T * I, (b + 1) * T * I), [1, T, I]);
        const yb = await be.read(model.forward(xb));
        expectClose(y.subarray(b * 2, b * 2 + 2), yb, { ...TOL[be.kind].value, label: `${be.kind} row ${b}` });
        xb.release();
      }
      xt.release();
      model.release();
    }
  });
});

describe('LastStep elsewhere: the layout comes from upstream or the option', () => {
  it('after an activation of a batch-first RNN: x[b, T-1] of the activated output, and its gradient', async () => {
    const [B, T, I, H] = [3, 5, 2, 4];
    const x = seeded(5).uniformArray(B * T * I, -1, 1);
    const dy = seeded(6).uniformArray(B * H, -1, 1);
    for (const be of [cpu, gpu()] as Backend[]) {
      const rnn = new RNN({ inputSize: I, hiddenSize: H, batchFirst: true });
      const model = new Sequential(be, [rnn, new ActivationLayer('sigmoid'), new LastStep()], { seed: 2 });
      const xt = be.tensor(x, [B, T, I]);
      const y = await be.read(model.forward(xt));
      const seq = await be.read(rnn.run(xt).output); // [B, T, H]
      const expected = Float64Array.from(
        { length: B * H },
        (_, i) => 1 / (1 + Math.exp(-seq[(Math.floor(i / H) * T + T - 1) * H + (i % H)])),
      );
      expectClose(y, expected, { ...TOL[be.kind].value, label: `${be.kind} last step` });
      model.forward(xt);
      const dyt = be.tensor(dy, [B, H]);
      const last = model.layers[2];
      const dx = await be.read(last.backward(dyt, true)!); // [B, T, H]: dy at t = T-1, zero elsewhere
      const dxExpected = new Float64Array(B * T * H);
      for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) dxExpected[(b * T + T - 1) * H + j] = dy[b * H + j];
      expect(Array.from(dx)).toEqual(Array.from(dxExpected.map((v) => (be.kind === 'cpu' ? v : Math.fround(v)))));
      for (const t of [xt, dyt]) t.release();
      model.release();
    }
  });

  it('first layer with batchFirst: true takes x[:, T-1]', async () => {
    const [B, T, F] = [2, 3, 5];
    const x = Float64Array.from({ length: B * T * F }, (_, i) => i);
    for (const be of [cpu, gpu()] as Backend[]) {
      const model = new Sequential(be, [new LastStep({ batchFirst: true }), new Linear(F, 1, { bias: false })]);
      model.loadStateDict({ '1.weight': { shape: [1, F], data: [1, 0, 0, 0, 0] } });
      const xt = be.tensor(x, [B, T, F]);
      expect(Array.from(await be.read(model.forward(xt)))).toEqual([(0 * T + T - 1) * F, (1 * T + T - 1) * F]);
      xt.release();
      model.release();
    }
  });

  it('a batchFirst option that contradicts the module before it is a ValueError at construction', () => {
    expect(
      () =>
        new Sequential(cpu, [
          new LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true }),
          new LastStep({ batchFirst: false }),
        ]),
    ).toThrow(ValueError);
    expect(
      () =>
        new Sequential(cpu, [
          new RNN({ inputSize: 2, hiddenSize: 3 }),
          new ActivationLayer('relu'),
          new LastStep({ batchFirst: true }),
        ]),
    ).toThrow(/LastStep batchFirst: expected false \(the layout of the RNN before it\) or left out, got true/);
  });
});

interface LastStepFixture {
  options: {
    inputSize: number;
    hiddenSize: number;
    numLayers: number;
    bidirectional: boolean;
    batchFirst: boolean;
    outputs: number;
  };
  state_dict: Record<string, FixtureTensor>;
  grads: Record<string, FixtureTensor>;
  x: FixtureTensor;
  y: FixtureTensor;
  dy: FixtureTensor;
  input_grad: FixtureTensor;
}

describe('PyTorch parity (fixtures/gen_last_step.py)', () => {
  it('bidirectional batch-first 2-layer LSTM → LastStep → Linear equals head(cat(h_n[-2], h_n[-1])), gradients included', async () => {
    const f = readFixture<LastStepFixture>('last_step_lstm_bidir.json');
    const { outputs, ...lstmOptions } = f.options;
    for (const be of [cpu, gpu()] as Backend[]) {
      const model = new Sequential(be, [
        new LSTM(lstmOptions),
        new LastStep(),
        new Linear(2 * lstmOptions.hiddenSize, outputs),
      ]);
      model.loadStateDict(f.state_dict);
      const x = be.tensor(f.x.data, f.x.shape);
      const dy = be.tensor(f.dy.data, f.dy.shape);
      const y = model.forward(x);
      const dx = model.backward(dy, { inputGrad: true })!;
      const [yv, dxv] = await be.readMany([y, dx]);
      const tol =
        be.kind === 'cpu' ? { value: { atol: 1e-12, rtol: 1e-10 }, grad: { atol: 1e-11, rtol: 1e-9 } } : TOL.webgpu;
      expectClose(yv, f.y.data, { ...tol.value, label: `${be.kind} y` });
      expectClose(dxv, f.input_grad.data, { ...tol.grad, label: `${be.kind} dx` });
      const grads = await model.gradDict();
      for (const [name, g] of Object.entries(f.grads))
        expectClose(grads[name].data, g.data, { ...tol.grad, label: `${be.kind} d${name}` });
      for (const t of [x, dy]) t.release();
      model.release();
    }
  });
});
