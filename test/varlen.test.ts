// Variable-length sequences (PyTorch's packed sequences) through RNN, LSTM and GRU: lengths in any
// order, 1 and T among them. On the CPU reference in f64: each row equals that row run alone on its
// first len[b] steps (output 0 past them, final states from its last valid step, the backward direction
// starting there), and BPTT passes a finite-difference check with h0, c0, dhN and dcN; typed errors for
// bad lengths and masks. On the GPU: every kernel variant on both time-loop paths vs the CPU, and the
// unmasked kernels untouched.
import { describe, expect, it } from 'vitest';
import {
  Dropout,
  GRU,
  LSTM,
  LastStep,
  Linear,
  RNN,
  SGD,
  Sequential,
  ShapeError,
  Trainer,
  ValueError,
  checkLengths,
  type Backend,
  type Layer,
  type RecurrentOptions,
  type Tensor,
} from '../src/index.js';
import { RECURRENT_VARIANTS } from '../src/ops/recurrent/webgpu.js';
import { expectClose, recurrentStepCounters, seeded, useGpu } from './helpers.js';
import { expectFiniteDifferences } from './ops/recurrent_cases.js';

const { gpu, cpu } = useGpu();
type Cell = 'rnn' | 'lstm' | 'gru';
const CELLS: Cell[] = ['rnn', 'lstm', 'gru'];

function make(cell: Cell, options: RecurrentOptions) {
  return cell === 'rnn' ? new RNN(options) : cell === 'lstm' ? new LSTM(options) : new GRU(options);
}

/** run() of any cell with optional h0 / c0 and lengths: output, hN (and cN). */
function runCell(layer: RNN | LSTM | GRU, x: Tensor, h0?: Tensor, c0?: Tensor, lengths?: ArrayLike<number>) {
  if (layer instanceof LSTM) return layer.run(x, { h0, c0, lengths });
  const r = layer.run(x, { h0, lengths });
  return { ...r, cN: undefined };
}

function backwardCell(layer: RNN | LSTM | GRU, dOut: Tensor, dHN?: Tensor, dCN?: Tensor) {
  if (layer instanceof LSTM) return layer.backwardFull(dOut, { dHN, dCN, inputGrad: true });
  return { ...layer.backwardFull(dOut, { dHN, inputGrad: true }), dC0: undefined };
}

