// Stateful training and truncated BPTT (issue 15): a model's stateful forward carries one state per
// recurrent layer (in layer order) from chunk to chunk exactly as one long run does; a chunk's gradient
// treats its initial states as constants (finite differences of the truncated objective, f64 CPU
// reference); fit's tbptt option is a hand-written loop of stateful step() calls; with k = T it is full
// BPTT; rows restart where a new sequence starts; nothing is allocated or compiled per chunk.
import { describe, expect, it } from 'vitest';
import {
  createContext,
  LSTM,
  LastStep,
  Linear,
  RNN,
  SGD,
  Sequential,
  ShapeError,
  Trainer,
  mlp,
  type Backend,
  type Layer,
  type RecurrentState,
  type StatefulStepResult,
  type Tensor,
  type WebGpuBackend,
} from '../src/index.js';
import { compareArrays, expectClose, seeded, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
const backends: Array<[string, () => Backend]> = [
  ['cpu', () => cpu],
  ['webgpu', () => gpu()],
];
// Chunked vs one long run on the GPU: the same f32 kernels, other dispatch shapes may round differently.
const GPU_VALUE_TOL = { atol: 1e-6, rtol: 1e-5 };
// f64 central differences with eps 1e-6: truncation error ~eps², rounding ~1e-16/eps.
const FD_TOL = { atol: 1e-8, rtol: 1e-6 };
const EPS = 1e-6;

const [I, O] = [2, 2];
/** Two recurrent layers (a 2-layer LSTM, then an RNN) and a Linear head on every step. */
const layers = (batchFirst = false): Layer[] => [
  new LSTM({ inputSize: I, hiddenSize: 3, numLayers: 2, batchFirst }),
  new RNN({ inputSize: 3, hiddenSize: 4, batchFirst }),
  new Linear(4, O),
];

/** Batch-first host data [N, T, F] → rows' steps t0 … t0+len-1, time-major [len, B, F] or batch-first [B, len, F]. */
function chunkOf(
  a: ArrayLike<number>,
  T: number,
  F: number,
  rows: readonly number[],
  t0: number,
  len: number,
  batchFirst = false,
): Float64Array {
  const out = new Float64Array(len * rows.length * F);
  rows.forEach((n, b) => {
    for (let t = 0; t < len; t++) {
      const row = batchFirst ? b * len + t : t * rows.length + b;
      for (let f = 0; f < F; f++) out[row * F + f] = a[(n * T + t0 + t) * F + f];
    }
  });
  return out;
}

/** Chunk boundaries of T steps cut every k. */
const chunks = (T: number, k: number) =>
  Array.from({ length: Math.ceil(T / k) }, (_, c) => ({ t0: c * k, len: Math.min(k, T - c * k) }));

async function readStates(be: Backend, states: RecurrentState[]): Promise<Float64Array[]> {
  return be.readMany(states.flatMap((s) => (s.c ? [s.h, s.c] : [s.h])));
}

describe('stateful forward', () => {
  it.each(backends)(
    '%s: chunk by chunk equals one long run — outputs and final states of every recurrent layer, in layer order',
    async (_, backend) => {
      const be = backend();
      const [B, T] = [3, 8];
      const x = seeded(1).uniformArray(B * T * I);
      for (const batchFirst of [false, true]) {
        const model = new Sequential(be, layers(batchFirst), { seed: 4 });
        const all = [0, 1, 2];
        const whole = be.tensor(chunkOf(x, T, I, all, 0, T, batchFirst), batchFirst ? [B, T, I] : [T, B, I]);
        const long = model.forward(whole, { states: null });
        expect(long.states.map((s) => [s.h.shape, s.c?.shape])).toEqual([
          [
            [2, B, 3],
            [2, B, 3],
          ],
          [[1, B, 4], undefined],
        ]);
        const [longOut, ...longStates] = await be.readMany([
          long.output,
          ...long.states.flatMap((s) => (s.c ? [s.h, s.c] : [s.h])),
        ]);
        const outs: Float64Array[] = [];
        let states: RecurrentState[] | null = null;
        const tensors: Tensor[] = [whole];
        for (const { t0, len } of chunks(T, 3)) {
          const xc = be.tensor(chunkOf(x, T, I, all, t0, len, batchFirst), batchFirst ? [B, len, I] : [len, B, I]);
          tensors.push(xc);
          const r: { output: Tensor; states: RecurrentState[] } = model.forward(xc, { states }); // the model's own outputs fed back
          outs.push(await be.read(r.output));
          states = r.states;
        }
        const chunkedStates = await readStates(be, states!);
        // Reassemble the chunks' outputs in the long run's layout.
        const joined = new Float64Array(longOut.length);
        let t = 0;
        for (const [c, { len }] of chunks(T, 3).entries()) {
          for (let s = 0; s < len; s++, t++) {
            for (let b = 0; b < B; b++) {
              const [to, from] = batchFirst ? [(b * T + t) * O, (b * len + s) * O] : [(t * B + b) * O, (s * B + b) * O];
              joined.set(outs[c].subarray(from, from + O), to);
            }
          }
        }
        if (be.kind === 'cpu') {
          expect(Array.from(joined)).toEqual(Array.from(longOut));
          chunkedStates.forEach((s, i) => expect(Array.from(s), `state ${i}`).toEqual(Array.from(longStates[i])));
        } else {
          expectClose(joined, longOut, { ...GPU_VALUE_TOL, label: 'GPU output' });
          chunkedStates.forEach((s, i) => expectClose(s, longStates[i], { ...GPU_VALUE_TOL, label: `GPU state ${i}` }));
        }
        for (const t of tensors) t.release();
        model.release();
      }
    },
  );

  it.each(backends)(
    '%s: a reset row starts from zeros — it gives what a fresh run of its new sequence gives; other rows carry on',
    async (_, backend) => {
      const be = backend();
      const [B, T, k] = [2, 7, 3];
      const x = seeded(2).uniformArray(B * T * I);
      const model = new Sequential(be, layers(), { seed: 5 });
      const tensors: Tensor[] = [];
      const up = (data: Float64Array, shape: number[]) => (tensors.push(be.tensor(data, shape)), tensors.at(-1)!);
      const [first, ...rest] = chunks(T, k);
      const carried = model.forward(up(chunkOf(x, T, I, [0, 1], first.t0, first.len), [first.len, B, I]), {
        states: null,
      });
      let states = carried.states;
      const outs: Float64Array[] = [];
      for (const [c, { t0, len }] of rest.entries()) {
        const r = model.forward(up(chunkOf(x, T, I, [0, 1], t0, len), [len, B, I]), {
          states,
          resetRows: c === 0 ? [1] : [],
        });
        outs.push(await be.read(r.output));
        states = r.states;
      }
      const finalStates = await readStates(be, states);
      // References: row 0's whole sequence, and row 1's sequence from step k on, each alone from zeros.
      const refs: Array<{ out: Float64Array; states: Float64Array[] }> = [];
      for (const [row, t0] of [
        [0, 0],
        [1, k],
      ]) {
        const r = model.forward(up(chunkOf(x, T, I, [row], t0, T - t0), [T - t0, 1, I]), { states: null });
        refs.push({ out: await be.read(r.output), states: await readStates(be, r.states) });
      }
      const got = (b: number) =>
        Float64Array.from(
          outs.flatMap((o) =>
            Array.from({ length: o.length / (B * O) }, (_, s) =>
              Array.from(o.subarray((s * B + b) * O, (s * B + b + 1) * O)),
            ).flat(),
          ),
        );
      const rowState = (s: Float64Array, b: number, H: number) =>
        Float64Array.from({ length: s.length / B }, (_, j) => s[Math.floor(j / H) * B * H + b * H + (j % H)]);
      const Hs = [3, 3, 4]; // LSTM h, LSTM c, RNN h
      const tol = be.kind === 'cpu' ? { atol: 0, rtol: 0 } : GPU_VALUE_TOL;
      expectClose(got(0), refs[0].out.subarray(k * O), { ...tol, label: 'row 0 carried on' });
      expectClose(got(1), refs[1].out, { ...tol, label: 'row 1 restarted' });
      for (const b of [0, 1])
        finalStates.forEach((s, i) =>
          expectClose(rowState(s, b, Hs[i]), refs[b].states[i], { ...tol, label: `row ${b} state ${i}` }),
        );
      for (const t of tensors) t.release();
      model.release();
    },
  );
});

// PyTorch's packed-sequence semantics: a row's hN (and cN) is its state at its last valid step, so a
// chunk with lengths hands the next chunk each row's state after its valid prefix.
describe('stateful forward with lengths', () => {
  describe.each(backends)('%s', (kind, backend) => {
    it.each([false, true])(
      'batch-first %s: the carried state is the row alone after its valid prefix; the next chunk continues from it',
      async (batchFirst) => {
        const be = backend();
        const tol = kind === 'cpu' ? { atol: 1e-13, rtol: 1e-12 } : GPU_VALUE_TOL;
        const [B, T0, T1, T2] = [4, 2, 5, 3];
        const lengths = [5, 1, 3, 2]; // of the middle chunk
        const rng = seeded(41);
        const xs = [T0, T1, T2].map((T) => rng.uniformArray(T * B * I, -1, 1)); // time-major host chunks
        const model = new Sequential(be, layers(batchFirst), { seed: 3 });
        const tensors: Tensor[] = [];
        const at = (t: number, b: number, T: number, rows: number) => (batchFirst ? b * T + t : t * rows + b);
        /** Steps [from, from + len) of rows `rows` of one or more time-major chunks laid end to end, in the model's layout. */
        const input = (parts: Array<[Float64Array, number]>, rows: number[]) => {
          const T = parts.reduce((a, [, len]) => a + len, 0);
          const out = new Float64Array(rows.length * T * I);
          let t0 = 0;
          for (const [x, len] of parts) {
            rows.forEach((b, r) => {
              for (let t = 0; t < len; t++)
                for (let i = 0; i < I; i++) out[at(t0 + t, r, T, rows.length) * I + i] = x[(t * B + b) * I + i];
            });
            t0 += len;
          }
          tensors.push(be.tensor(out, batchFirst ? [rows.length, T, I] : [T, rows.length, I]));
          return tensors.at(-1)!;
        };
        const read = async (r: { output: Tensor; states: RecurrentState[] }) => {
          const flat = r.states.flatMap((s) => (s.c ? [s.h, s.c] : [s.h]));
          const [output, ...states] = await be.readMany([r.output, ...flat]);
          return { output, states, shapes: flat.map((t) => t.shape) };
        };
        /** Row b of each state [L·D, rows, H]. */
        const rowOf = (states: Float64Array[], shapes: ReadonlyArray<readonly number[]>, b: number) =>
          states.flatMap((s, k) => {
            const [LD, rows, H] = shapes[k];
            return Array.from({ length: LD }, (_, l) =>
              Array.from(s.subarray((l * rows + b) * H, (l * rows + b + 1) * H)),
            ).flat();
          });
        const all = [0, 1, 2, 3];

        // Batched: a full chunk, the chunk with lengths, a full chunk; each fed the previous call's states.
        const c0 = model.forward(input([[xs[0], T0]], all), { states: null });
        const c1 = model.forward(input([[xs[1], T1]], all), { states: c0.states, lengths });
        const mid = await read(c1);
        const c2 = model.forward(input([[xs[2], T2]], all), { states: c1.states });
        const end = await read(c2);

        for (const [b, len] of lengths.entries()) {
          // Row b alone on its valid prefix: chunk 0, then chunk 1's first len steps.
          const prefix = await read(
            model.forward(
              input(
                [
                  [xs[0], T0],
                  [xs[1], len],
                ],
                [b],
              ),
              { states: null },
            ),
          );
          expectClose(rowOf(mid.states, mid.shapes, b), rowOf(prefix.states, prefix.shapes, 0), {
            ...tol,
            label: `row ${b}: carried states`,
          });
          const validOut = (o: Float64Array, t: number, T: number, rows: number, r: number) =>
            Array.from(o.subarray(at(t, r, T, rows) * O, (at(t, r, T, rows) + 1) * O));
          for (let t = 0; t < len; t++)
            expectClose(validOut(mid.output, t, T1, B, b), validOut(prefix.output, T0 + t, T0 + len, 1, 0), {
              ...tol,
              label: `row ${b}: output at valid step ${t}`,
            });
          // The next chunk continues from there: as the row alone on prefix + chunk 2.
          const whole = await read(
            model.forward(
              input(
                [
                  [xs[0], T0],
                  [xs[1], len],
                  [xs[2], T2],
                ],
                [b],
              ),
              { states: null },
            ),
          );
          for (let t = 0; t < T2; t++)
            expectClose(validOut(end.output, t, T2, B, b), validOut(whole.output, T0 + len + t, T0 + len + T2, 1, 0), {
              ...tol,
              label: `row ${b}: next chunk's step ${t}`,
            });
          expectClose(rowOf(end.states, end.shapes, b), rowOf(whole.states, whole.shapes, 0), {
            ...tol,
            label: `row ${b}: final states`,
          });
        }
        // The control: rows shorter than the chunk carry another state than the state after all T1 steps.
        const full = await read(
          model.forward(
            input(
              [
                [xs[0], T0],
                [xs[1], T1],
              ],
              [1],
            ),
            { states: null },
          ),
        );
        expect(compareArrays(rowOf(mid.states, mid.shapes, 1), rowOf(full.states, full.shapes, 0), tol)).not.toBeNull();
        for (const t of tensors) t.release();
        model.release();
      },
    );
  });
});

describe('the truncated gradient (CPU reference, f64)', () => {
  const [B, T, k] = [2, 7, 3];
  const rng = seeded(11);
  const x = rng.uniformArray(B * T * I);
  const y = rng.uniformArray(B * T * O);

  /** Sum over chunks of their losses, each chunk from the given constant initial states; optionally backprop each. */
  function truncatedObjective(
    trainer: Trainer,
    initial: Array<Float64Array[] | null>,
    resets: number[][],
    backward: boolean,
  ): number {
    const { model, ctx } = trainer;
    const temps: Tensor[] = [];
    const up = (data: Float64Array, shape: readonly number[]) => (temps.push(ctx.tensor(data, shape)), temps.at(-1)!);
    let J = 0;
    for (const [c, { t0, len }] of chunks(T, k).entries()) {
      const init = initial[c];
      // The constants: fresh tensors of the saved values (LSTM h, c; RNN h).
      const states = init && [{ h: up(init[0], [2, B, 3]), c: up(init[1], [2, B, 3]) }, { h: up(init[2], [1, B, 4]) }];
      const { output } = model.forward(up(chunkOf(x, T, I, [0, 1], t0, len), [len, B, I]), {
        states,
        resetRows: resets[c],
      });
      const { loss, grad } = trainer.lossOf(output, up(chunkOf(y, T, O, [0, 1], t0, len), [len, B, O]));
      J += (ctx as typeof cpu).data(loss, 'loss')[0];
      if (backward) model.backward(grad);
      loss.release();
      grad.release();
    }
    for (const t of temps) t.release();
    return J;
  }

  it.each([
    ['no resets', [[], [], []]],
    ['row 1 restarting at the second chunk', [[], [1], []]],
  ])(
    '%s: the accumulated chunk gradients are the finite differences of the truncated objective — and not full BPTT',
    async (_, resets) => {
      const model = new Sequential(cpu, layers(), { seed: 6 });
      const trainer = new Trainer(model, new SGD(model.params, { lr: 0.1 }), { loss: 'mse' });
      // The initial states of every chunk, from a stateful pass at θ0.
      const initial: Array<Float64Array[] | null> = [];
      let states: RecurrentState[] | null = null;
      const temps: Tensor[] = [];
      for (const [c, { t0, len }] of chunks(T, k).entries()) {
        initial.push(states && (await readStates(cpu, states)));
        const xc = cpu.tensor(chunkOf(x, T, I, [0, 1], t0, len), [len, B, I]);
        temps.push(xc);
        states = model.forward(xc, { states, resetRows: resets[c] }).states;
      }
      // The truncated gradient: each chunk backpropagated alone (states in as constants), accumulated.
      model.zeroGrad();
      truncatedObjective(trainer, initial, resets, true);
      const truncated = await cpu.read(model.params.grads);
      // Finite differences of the same objective, its chunks' initial states held at their θ0 values.
      const theta = await cpu.read(model.params.values);
      const fd = new Float64Array(theta.length);
      for (let i = 0; i < theta.length; i++) {
        const at = (delta: number) => {
          const moved = theta.slice();
          moved[i] += delta;
          cpu.write(model.params.values, moved);
          return truncatedObjective(trainer, initial, resets, false);
        };
        fd[i] = (at(EPS) - at(-EPS)) / (2 * EPS);
      }
      cpu.write(model.params.values, theta);
      expectClose(truncated, fd, { ...FD_TOL, label: 'truncated gradient vs finite differences' });
      // Full BPTT over the whole sequence (no resets) is another gradient: the test can tell them apart.
      if (resets.every((r) => r.length === 0)) {
        model.zeroGrad();
        const whole = cpu.tensor(chunkOf(x, T, I, [0, 1], 0, T), [T, B, I]);
        const target = cpu.tensor(chunkOf(y, T, O, [0, 1], 0, T), [T, B, O]);
        const { loss, grad } = trainer.lossOf(model.forward(whole), target);
        model.backward(grad);
        const full = await cpu.read(model.params.grads);
        expect(
          compareArrays(truncated, full, { atol: 1e-3, rtol: 0 }),
          'truncated and full gradients differ',
        ).not.toBeNull();
        for (const t of [whole, target, loss, grad]) t.release();
      }
      for (const t of temps) t.release();
      trainer.release();
      trainer.optimizer.release();
      model.release();
    },
  );
});

describe('fit with tbptt', () => {
  const [N, T, k] = [5, 8, 3];
  const rng = seeded(21);
  const xs = Float32Array.from(rng.uniformArray(N * T * I));
  const ys = Float32Array.from(rng.uniformArray(N * T * O)); // exact in f32, so the WebGPU comparison starts from the same values
  // Rows 1 and 3 begin new sequences at chunk starts (packed streams); 1s at t = 0 change nothing.
  const starts = new Float64Array(N * T);
  starts[1 * T + 3] = starts[3 * T + 6] = starts[0] = 1;

  function build(be: Backend) {
    const model = new Sequential(be, layers(), { seed: 7 });
    const trainer = new Trainer(model, new SGD(model.params, { lr: 0.05, momentum: 0.9 }), {
      loss: 'mse',
      clip: { maxNorm: 1 },
    });
    return {
      trainer,
      release() {
        trainer.release();
        trainer.optimizer.release();
        model.release();
      },
    };
  }

  it.each(backends)(
    '%s: the weights and epoch losses of a hand-written loop of stateful step() calls, bit for bit',
    async (_, backend) => {
      const be = backend();
      const batchSize = 2;
      const fitted = build(be);
      const history = await fitted.trainer.fit(
        { data: xs, shape: [N, T, I] },
        { data: ys, shape: [N, T, O] },
        { epochs: 2, batchSize, shuffle: false, tbptt: { chunk: k, starts: { data: starts, shape: [N, T] } } },
      );
      const hand = build(be);
      const epochLosses: number[] = [];
      for (let epoch = 0; epoch < 2; epoch++) {
        let sum = 0;
        for (let start = 0; start < N; start += batchSize) {
          const rows = Array.from({ length: Math.min(batchSize, N - start) }, (_, b) => start + b);
          let states: RecurrentState[] | null = null;
          for (const { t0, len } of chunks(T, k)) {
            const xb = be.tensor(chunkOf(xs, T, I, rows, t0, len), [len, rows.length, I]);
            const yb = be.tensor(chunkOf(ys, T, O, rows, t0, len), [len, rows.length, O]);
            const resetRows = rows.flatMap((n, b) => (t0 > 0 && starts[n * T + t0] === 1 ? [b] : []));
            const r: StatefulStepResult = await hand.trainer.step(xb, yb, { states, resetRows });
            states = r.states;
            sum += (r.loss * rows.length * len) / T;
            xb.release();
            yb.release();
          }
        }
        epochLosses.push(sum / N);
      }
      expect(await be.read(fitted.trainer.model.params.values)).toEqual(
        await be.read(hand.trainer.model.params.values),
      );
      history.epochLosses.forEach((l, e) => expect(l).toBeCloseTo(epochLosses[e], 12));
      fitted.release();
      hand.release();
    },
  );

  it.each(backends)(
    '%s: with k = T (and k > T) it is full BPTT: the weights of fit without tbptt',
    async (_, backend) => {
      const be = backend();
      const weights: Float64Array[] = [];
      for (const tbptt of [undefined, { chunk: T }, { chunk: T + 5 }]) {
        const m = build(be);
        await m.trainer.fit({ data: xs, shape: [N, T, I] }, ys, { epochs: 2, batchSize: 2, seed: 3, tbptt });
        weights.push(await be.read(m.trainer.model.params.values));
        m.release();
      }
      // The same kernels in the same order: equal bit for bit on both backends (stricter than f32 tolerance).
      expect(weights[1]).toEqual(weights[0]);
      expect(weights[2]).toEqual(weights[1]);
      // A smaller k trains differently (the gradient is truncated).
      const m = build(be);
      await m.trainer.fit({ data: xs, shape: [N, T, I] }, ys, {
        epochs: 2,
        batchSize: 2,
        seed: 3,
        tbptt: { chunk: k },
      });
      expect(
        compareArrays(await be.read(m.trainer.model.params.values), weights[0], { atol: 1e-4, rtol: 0 }),
      ).not.toBeNull();
      m.release();
    },
  );

  it('no buffer, uniform or pipeline is created per chunk after the first ones; live tensors do not grow (counters, a fresh device)', async () => {
    const g = (await createContext({ backend: 'webgpu' })) as WebGpuBackend; // a cold pool: earlier tests' buffers would hide allocations
    const [n, t, chunk] = [4, 12, 3]; // 2 batches × 4 chunks
    const m = build(g);
    const created: string[] = [];
    const live: number[] = [];
    const data = seeded(4);
    await m.trainer.fit({ data: data.uniformArray(n * t * I), shape: [n, t, I] }, data.uniformArray(n * t * O), {
      epochs: 2,
      batchSize: 2,
      tbptt: { chunk, starts: { data: Array.from({ length: n * t }, (_, i) => (i % t === 6 ? 1 : 0)), shape: [n, t] } },
      onStep: () => {
        created.push(
          JSON.stringify({
            pipelines: g.counters().pipelinesCreated,
            buffers: g.poolStats().created,
            uniforms: g.registry.created.uniforms,
          }),
        );
        live.push(g.liveTensors());
      },
    });
    m.release();
    g.destroy();
    expect(created.length).toBe(16);
    // Each kind of chunk allocates the first time it comes — the first chunk (no states), the first with
    // carried states, the first with a reset row (chunk 3) — and from then on nothing is created.
    expect(created.slice(2)).toEqual(Array(14).fill(created[2]));
    // Live tensors depend on the chunk's place in its batch (the first has no states; a reset copies the
    // RNN's states instead of reading them in place) and repeat batch after batch.
    const perBatch = t / chunk;
    expect(live.slice(perBatch)).toEqual(live.slice(0, -perBatch));
  });
});

describe('refusals', () => {
  it('tbptt where it has no meaning, and bad starts, name the argument; nothing is trained', async () => {
    const model = new Sequential(cpu, layers(), { seed: 1 });
    const trainer = new Trainer(model, new SGD(model.params, { lr: 0.1 }), { loss: 'mse' });
    const before = await cpu.read(model.params.values);
    const x = { data: new Float64Array(2 * 6 * I), shape: [2, 6, I] };
    const y = new Float64Array(2 * 6 * O);
    const fit = (tbptt: object) => trainer.fit(x, y, { epochs: 1, batchSize: 2, tbptt: tbptt as { chunk: number } });
    await expect(fit({ chunk: 0 })).rejects.toThrow(/tbptt.chunk: expected a positive integer, got 0/);
    await expect(fit({ chunk: 3, starts: { data: new Float64Array(12), shape: [6, 2] } })).rejects.toThrow(
      /tbptt.starts: expected \[2, 6\] \(0 or 1 per sample and step\), got \[6, 2\]/,
    );
    const misplaced = new Float64Array(12);
    misplaced[6 + 4] = 1;
    await expect(fit({ chunk: 3, starts: misplaced })).rejects.toThrow(
      /tbptt.starts\[1, 4\]: expected 0: a sequence may start only at a chunk's first step \(a multiple of 3\), got 1/,
    );
    misplaced[6 + 4] = 0.5;
    await expect(fit({ chunk: 3, starts: misplaced })).rejects.toThrow(
      /tbptt.starts\[1, 4\]: expected 0 or 1, got 0.5/,
    );
    expect(await cpu.read(model.params.values)).toEqual(before);
    trainer.release();
    trainer.optimizer.release();
    model.release();

    for (const [what, ls, pattern] of [
      [
        'per-sequence outputs',
        [new LSTM({ inputSize: I, hiddenSize: 3 }), new LastStep(), new Linear(3, O)],
        /tbptt: expected a model with outputs per step/,
      ],
      [
        'a bidirectional layer',
        [new RNN({ inputSize: I, hiddenSize: 3, bidirectional: true }), new Linear(6, O)],
        /tbptt: expected unidirectional recurrent layers .*, got a bidirectional RNN/,
      ],
    ] as const) {
      const m = new Sequential(cpu, [...ls], { seed: 1 });
      const t = new Trainer(m, new SGD(m.params, { lr: 0.1 }), { loss: 'mse' });
      const targets = what === 'per-sequence outputs' ? new Float64Array(2 * O) : y;
      await expect(t.fit(x, targets, { epochs: 1, batchSize: 2, tbptt: { chunk: 3 } }), what).rejects.toThrow(pattern);
      t.release();
      t.optimizer.release();
      m.release();
    }
  });

  it('bad states or reset rows are typed errors before any work: the step changes nothing', async () => {
    const model = new Sequential(cpu, layers(), { seed: 1 });
    const trainer = new Trainer(model, new SGD(model.params, { lr: 0.1 }), { loss: 'mse' });
    const [B, T] = [2, 4];
    const x = cpu.zeros([T, B, I]);
    const y = cpu.zeros([T, B, O]);
    const quiet = await trainer.step(x, y, { states: null, read: false }); // no readback: the states alone
    expect(Object.keys(quiet)).toEqual(['states']);
    const { states } = await trainer.step(x, y, { states: quiet.states });
    const before = await cpu.read(model.params.values);
    const [lstm, rnn] = states;
    const odd = cpu.zeros([1, B, 3]);
    const cases: Array<[unknown, RegExp]> = [
      [
        { states: [lstm] },
        /states: expected null or 2 entries \(one per recurrent layer, in layer order\), got 1 entries/,
      ],
      [{ states: [rnn, lstm] }, /states\[0\].h: expected shape \[2, 2, 3\], got shape \[1, 2, 4\]/],
      [
        { states: [{ h: lstm.h }, rnn] },
        /states\[0\].c: expected a tensor \[2, 2, 3\] \(an LSTM's cell state\), got none/,
      ],
      [
        { states: [lstm, { h: rnn.h, c: rnn.h }] },
        /states\[1\].c: expected none \(an RNN has no cell state\), got a tensor/,
      ],
      [{ states: [{ h: lstm.h, c: odd }, rnn] }, /states\[0\].c: expected shape \[2, 2, 3\], got shape \[1, 2, 3\]/],
      [{ states: null, resetRows: [2] }, /resetRows\[0\]: expected a batch row in \[0, 2\), got 2/],
      [{ states: null, resetRows: [1, 1] }, /resetRows\[1\]: expected a row not listed before, got 1/],
    ];
    for (const [options, pattern] of cases)
      await expect(trainer.step(x, y, options as { states: null })).rejects.toThrow(pattern);
    expect(await cpu.read(model.params.values)).toEqual(before);
    const net = mlp(cpu, [I, O]);
    const rows = cpu.zeros([B, I]);
    const wide = cpu.zeros([T, B, I + 1]);
    expect(() => net.forward(rows, { states: null })).toThrow(/states: expected a model with a recurrent layer/);
    expect(() => model.forward(wide, { states: [lstm, rnn] })).toThrow(ShapeError); // the input's shape first
    net.release();
    for (const t of [x, y, odd, rows, wide]) t.release();
    trainer.release();
    trainer.optimizer.release();
    model.release();
  });
});
