// Generation (src/generate.ts, Sequential.generate): tokens sampled on the GPU feed the next step's
// Embedding without a host round trip; readbacks per token counted; the same tokens on the CPU backend;
// a trained tiny model reproduces its pattern greedily; refusals before any work.
import { describe, expect, it } from 'vitest';
import {
  Adam,
  Dropout,
  Embedding,
  GRU,
  LSTM,
  LastStep,
  Linear,
  RNN,
  Sequential,
  ShapeError,
  Trainer,
  ValueError,
  type Backend,
  type Layer,
} from '../src/index.js';
import { expectClose, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();

/** Embedding(V, 4) → LSTM(4, 8) → Linear(8, V), seeded; on the CPU with the GPU model's weights when `from` is given. */
function charModel(be: Backend, V: number, options: { batchFirst?: boolean; extra?: Layer[] } = {}): Sequential {
  const layers: Layer[] = [
    new Embedding(V, 4),
    new LSTM({ inputSize: 4, hiddenSize: 8, batchFirst: options.batchFirst }),
    ...(options.extra ?? []),
    new Linear(8, V),
  ];
  return new Sequential(be, layers, { seed: 7 });
}

const PROMPT = [
  [1, 2, 3, 4],
  [0, 0, 5, 10],
  [9, 8, 7, 6],
];

describe('generate', () => {
  it('one readback for all tokens by default, one per readEvery tokens otherwise; one upload (the prompt)', async () => {
    const g = gpu();
    const model = charModel(g, 11);
    await g.sync();
    g.resetCounters();
    const all = await model.generate({ prompt: PROMPT, steps: 10, seed: 1, probabilities: true });
    expect(g.counters()).toMatchObject({ readbacks: 1, submits: 1, uploads: 1 });
    expect(all.tokens.map((r) => r.length)).toEqual([10, 10, 10]);
    expect(all.probabilities!.map((r) => r.length)).toEqual([10, 10, 10]);
    g.resetCounters();
    const chunks: number[] = [];
    const streamed = await model.generate({
      prompt: PROMPT,
      steps: 10,
      seed: 1,
      readEvery: 3,
      onTokens: (c) => void chunks.push(c.from, c.tokens[0].length),
    });
    expect(g.counters()).toMatchObject({ readbacks: 4, uploads: 1 });
    expect(chunks).toEqual([0, 3, 3, 3, 6, 3, 9, 1]);
    expect(streamed.tokens).toEqual(all.tokens);
    expect(streamed.probabilities).toBeUndefined();
    model.release();
  });

  it('dispatches per token: one model step on [1, B] ids plus one sample', async () => {
    const g = gpu();
    const model = charModel(g, 11);
    const count = async (steps: number) => {
      await g.sync();
      g.resetCounters();
      await model.generate({ prompt: PROMPT, steps, seed: 2 });
      return g.counters().dispatches;
    };
    const perToken = (await count(9)) - (await count(8));
    const ids = g.tensor([1, 2, 3], [1, 3]);
    await g.sync();
    g.resetCounters();
    model.inMode(false, () => model.forward(ids, { states: null }));
    const step = g.counters().dispatches;
    expect(perToken).toBe(step + 1);
    expect(await count(20)).toBe((await count(10)) + 10 * perToken);
    ids.release();
    model.release();
  });

  it.each([false, true])(
    'the same tokens and probabilities on the GPU and the CPU for the same seed (batchFirst %s)',
    async (batchFirst) => {
      const V = 13;
      const g = charModel(gpu(), V, { batchFirst });
      const c = charModel(cpu, V, { batchFirst });
      for (const options of [{ temperature: 1 }, { temperature: 0.7, topK: 4 }, { temperature: 0 }]) {
        const run = (m: Sequential) =>
          m.generate({
            prompt: PROMPT.map((p) => p.map((v) => v % V)),
            steps: 24,
            seed: 5,
            probabilities: true,
            ...options,
          });
        const [a, b] = [await run(g), await run(c)];
        expect(a.tokens, JSON.stringify(options)).toEqual(b.tokens);
        expectClose(a.probabilities!.flat(), b.probabilities!.flat(), {
          atol: 1e-5,
          rtol: 1e-4,
          label: `probabilities ${JSON.stringify(options)}`,
        });
      }
      const again = await g.generate({ prompt: PROMPT, steps: 24, seed: 5 });
      const other = await g.generate({ prompt: PROMPT, steps: 24, seed: 6 });
      expect(again.tokens).toEqual((await c.generate({ prompt: PROMPT, steps: 24, seed: 5 })).tokens);
      expect(other.tokens).not.toEqual(again.tokens);
      g.release();
      c.release();
    },
  );

  it('a tiny GRU trained on a pattern that needs memory (0 1 0 2 …) continues it greedily', async () => {
    const g = gpu();
    const pattern = (i: number) => [0, 1, 0, 2][i % 4];
    const [N, T] = [8, 12];
    const x = Array.from({ length: N * T }, (_, i) => pattern(Math.floor(i / T) + (i % T)));
    const y = Array.from({ length: N * T }, (_, i) => pattern(Math.floor(i / T) + (i % T) + 1));
    const model = new Sequential(
      g,
      [new Embedding(3, 4), new GRU({ inputSize: 4, hiddenSize: 16 }), new Linear(16, 3)],
      { seed: 3 },
    );
    const trainer = new Trainer(model, new Adam(model.params, { lr: 0.05 }), { loss: 'crossEntropy' });
    const h = await trainer.fit({ data: x, shape: [N, T] }, { data: y, shape: [N, T] }, { epochs: 40, batchSize: 8 });
    expect(h.epochLosses.at(-1)!).toBeLessThan(0.05);
    const out = await model.generate({
      prompt: [
        [0, 1, 0],
        [1, 0, 2],
      ],
      steps: 16,
      temperature: 0,
      probabilities: true,
    });
    expect(out.tokens[0]).toEqual(Array.from({ length: 16 }, (_, k) => pattern(3 + k)));
    expect(out.tokens[1]).toEqual(Array.from({ length: 16 }, (_, k) => pattern(4 + k)));
    expect(Math.min(...out.probabilities!.flat())).toBeGreaterThan(0.8);
    trainer.release();
    trainer.optimizer.release();
    model.release();
  });

  it('a long generation (150 000 tokens, read back at once) returns every token (CPU)', async () => {
    const model = new Sequential(
      cpu,
      [new Embedding(10, 4), new GRU({ inputSize: 4, hiddenSize: 4 }), new Linear(4, 10)],
      {
        seed: 3,
      },
    );
    const steps = 150_000;
    const r = await model.generate({ prompt: [[1]], steps, probabilities: true });
    expect(r.tokens[0]).toHaveLength(steps);
    expect(r.probabilities![0]).toHaveLength(steps);
    expect(r.tokens[0].every((id) => Number.isInteger(id) && id >= 0 && id < 10)).toBe(true);
    model.release();
  });

  it('runs in evaluation mode and gives the mode back; a model without recurrent layers or ending in LastStep works', async () => {
    const g = gpu();
    const V = 6;
    const withDropout = charModel(g, V, { extra: [new Dropout(0.5)] });
    const a = await withDropout.generate({ prompt: [[1, 2]], steps: 8, temperature: 0 });
    expect(withDropout.training).toBe(true);
    withDropout.eval();
    expect(await withDropout.generate({ prompt: [[1, 2]], steps: 8, temperature: 0 })).toEqual(a);
    expect(withDropout.training).toBe(false);
    withDropout.release();
    const bigram = new Sequential(g, [new Embedding(V, 3), new Linear(3, V)], { seed: 1 });
    const bigramCpu = new Sequential(cpu, [new Embedding(V, 3), new Linear(3, V)], { seed: 1 });
    const b = await bigram.generate({ prompt: [[0], [5]], steps: 6, seed: 3 });
    expect(b.tokens).toEqual((await bigramCpu.generate({ prompt: [[0], [5]], steps: 6, seed: 3 })).tokens);
    const lastStep = new Sequential(
      g,
      [new Embedding(V, 3), new RNN({ inputSize: 3, hiddenSize: 5 }), new LastStep(), new Linear(5, V)],
      { seed: 2 },
    );
    const lastStepCpu = new Sequential(
      cpu,
      [new Embedding(V, 3), new RNN({ inputSize: 3, hiddenSize: 5 }), new LastStep(), new Linear(5, V)],
      { seed: 2 },
    );
    const c = await lastStep.generate({ prompt: [[1, 2, 3]], steps: 6, seed: 4 });
    expect(c.tokens).toEqual((await lastStepCpu.generate({ prompt: [[1, 2, 3]], steps: 6, seed: 4 })).tokens);
    for (const m of [bigram, bigramCpu, lastStep, lastStepCpu]) m.release();
  });

  it('refuses what it cannot do before any GPU work, naming the argument', async () => {
    const g = gpu();
    const model = charModel(g, 11);
    const refused = async (options: object, what: RegExp, type: typeof ValueError | typeof ShapeError = ValueError) => {
      const before = g.counters();
      const err = await model.generate(options as never).catch((e) => e);
      expect(err, JSON.stringify(options)).toBeInstanceOf(type);
      expect(err.message).toMatch(what);
      expect(g.counters()).toEqual(before);
    };
    await refused({ prompt: [[1, 2], [3]], steps: 2 }, /prompt\[1\]/, ShapeError);
    await refused(
      {
        prompt: [
          [1, 2],
          [3, 11],
        ],
        steps: 2,
      },
      /prompt\[1\]\[1\]/,
    );
    await refused({ prompt: [[1, 0.5]], steps: 2 }, /prompt\[0\]\[1\]/);
    await refused({ prompt: [], steps: 2 }, /prompt/);
    await refused({ prompt: [[1]], steps: 0 }, /steps/);
    await refused({ prompt: [[1]], steps: 2, temperature: -1 }, /temperature/);
    await refused({ prompt: [[1]], steps: 2, topK: 12 }, /topK/);
    await refused({ prompt: [[1]], steps: 2, readEvery: 0 }, /readEvery/);
    await refused({ prompt: [[1]], steps: 2, top_k: 3 }, /top_k/);
    const features = new Sequential(g, [new LSTM({ inputSize: 2, hiddenSize: 3 }), new Linear(3, 2)]);
    await expect(features.generate({ prompt: [[1]], steps: 1 })).rejects.toThrow(/Embedding/);
    const bidir = new Sequential(g, [
      new Embedding(4, 2),
      new GRU({ inputSize: 2, hiddenSize: 3, bidirectional: true }),
      new Linear(6, 4),
    ]);
    await expect(bidir.generate({ prompt: [[1]], steps: 1 })).rejects.toThrow(/bidirectional/);
    const wrongOut = new Sequential(g, [
      new Embedding(4, 2),
      new GRU({ inputSize: 2, hiddenSize: 3 }),
      new Linear(3, 5),
    ]);
    await expect(wrongOut.generate({ prompt: [[1]], steps: 1 })).rejects.toThrow(ShapeError);
    for (const m of [model, features, bidir, wrongOut]) m.release();
  });
  it.each(['webgpu', 'cpu'] as const)(
    'names steps and its limit past what one tensor holds, and refuses no options by name (%s)',
    async (kind) => {
      const be = kind === 'webgpu' ? gpu() : cpu;
      const model = charModel(be, 11);
      const before = be.liveTensors();
      const B = 3;
      const limit = Math.floor(be.maxTensorElements / B);
      const err = await model.generate({ prompt: PROMPT, steps: 1e9 }).catch((e) => e);
      expect(err).toBeInstanceOf(ShapeError);
      expect(err.message).toBe(
        `steps: expected at most ${limit} for ${B} prompts (steps × prompts ≤ ${be.maxTensorElements}, the backend's maxTensorElements), got 1000000000`,
      );
      for (const none of [undefined, null, 5]) {
        const e = await model.generate(none as never).catch((e) => e);
        expect(e).toBeInstanceOf(ValueError);
        expect(e.message).toMatch(/^options: expected \{ prompt, steps, … \}, got /);
      }
      expect(be.liveTensors()).toBe(before);
      model.release();
    },
  );
});