describe.each(CELLS)('%s with lengths on the CPU reference', (cell) => {
  const options: RecurrentOptions = { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true };
  const [T, B, I, H, L, D] = [5, 4, 3, 4, 2, 2];
  const lengths = [3, 5, 1, 4]; // unsorted, 1 and T among them

  it('each row equals that row run alone on its first len[b] steps', async () => {
    const rng = seeded(7);
    const layer = make(cell, options);
    const model = new Sequential(cpu, [layer], { names: 'none', seed: 2 });
    const xData = rng.uniformArray(T * B * I, -1, 1);
    const h0Data = rng.uniformArray(L * D * B * H, -0.5, 0.5);
    const c0Data = rng.uniformArray(L * D * B * H, -0.5, 0.5);
    const x = cpu.tensor(xData, [T, B, I]);
    const h0 = cpu.tensor(h0Data, [L * D, B, H]);
    const c0 = cpu.tensor(c0Data, [L * D, B, H]);
    const all = runCell(layer, x, h0, cell === 'lstm' ? c0 : undefined, lengths);
    const out = cpu.data(all.output, 'output').slice();
    const hN = cpu.data(all.hN, 'hN').slice();
    const cN = all.cN ? cpu.data(all.cN, 'cN').slice() : null;
    for (let b = 0; b < B; b++) {
      const len = lengths[b];
      const xb = cpu.tensor(
        Float64Array.from({ length: len * I }, (_, i) => xData[(Math.floor(i / I) * B + b) * I + (i % I)]),
        [len, 1, I],
      );
      const state = (data: Float64Array) =>
        cpu.tensor(
          Float64Array.from({ length: L * D * H }, (_, i) => data[(Math.floor(i / H) * B + b) * H + (i % H)]),
          [L * D, 1, H],
        );
      const [hb, cb] = [state(h0Data), state(c0Data)];
      const alone = runCell(layer, xb, hb, cell === 'lstm' ? cb : undefined);
      const o = cpu.data(alone.output, 'o');
      const row = new Float64Array(T * D * H); // zeros past len
      for (let t = 0; t < len; t++) row.set(o.subarray(t * D * H, (t + 1) * D * H), t * D * H);
      const got = Float64Array.from(
        { length: T * D * H },
        (_, i) => out[(Math.floor(i / (D * H)) * B + b) * D * H + (i % (D * H))],
      );
      expectClose(got, row, { atol: 1e-12, rtol: 1e-12, label: `output row ${b}` });
      const pick = (data: Float64Array) =>
        Float64Array.from({ length: L * D * H }, (_, i) => data[(Math.floor(i / H) * B + b) * H + (i % H)]);
      expectClose(pick(hN), cpu.data(alone.hN, 'hN'), { atol: 1e-12, rtol: 1e-12, label: `hN row ${b}` });
      if (cN) expectClose(pick(cN), cpu.data(alone.cN!, 'cN'), { atol: 1e-12, rtol: 1e-12, label: `cN row ${b}` });
      for (const t of [xb, hb, cb]) t.release();
    }
    for (const t of [x, h0, c0]) t.release();
    model.release();
  });

  it('BPTT with lengths passes an f64 finite-difference check (h0, c0, dhN, dcN; dOut past the lengths ignored)', async () => {
    const rng = seeded(11);
    const layer = make(cell, options);
    const model = new Sequential(cpu, [layer], { names: 'none', seed: 4 });
    const x = cpu.tensor(rng.uniformArray(T * B * I, -1, 1), [T, B, I]);
    const h0 = cpu.tensor(rng.uniformArray(L * D * B * H, -0.5, 0.5), [L * D, B, H]);
    const c0 = cell === 'lstm' ? cpu.tensor(rng.uniformArray(L * D * B * H, -0.5, 0.5), [L * D, B, H]) : undefined;
    const dout = rng.uniformArray(T * B * D * H); // nonzero past the lengths too: those outputs are constant 0
    const dhn = rng.uniformArray(L * D * B * H);
    const dcn = rng.uniformArray(L * D * B * H);
    const loss = () => {
      const r = runCell(layer, x, h0, c0, lengths);
      const dot = (t: Tensor, w: Float64Array) => cpu.data(t, 't').reduce((s, v, i) => s + v * w[i], 0);
      return dot(r.output, dout) + dot(r.hN, dhn) + (r.cN ? dot(r.cN, dcn) : 0);
    };
    loss();
    const dOut = cpu.tensor(dout, [T, B, D * H]);
    const dHN = cpu.tensor(dhn, [L * D, B, H]);
    const dCN = cell === 'lstm' ? cpu.tensor(dcn, [L * D, B, H]) : undefined;
    const g = backwardCell(layer, dOut, dHN, dCN);
    const grads = await model.gradDict();
    const analytic: Record<string, ArrayLike<number>> = {
      x: cpu.data(g.dInput!, 'dx').slice(),
      h0: cpu.data(g.dH0, 'dh0').slice(),
    };
    const probes: Record<string, Float64Array> = { x: cpu.data(x, 'x'), h0: cpu.data(h0, 'h0') };
    if (c0) {
      analytic.c0 = cpu.data(g.dC0!, 'dc0').slice();
      probes.c0 = cpu.data(c0, 'c0');
    }
    for (const name of model.params.names()) {
      analytic[name] = grads[name].data;
      probes[name] = cpu.data(model.params.value(name), name);
    }
    const worst = expectFiniteDifferences(probes, analytic, loss);
    console.log(`${cell} BPTT with lengths gradcheck: max relative error ${worst.toExponential(2)}`);
    for (const t of [x, h0, c0, dOut, dHN, dCN]) t?.release();
    model.release();
  });
});

