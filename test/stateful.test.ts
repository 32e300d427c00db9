// Stateful use (issue 13): a module's outputs go back in as its next call's inputs — hN / cN as h0 / c0
// when a long sequence is streamed in chunks, dH0 / dC0 as the next backward's dHN / dCN — and nothing a
// call reads is freed or reused before the call has consumed it. A freed tensor (or a view of one)
// reaching a kernel is a ReleasedError, never a silent read of a recycled buffer.
import { describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  GRU,
  LSTM,
  Linear,
  RNN,
  ReleasedError,
  Sequential,
  type Backend,
  type RecurrentOptions,
  type Tensor,
} from '../src/index.js';
import { expectClose, seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
// Chunked vs one long run on the GPU: the same f32 kernels, but other dispatch shapes (persistent vs
// step path by T) may round differently. Backward: the boundary sums dhN and dOut in another order.
const GPU_TOL = { value: { atol: 1e-6, rtol: 1e-5 }, grad: { atol: 1e-5, rtol: 1e-4 } };
const CPU_GRAD_TOL = { atol: 1e-13, rtol: 1e-11 };

type Module = RNN | LSTM | GRU;
type Cell = 'rnn' | 'lstm' | 'gru';
const CHUNKS = [4, 3, 2]; // T = 9 in uneven chunks

function makeModel(be: Backend, cell: Cell, o: RecurrentOptions): { module: Module; model: Sequential } {
  const module = cell === 'rnn' ? new RNN(o) : cell === 'gru' ? new GRU(o) : new LSTM(o);
  return { module, model: new Sequential(be, [module], { names: 'none', seed: 8 }) };
}

/** One call of either module kind with optional initial states. */
type RunResult = { output: Tensor; hN: Tensor; cN?: Tensor };
type BackwardResult = { dInput: Tensor; dH0: Tensor; dC0?: Tensor };

function run(m: Module, x: Tensor, h0?: Tensor, c0?: Tensor): RunResult {
  return m instanceof LSTM ? m.run(x, { h0, c0 }) : m.run(x, h0);
}

function backward(m: Module, dOut: Tensor, dHN?: Tensor, dCN?: Tensor): BackwardResult {
  const r =
    m instanceof LSTM
      ? m.backwardFull(dOut, { dHN, dCN, inputGrad: true })
      : m.backwardFull(dOut, { dHN, inputGrad: true });
  return { ...r, dInput: r.dInput! };
}

/** Time-major [T, B, F] rows t0 … t0+len-1 of a host array. */
const steps = (a: Float64Array, t0: number, len: number, rowSize: number) =>
  a.subarray(t0 * rowSize, (t0 + len) * rowSize);

describe('a sequence streamed in chunks (hN → h0, cN → c0) equals one long run', () => {
  const cases: Array<[Cell, RecurrentOptions]> = [
    ['rnn', { inputSize: 3, hiddenSize: 5 }],
    ['rnn', { inputSize: 3, hiddenSize: 4, numLayers: 2, path: 'step' }],
    ['lstm', { inputSize: 3, hiddenSize: 5 }],
    ['lstm', { inputSize: 2, hiddenSize: 4, numLayers: 3 }],
    ['gru', { inputSize: 3, hiddenSize: 5, numLayers: 2 }],
  ];
  it.each(cases)('%s %j: forward (bit for bit on the CPU), and BPTT with dH0 carried back as dHN', async (cell, o) => {
    const B = 3;
    const T = CHUNKS.reduce((a, b) => a + b);
    const DH = o.hiddenSize;
    const rng = seeded(T * 7 + DH);
    const x = rng.uniformArray(T * B * o.inputSize, -1, 1);
    const dOut = rng.uniformArray(T * B * DH, -1, 1);
    for (const be of [cpu, gpu()] as Backend[]) {
      // One long run.
      const long = makeModel(be, cell, o);
      const xt = be.tensor(x, [T, B, o.inputSize]);
      const whole = run(long.module, xt);
      const dOutT = be.tensor(dOut, [T, B, DH]);
      const wholeGrad = backward(long.module, dOutT);
      const [output, hN, cN, dInput, dH0, dC0] = await be.readMany([
        whole.output,
        whole.hN,
        whole.cN ?? whole.hN,
        wholeGrad.dInput,
        wholeGrad.dH0,
        wholeGrad.dC0 ?? wholeGrad.dH0,
      ]);
      const grads = await long.model.gradDict();

      // The same sequence in chunks, each call fed the previous call's own hN and cN.
      const chunked = makeModel(be, cell, o);
      const tensors: Tensor[] = [];
      const up = (data: Float64Array, shape: number[]) => (tensors.push(be.tensor(data, shape)), tensors.at(-1)!);
      const starts = CHUNKS.map((_, i) => CHUNKS.slice(0, i).reduce((a, b) => a + b, 0));
      const outputs: Float64Array[] = [];
      const initial: Array<Tensor[]> = []; // per chunk: fresh copies of its h0 / c0, for the re-runs of backward
      let state: RunResult | undefined;
      for (const [i, len] of CHUNKS.entries()) {
        const h0 = state ? await be.read(state.hN) : null;
        const c0 = state?.cN ? await be.read(state.cN) : null;
        initial.push(
          [
            h0 ? up(h0, state!.hN.shape as number[]) : undefined,
            c0 ? up(c0, state!.cN!.shape as number[]) : undefined,
          ].filter((t): t is Tensor => !!t),
        );
        state = run(
          chunked.module,
          up(steps(x, starts[i], len, B * o.inputSize), [len, B, o.inputSize]),
          state?.hN,
          state?.cN,
        );
        outputs.push(await be.read(state.output));
      }
      const [hNc, cNc] = await be.readMany([state!.hN, state!.cN ?? state!.hN]);
      // Truncated-BPTT style, last chunk first: re-run the chunk's forward from its saved initial states,
      // then backward with the later chunk's dH0 / dC0 (this module's own previous outputs) as dHN / dCN.
      const dInputs: Float64Array[] = [];
      let carry: BackwardResult | undefined;
      for (let i = CHUNKS.length - 1; i >= 0; i--) {
        const [h0, c0] = initial[i];
        run(chunked.module, up(steps(x, starts[i], CHUNKS[i], B * o.inputSize), [CHUNKS[i], B, o.inputSize]), h0, c0);
        carry = backward(
          chunked.module,
          up(steps(dOut, starts[i], CHUNKS[i], B * DH), [CHUNKS[i], B, DH]),
          carry?.dH0,
          carry?.dC0,
        );
        dInputs.unshift(await be.read(carry.dInput));
      }
      const [dH0c, dC0c] = await be.readMany([carry!.dH0, carry!.dC0 ?? carry!.dH0]);
      const chunkedGrads = await chunked.model.gradDict();

      const cat = (parts: Float64Array[]) => Float64Array.from(parts.flatMap((p) => Array.from(p)));
      if (be.kind === 'cpu') {
        expect(Array.from(cat(outputs)), 'output').toEqual(Array.from(output));
        expect(Array.from(hNc), 'hN').toEqual(Array.from(hN));
        expect(Array.from(cNc), 'cN').toEqual(Array.from(cN));
      } else {
        expectClose(cat(outputs), output, { ...GPU_TOL.value, label: 'GPU output' });
        expectClose(hNc, hN, { ...GPU_TOL.value, label: 'GPU hN' });
        expectClose(cNc, cN, { ...GPU_TOL.value, label: 'GPU cN' });
      }
      const gradTol = be.kind === 'cpu' ? CPU_GRAD_TOL : GPU_TOL.grad;
      expectClose(cat(dInputs), dInput, { ...gradTol, label: `${be.kind} dInput` });
      expectClose(dH0c, dH0, { ...gradTol, label: `${be.kind} dH0` });
      expectClose(dC0c, dC0, { ...gradTol, label: `${be.kind} dC0` });
      for (const name of Object.keys(grads))
        expectClose(chunkedGrads[name].data, grads[name].data, { ...gradTol, label: `${be.kind} d${name}` });

      for (const t of [xt, dOutT, ...tensors]) t.release();
      long.model.release();
      chunked.model.release();
    }
  });

  it.each([
    ['rnn', { inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true }],
    ['lstm', { inputSize: 2, hiddenSize: 3, bidirectional: true, batchFirst: true, mergeMode: 'sum' }],
  ] as Array<[Cell, RecurrentOptions]>)(
    '%s %j: feeding hN / cN back gives exactly what fresh copies of them give',
    async (cell, o) => {
      // A bidirectional chunk does not continue the long run (its backward direction starts at the chunk's
      // end), so the check here is aliasing alone: the module's own outputs as inputs vs uploaded copies.
      const B = 2;
      const rng = seeded(3);
      const xs = CHUNKS.map((len) => rng.uniformArray(len * B * o.inputSize, -1, 1));
      const shapeOf = (len: number) => (o.batchFirst ? [B, len, o.inputSize] : [len, B, o.inputSize]);
      for (const be of [cpu, gpu()] as Backend[]) {
        const results: Float64Array[][] = [];
        for (const mode of ['own outputs', 'fresh copies']) {
          const { module, model } = makeModel(be, cell, o);
          const got: Float64Array[] = [];
          const tensors: Tensor[] = [];
          let state: RunResult | undefined;
          for (const [i, len] of CHUNKS.entries()) {
            let h0 = state?.hN;
            let c0 = state?.cN;
            if (mode === 'fresh copies' && state) {
              h0 = be.tensor(await be.read(state.hN), state.hN.shape);
              tensors.push(h0);
              if (state.cN) tensors.push((c0 = be.tensor(await be.read(state.cN), state.cN.shape)));
            }
            const x = be.tensor(xs[i], shapeOf(len));
            tensors.push(x);
            state = run(module, x, h0, c0);
            got.push(...(await be.readMany([state.output, state.hN, state.cN ?? state.hN])));
          }
          results.push(got);
          for (const t of tensors) t.release();
          model.release();
        }
        results[0].forEach((r, i) =>
          expect(Array.from(r), `${be.kind} result ${i}`).toEqual(Array.from(results[1][i])),
        );
      }
    },
  );
});

describe('freed tensors and own outputs', () => {
  it('a view of a freed tensor (an LSTM hN from two calls ago) is a ReleasedError in every kernel and read', async () => {
    for (const be of [cpu, gpu()] as Backend[]) {
      const { module, model } = makeModel(be, 'lstm', { inputSize: 2, hiddenSize: 3 });
      const x = be.tensor(seeded(1).uniformArray(4 * 2 * 2), [4, 2, 2]);
      const first = run(module, x);
      expect(first.hN.isView).toBe(true); // h and c share one block: hN is a view of it
      run(module, x); // frees the first call's outputs
      expect(first.hN.isReleased).toBe(true);
      expect(() => be.activation(first.hN, 'tanh')).toThrow(ReleasedError);
      expect(() => run(module, x, first.hN, first.cN)).toThrow(ReleasedError);
      await expect(be.read(first.cN!)).rejects.toThrow(ReleasedError);
      x.release();
      model.release();
    }
  });

  it("a layer's output fed back as its own next input gives what a copy of it gives", async () => {
    for (const be of [cpu, gpu()] as Backend[]) {
      for (const layer of [new Linear(3, 3), new ActivationLayer('tanh')]) {
        const model = new Sequential(be, [layer], { seed: 5 });
        const x = be.tensor([0.1, -0.2, 0.3, 0.4, 0.5, -0.6], [2, 3]);
        const y1 = model.forward(x);
        const copy = be.tensor(await be.read(y1), y1.shape);
        const fedBack = await be.read(model.forward(y1));
        const fromCopy = await be.read(model.forward(copy));
        expect(Array.from(fedBack), `${be.kind} ${layer.constructor.name}`).toEqual(Array.from(fromCopy));
        for (const t of [x, copy]) t.release();
        model.release();
      }
    }
  });
});