describe('lengths: typed errors before any work', () => {
  it.each([
    ['a length of 0', [2, 0, 1], ValueError, /lengths\[1\].*\[1, 4\].*0/],
    ['a length past T', [2, 5, 1], ValueError, /lengths\[1\]/],
    ['a non-integer', [2, 1.5, 1], ValueError, /lengths\[1\]/],
    ['a string', [2, '3', 1], ValueError, /lengths\[1\]/],
    ['the wrong count', [2, 1], ShapeError, /3 lengths/],
    ['not an array', 3, ValueError, /lengths/],
    [
      'a mask with a hole',
      {
        mask: [
          [1, 1, 0, 0],
          [1, 0, 1, 0],
          [1, 0, 0, 0],
        ],
      },
      ValueError,
      /lengths\.mask\[1\].*prefix mask/,
    ],
    [
      'an empty mask row',
      {
        mask: [
          [1, 1, 0, 0],
          [0, 0, 0, 0],
          [1, 0, 0, 0],
        ],
      },
      ValueError,
      /lengths\.mask\[1\]/,
    ],
    ['a mask of the wrong shape', { mask: [1, 1, 0] }, ShapeError, /lengths\.mask/],
    [
      'a mask value that is not 0 or 1',
      {
        mask: [
          [1, 2, 0, 0],
          [1, 0, 0, 0],
          [1, 0, 0, 0],
        ],
      },
      ValueError,
      /lengths\.mask\[0\]\[1\]/,
    ],
  ] as const)('refuses %s', (_name, lengths, type, message) => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    const model = new Sequential(cpu, [rnn]);
    const x = cpu.tensor(new Float64Array(4 * 3 * 2), [4, 3, 2]);
    const before = cpu.liveTensors();
    expect(() => rnn.run(x, { lengths: lengths as never })).toThrow(type);
    expect(() => rnn.run(x, { lengths: lengths as never })).toThrow(message);
    expect(cpu.liveTensors()).toBe(before);
    x.release();
    model.release();
  });

  it('a prefix mask (nested, flat or boolean) gives the lengths', () => {
    expect([
      ...checkLengths(
        'lengths',
        {
          mask: [
            [1, 1, 0],
            [1, 1, 1],
            [1, 0, 0],
          ],
        },
        3,
        3,
      ),
    ]).toEqual([2, 3, 1]);
    expect([...checkLengths('lengths', { mask: [1, 1, 0, 1, 1, 1] }, 2, 3)]).toEqual([2, 3]);
    expect([
      ...checkLengths(
        'lengths',
        {
          mask: [
            [true, false],
            [true, true],
          ],
        },
        2,
        2,
      ),
    ]).toEqual([1, 2]);
  });
});

interface GpuRun {
  cell: Cell;
  options: RecurrentOptions;
  T: number;
  lengths: number[];
}

/** One forward + BPTT with h0 (c0), dhN (dcN) and recorded dL/dh_t: every output and gradient. */
async function runLengths(be: Backend, r: GpuRun) {
  const rng = seeded(r.T * 13 + r.lengths.length);
  const layer = make(r.cell, { ...r.options, recordGradFlow: true });
  const model = new Sequential(be, [layer], { names: 'none', seed: 5 });
  const { inputSize: I, hiddenSize: H } = r.options;
  const B = r.lengths.length;
  const S = (r.options.numLayers ?? 1) * (r.options.bidirectional ? 2 : 1);
  const state = () => be.tensor(rng.uniformArray(S * B * H, -0.5, 0.5), [S, B, H]);
  const x = be.tensor(rng.uniformArray(r.T * B * I, -2, 2), [r.T, B, I]);
  const [h0, c0, dHN, dCN] = [state(), state(), state(), state()];
  const lstm = layer instanceof LSTM;
  const fwd = runCell(layer, x, h0, lstm ? c0 : undefined, r.lengths);
  const dOut = be.tensor(rng.uniformArray(fwd.output.size), fwd.output.shape);
  const g = backwardCell(layer, dOut, dHN, lstm ? dCN : undefined);
  const values = await be.readMany([
    fwd.output,
    fwd.hN,
    ...(lstm ? [fwd.cN!] : []),
    g.dInput!,
    g.dH0,
    ...(lstm ? [g.dC0!] : []),
    ...layer.diagnostics(),
  ]);
  const grads = await model.gradDict();
  for (const t of [x, h0, c0, dHN, dCN, dOut]) t.release();
  model.release();
  return { values, grads, valueCount: lstm ? 3 : 2 };
}

describe.each(RECURRENT_VARIANTS)('lengths, GPU (%s kernels) vs CPU, both time-loop paths', (variant) => {
  const VALUE_TOL = { atol: 1e-5, rtol: 1e-4 };
  const GRAD_TOL = { atol: 1e-4, rtol: 1e-3 };
  // Stacked and bidirectional, B not a multiple of the batch blocks, lengths unsorted with 1 and T; the
  // split kernels also with H past their workgroup (64). (torch_parity_packed.test.ts runs every
  // variant on a 2-layer bidirectional case too; each case compiles its own pipelines, slow on lavapipe.)
  const runs: GpuRun[] = CELLS.map((cell) =>
    variant === 'blocked'
      ? {
          cell,
          options: { inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true },
          T: 7,
          lengths: [7, 1, 4, 7, 2],
        }
      : { cell, options: { inputSize: 2, hiddenSize: 70, bidirectional: true }, T: 3, lengths: [1, 3, 2] },
  );
  it.each(runs)('%j', { timeout: 300_000 }, async (r) => {
    const ref = await runLengths(cpu, r);
    gpu().recurrentVariant = variant;
    for (const path of ['step', 'persistent'] as const) {
      const got = await runLengths(gpu(), { ...r, options: { ...r.options, path } });
      got.values.forEach((v, i) =>
        expectClose(v, ref.values[i], {
          ...(i < ref.valueCount ? VALUE_TOL : GRAD_TOL),
          label: `${variant} ${path} value ${i}`,
        }),
      );
      for (const name of Object.keys(ref.grads))
        expectClose(got.grads[name].data, ref.grads[name].data, { ...GRAD_TOL, label: `${variant} ${path} d${name}` });
    }
  });
});

describe('lengths: dispatch structure', () => {
  it.each(CELLS)(
    '%s: a training step with lengths costs one dispatch more per layer (the output mask) and two for the loss, 1 submit, 1 readback',
    async (cell) => {
      const g = gpu();
      g.recurrentVariant = 'blocked';
      const plain = await recurrentStepCounters(
        g,
        make(cell, { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, path: 'step' }),
        5,
      );
      const masked = await recurrentStepCounters(
        g,
        make(cell, { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, path: 'step' }),
        5,
        [5, 1, 3, 2],
      );
      // 2 layers × the output mask, and the mse's mask of the prediction and of the target.
      expect(masked.dispatches).toBe(plain.dispatches + 2 + 2);
      expect(masked).toMatchObject({ submits: 1, readbacks: 1, pipelinesCreated: 0 });
    },
  );
});

/** One training step with lengths (SGD, lr 0.1) from a fixed seed: the loss and the updated weights. */
async function trainWithLengths(
  be: Backend,
  loss: 'mse' | 'l1' | 'huber' | 'smoothL1' | 'bceWithLogits' | 'crossEntropy',
  reduction: 'mean' | 'sum',
  padding: number,
  batchFirst = false,
) {
  const [T, B, I, H, O] = [6, 4, 3, 5, 3];
  const lengths = [6, 1, 3, 4];
  const rng = seeded(23);
  const model = new Sequential(
    be,
    [new GRU({ inputSize: I, hiddenSize: H, bidirectional: true, batchFirst }), new Linear(2 * H, O)],
    { seed: 6 },
  );
  const trainer = new Trainer(model, new SGD(model.params, { lr: 0.1 }), { loss, reduction });
  const at = (t: number, b: number) => (batchFirst ? b * T + t : t * B + b);
  // Inputs and targets past each row's length are `padding`: they must change nothing.
  const xData = rng.uniformArray(T * B * I, -1, 1);
  const perUnit = loss !== 'crossEntropy';
  const yData = perUnit
    ? rng.uniformArray(T * B * O, loss === 'bceWithLogits' ? 0 : -1, 1)
    : Float64Array.from({ length: T * B }, () => Math.floor(rng.uniform(0, 1) * O));
  const C = perUnit ? O : 1;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      if (t < lengths[b]) continue;
      xData.fill(padding, at(t, b) * I, (at(t, b) + 1) * I);
      yData.fill(perUnit ? padding : Math.abs(padding) % O, at(t, b) * C, (at(t, b) + 1) * C);
    }
  }
  const shape = (c: number) => (batchFirst ? [B, T, c] : [T, B, c]);
  const x = be.tensor(xData, shape(I));
  const y = perUnit ? be.tensor(yData, shape(O)) : be.tensor(yData, shape(1).slice(0, 2));
  const r = await trainer.step(x, y, { lengths });
  const weights = await model.stateDict();
  for (const t of [x, y]) t.release();
  trainer.release();
  trainer.optimizer.release();
  model.release();
  return { loss: r.loss, weights, lengths, yData, T, B, O };
}

describe('Trainer.step with lengths: per-step losses over the valid steps only', () => {
  it.each([
    ['mse', 'mean', false],
    ['mse', 'sum', true],
    ['crossEntropy', 'mean', true],
    ['crossEntropy', 'sum', false],
    ['l1', 'mean', true],
    ['huber', 'sum', false],
    ['smoothL1', 'mean', false],
    ['bceWithLogits', 'mean', true],
    ['bceWithLogits', 'sum', false],
  ] as const)(
    '%s, %s (batch-first %s): padding changes nothing; GPU matches the CPU',
    async (loss, reduction, batchFirst) => {
      const a = await trainWithLengths(cpu, loss, reduction, 0, batchFirst);
      const b = await trainWithLengths(cpu, loss, reduction, 7, batchFirst);
      expect(b.loss).toBeCloseTo(a.loss, 12);
      for (const name of Object.keys(a.weights))
        expectClose(b.weights[name].data, a.weights[name].data, {
          atol: 1e-13,
          rtol: 1e-12,
          label: `${name} with other padding`,
        });
      const g = await trainWithLengths(gpu(), loss, reduction, 7, batchFirst);
      expectClose([g.loss], [a.loss], { atol: 1e-5, rtol: 1e-4, label: 'GPU loss' });
      for (const name of Object.keys(a.weights))
        expectClose(g.weights[name].data, a.weights[name].data, { atol: 1e-5, rtol: 1e-4, label: `GPU ${name}` });
    },
  );

  it("mse 'mean' divides by the valid elements", async () => {
    const [T, B, I, O] = [3, 2, 2, 2];
    const lengths = [3, 1];
    const model = new Sequential(cpu, [new RNN({ inputSize: I, hiddenSize: O })], { seed: 1 });
    const trainer = new Trainer(model, new SGD(model.params, { lr: 0 }), { loss: 'mse' });
    const x = cpu.tensor(seeded(3).uniformArray(T * B * I), [T, B, I]);
    const target = cpu.tensor(new Float64Array(T * B * O).fill(0.25), [T, B, O]);
    const out = cpu.data(model.forward(x, { lengths }), 'y').slice();
    let sum = 0;
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++)
        for (let o = 0; o < O; o++) if (t < lengths[b]) sum += (out[(t * B + b) * O + o] - 0.25) ** 2;
    const r = await trainer.step(x, target, { lengths });
    expect(r.loss).toBeCloseTo(sum / (4 * O), 12); // 3 + 1 valid steps
    for (const t of [x, target]) t.release();
    trainer.release();
    trainer.optimizer.release();
    model.release();
  });
});

describe('LastStep with lengths', () => {
  it.each(['cpu', 'webgpu'] as const)(
    "takes each row's last valid step, after the module (its final states) or anywhere else (%s)",
    async (kind) => {
      const be = kind === 'cpu' ? cpu : gpu();
      const [T, B, I, H] = [5, 3, 2, 4];
      const lengths = [2, 5, 1];
      const rng = seeded(31);
      const xData = rng.uniformArray(T * B * I);
      const dyData = rng.uniformArray(B * H);
      const run = async (layers: Layer[]) => {
        const model = new Sequential(be, layers, { seed: 8 });
        const x = be.tensor(xData, [T, B, I]);
        const dy = be.tensor(dyData, [B, H]);
        const y = model.forward(x, { lengths });
        const dx = model.backward(dy, { inputGrad: true })!;
        const [out, grad] = await be.readMany([y, dx]);
        const grads = await model.gradDict();
        for (const t of [x, dy]) t.release();
        model.release();
        return { out, grad, grads };
      };
      // Reduced upstream: the LSTM's h_n. A Dropout(0) in between: LastStep picks step len[b]−1 itself.
      const reduced = await run([new LSTM({ inputSize: I, hiddenSize: H }), new LastStep()]);
      const picked = await run([new LSTM({ inputSize: I, hiddenSize: H }), new Dropout(0), new LastStep()]);
      const tol = kind === 'cpu' ? { atol: 1e-14, rtol: 1e-12 } : { atol: 1e-6, rtol: 1e-5 };
      expectClose(picked.out, reduced.out, { ...tol, label: 'last steps' });
      expectClose(picked.grad, reduced.grad, { ...tol, label: 'dx' });
      for (const name of Object.keys(reduced.grads))
        expectClose(picked.grads[name.replace(/^0\./, '0.')].data, reduced.grads[name].data, { ...tol, label: name });
    },
  );
});

describe('fit, evaluate and predict with lengths', () => {
  it.each(['cpu', 'webgpu'] as const)(
    'the padding changes nothing: losses, validation and weights (%s)',
    async (kind) => {
      const be = kind === 'cpu' ? cpu : gpu();
      const [N, T, I, O] = [10, 5, 2, 3];
      const rng = seeded(41);
      const lengths = Array.from({ length: N }, (_, n) => 1 + ((n * 3) % T));
      const x = rng.uniformArray(N * T * I, -1, 1);
      const y = Float64Array.from({ length: N * T }, () => Math.floor(rng.uniform(0, 1) * O));
      const run = async (padding: number) => {
        const [xp, yp] = [x.slice(), y.slice()];
        for (let n = 0; n < N; n++) {
          xp.fill(padding, (n * T + lengths[n]) * I, (n + 1) * T * I);
          yp.fill(padding % O, n * T + lengths[n], (n + 1) * T);
        }
        const model = new Sequential(
          be,
          [new LSTM({ inputSize: I, hiddenSize: 4, batchFirst: true }), new Linear(4, O)],
          { seed: 3 },
        );
        const trainer = new Trainer(model, new SGD(model.params, { lr: 0.1 }), { loss: 'crossEntropy' });
        const data = { data: xp, shape: [N, T, I] };
        const targets = { data: yp, shape: [N, T] };
        const history = await trainer.fit(data, targets, { epochs: 2, batchSize: 4, lengths, validationSplit: 0.3 });
        const evaluated = await trainer.evaluate(data, targets, { lengths, batchSize: 3 });
        const predicted = await trainer.predict(data, { lengths });
        const weights = await model.stateDict();
        trainer.release();
        trainer.optimizer.release();
        model.release();
        return { history, evaluated, predicted, weights, xp };
      };
      const a = await run(0);
      const b = await run(2);
      const tol = kind === 'cpu' ? { atol: 1e-12, rtol: 1e-10 } : { atol: 1e-5, rtol: 1e-4 };
      expectClose(b.history.epochLosses, a.history.epochLosses, { ...tol, label: 'epoch losses' });
      expectClose(b.history.valLosses, a.history.valLosses, { ...tol, label: 'validation losses' });
      expect(b.history.valAccuracies).toEqual(a.history.valAccuracies);
      expectClose([b.evaluated.loss], [a.evaluated.loss], { ...tol, label: 'evaluate' });
      for (const name of Object.keys(a.weights))
        expectClose(b.weights[name].data, a.weights[name].data, { ...tol, label: name });
      // Valid steps' predictions agree; the padding's are the head's output for a zero state either way.
      expectClose(b.predicted, a.predicted, { ...tol, label: 'predictions' });
    },
  );

  it('refuses lengths with tbptt, for rows, and validationData without its own', async () => {
    const model = new Sequential(cpu, [new RNN({ inputSize: 1, hiddenSize: 2, batchFirst: true })], { seed: 1 });
    const trainer = new Trainer(model, new SGD(model.params, { lr: 0.1 }), { loss: 'mse' });
    const data = { data: new Float64Array(6), shape: [2, 3, 1] };
    const targets = { data: new Float64Array(12), shape: [2, 3, 2] };
    await expect(
      trainer.fit(data, targets, { epochs: 1, batchSize: 2, lengths: [3, 1], tbptt: { chunk: 2 } }),
    ).rejects.toThrow(/no lengths with tbptt/);
    await expect(trainer.fit(data, targets, { epochs: 1, batchSize: 2, lengths: [3, 0] })).rejects.toThrow(ValueError);
    await expect(
      trainer.fit(data, targets, { epochs: 1, batchSize: 2, lengths: [3, 1], validationData: { x: data, targets } }),
    ).rejects.toThrow(/validationData\.lengths/);
    trainer.release();
    trainer.optimizer.release();
    model.release();
  });
});
