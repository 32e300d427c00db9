// Seq2Seq beyond PyTorch parity: f64 finite-difference gradients, GPU vs CPU on awkward sizes, the one-step
// decoding entry point against the teacher-forced forward, bad input refused before any work.
import { describe, expect, it } from 'vitest';
import {
  Adam,
  Seq2Seq,
  Trainer,
  ValueError,
  type Backend,
  type Seq2SeqBatch,
  type Seq2SeqOptions,
} from '../src/index.js';
import { expectClose, useGpu } from './helpers.js';
import { batch, configs, lossOf } from './seq2seq_cases.js';

const { gpu, cpu } = useGpu();

describe('Seq2Seq gradients by f64 finite differences (CPU)', () => {
  for (const [name, options] of configs) {
    it(name, async () => {
      const model = new Seq2Seq(cpu, { ...options, seed: 3 });
      const data = batch(3, 4, 2, options.sourceVocab, options.targetVocab, 7);
      model.zeroGrad();
      model.lossAndBackward(data).release();
      const grads = await model.gradDict();
      const dict = await model.stateDict();
      const eps = 1e-6;
      for (const key of Object.keys(dict)) {
        const base = Float64Array.from(dict[key].data);
        for (let i = 0; i < base.length; i += Math.max(1, Math.floor(base.length / 4))) {
          const at = (v: number) => {
            const data2 = Float64Array.from(base);
            data2[i] = v;
            model.loadStateDict({ [key]: { shape: dict[key].shape, data: data2 } }, { strict: false });
          };
          at(base[i] + eps);
          const up = await lossOf(model, data);
          at(base[i] - eps);
          const down = await lossOf(model, data);
          at(base[i]);
          expectClose([grads[key].data[i]], [(up - down) / (2 * eps)], { atol: 1e-7, rtol: 1e-6 });
        }
      }
      model.release();
    });
  }
});

describe('Seq2Seq GPU vs CPU on awkward sizes', () => {
  const cases: Array<[string, number, number, number, Seq2SeqOptions]> = [
    ['T_src 1', 1, 4, 3, configs[0][1]],
    ['T_dec 1 (T_tgt 2)', 5, 2, 3, configs[1][1]],
    [
      'odd H, stacked GRU encoder under a 1-layer LSTM decoder',
      4,
      3,
      5,
      {
        sourceVocab: 7,
        sourceEmbedding: 3,
        targetVocab: 9,
        targetEmbedding: 5,
        encoder: { cell: 'gru', hiddenSize: 7, bidirectional: true, numLayers: 3 },
        decoder: { cell: 'lstm', hiddenSize: 5 },
        attention: { score: 'general' },
        inputFeeding: true,
      },
    ],
    [
      'no bridge: a 2-layer LSTM decoder from the top of a 3-layer LSTM encoder, h and c carried',
      3,
      4,
      3,
      {
        sourceVocab: 6,
        sourceEmbedding: 3,
        targetVocab: 5,
        targetEmbedding: 3,
        encoder: { cell: 'lstm', hiddenSize: 5, numLayers: 3 },
        decoder: { cell: 'lstm', hiddenSize: 5, numLayers: 2 },
        attention: { score: 'additive', units: 3 },
        inputFeeding: true,
      },
    ],
    ['without attention, T_src 1', 1, 4, 3, configs[4][1]],
    ['without attention, T_dec 1 (T_tgt 2)', 5, 2, 3, configs[5][1]],
    [
      'without attention: odd H, stacked bidirectional GRU encoder under a 2-layer LSTM decoder, input feeding',
      4,
      5,
      5,
      {
        sourceVocab: 7,
        sourceEmbedding: 3,
        targetVocab: 9,
        targetEmbedding: 5,
        encoder: { cell: 'gru', hiddenSize: 7, bidirectional: true, numLayers: 3 },
        decoder: { cell: 'lstm', hiddenSize: 5, numLayers: 2 },
        attention: null,
        inputFeeding: true,
      },
    ],
  ];
  for (const [name, S, T, B, options] of cases) {
    it(name, async () => {
      const data = batch(S, T, B, options.sourceVocab, options.targetVocab, 11);
      const run = async (be: Backend) => {
        const model = new Seq2Seq(be, { ...options, seed: 5 });
        const loss = model.lossAndBackward(data);
        const { weights } = model.forward(data);
        expect(weights === null).toBe(options.attention === null);
        const [[l], alpha] = await be.readMany(weights ? [loss, weights] : [loss]);
        loss.release();
        const g = await model.gradDict();
        model.release();
        return { l, alpha, g };
      };
      const [c, w] = [await run(cpu), await run(gpu())];
      expectClose([w.l], [c.l], { atol: 1e-5, rtol: 1e-5 });
      if (c.alpha) expectClose(w.alpha, c.alpha, { atol: 1e-6, rtol: 1e-5 });
      for (const k of Object.keys(c.g)) expectClose(w.g[k].data, c.g[k].data, { atol: 2e-5, rtol: 1e-4 });
    });
  }
});

describe('Seq2Seq one-step decoding', () => {
  it('encode after a forward: backward asks for a new forward', () => {
    const model = new Seq2Seq(cpu, configs[0][1]);
    const data = batch(3, 4, 2, 5, 4, 1);
    const { logits } = model.forward(data);
    model.encode(data.source, data.sourceLengths).release();
    expect(() => model.backward(logits)).toThrow(/a forward\(\) first/);
    model.release();
  });
  for (const [name, options] of configs)
    for (const where of ['cpu', 'gpu'] as const)
      it(`step by step equals the teacher-forced forward (${where}): ${name}`, async () => {
        const be: Backend = where === 'cpu' ? cpu : gpu();
        const tol = where === 'cpu' ? { atol: 1e-12, rtol: 1e-12 } : { atol: 1e-6, rtol: 1e-5 };
        const model = new Seq2Seq(be, { ...options, seed: 2 });
        const B = 2;
        const data = batch(3, 5, B, options.sourceVocab, options.targetVocab, 5);
        const { logits, weights } = model.forward(data);
        const [expected, expectedAlpha] = await be.readMany(weights ? [logits, weights] : [logits]);
        const encoded = model.encode(data.source, data.sourceLengths);
        let state = encoded.state;
        const T = 4;
        for (let t = 0; t < T; t++) {
          const tokens = be.tensor(Array.from(data.target).slice(t * B, (t + 1) * B), [B]);
          const step = model.decodeStep(encoded, tokens, state);
          expect(step.weights === null).toBe(options.attention === null);
          const [l, lp, a] = await be.readMany([step.logits, step.logProbs, ...(step.weights ? [step.weights] : [])]);
          const V = options.targetVocab;
          for (let b = 0; b < B; b++) {
            const row = l.subarray(b * V, (b + 1) * V);
            const lse = Math.log(row.reduce((acc, v) => acc + Math.exp(v), 0));
            expectClose(
              lp.subarray(b * V, (b + 1) * V),
              Array.from(row, (v) => v - lse),
              tol,
            );
          }
          expectClose(l, expected.subarray(t * B * options.targetVocab, (t + 1) * B * options.targetVocab), tol);
          if (a)
            for (let b = 0; b < B; b++)
              expectClose(
                a.subarray(b * 3, b * 3 + 3),
                expectedAlpha.subarray((b * T + t) * 3, (b * T + t) * 3 + 3),
                tol,
              );
          if (state !== encoded.state) state.release();
          state = step.state;
          tokens.release();
          step.logits.release();
          step.logProbs.release();
          step.weights?.release();
        }
        state.release();
        encoded.release();
        model.release();
      });
});

describe('Seq2Seq structure (GPU)', () => {
  it('a Trainer step on pairs reads back once; a teacher-forced forward reads nothing back', async () => {
    const be = gpu();
    const options = configs[0][1];
    const model = new Seq2Seq(be, options);
    const opt = new Adam(model.params, { lr: 0.01 });
    const trainer = new Trainer(model, opt, { loss: 'crossEntropy' });
    const data = batch(3, 4, 2, options.sourceVocab, options.targetVocab, 3);
    await trainer.step(data); // first use: identity matrices and pipelines
    be.resetCounters();
    model.forward(data);
    be.flush();
    expect(be.counters().readbacks).toBe(0);
    be.resetCounters();
    const r = await trainer.step(data);
    expect(be.counters().readbacks).toBe(1);
    expect(Number.isFinite(r.loss)).toBe(true);
    trainer.release();
    opt.release();
    model.release();
  });
});

describe('Seq2Seq bad input', () => {
  const options = configs[0][1];
  const good = batch(3, 4, 2, options.sourceVocab, options.targetVocab, 1);
  const bad: Array<[string, Partial<Seq2SeqBatch>]> = [
    ['source[1]', { source: [0, 5, 0, 0, 0, 0] }],
    ['source[0]', { source: [-1, 0, 0, 0, 0, 0] }],
    ['target[3]', { target: [0, 0, 0, 4.5, 0, 0, 0, 0] }],
    ['sourceLengths', { sourceLengths: [0, 3] }],
    ['sourceLengths', { sourceLengths: [3, 4] }],
    ['targetLengths', { targetLengths: [5, 1] }],
    ['targetLengths', { targetLengths: [4] }],
    ['target', { target: [0, 0] }],
  ];
  for (const [argument, change] of bad) {
    it(`${argument}: ${JSON.stringify(change)} refused before any GPU work, model unchanged`, async () => {
      const be = gpu();
      const model = new Seq2Seq(be, options);
      const before = await model.stateDict();
      be.resetCounters();
      expect(() => model.forward({ ...good, ...change })).toThrow(ValueError);
      try {
        model.forward({ ...good, ...change });
      } catch (e) {
        expect((e as Error).message).toContain(argument);
      }
      expect(be.counters().dispatches).toBe(0);
      expect(be.counters().uploads).toBe(0);
      const after = await model.stateDict();
      for (const k of Object.keys(before)) expect(after[k].data).toEqual(before[k].data);
      model.release();
    });
  }
  it('encode refuses source ids and lengths the same way', () => {
    const model = new Seq2Seq(cpu, options);
    expect(() => model.encode([0, 9, 0, 0, 0, 0], [3, 3])).toThrow(/source\[1\]/);
    expect(() => model.encode([0, 0, 0, 0, 0, 0], [0, 3])).toThrow(/sourceLengths/);
    model.release();
  });
  it('options: dot with mismatched sizes, more decoder layers than encoder layers', () => {
    expect(() => new Seq2Seq(cpu, { ...options, attention: { score: 'dot' } })).toThrow(/decoder.hiddenSize/);
    expect(() => new Seq2Seq(cpu, { ...options, decoder: { cell: 'gru', hiddenSize: 3, numLayers: 3 } })).toThrow(
      /decoder.numLayers/,
    );
  });
});

describe('Seq2Seq scheduled sampling', () => {
  for (const where of ['cpu', 'gpu'] as const)
    for (const [name, options] of [configs[0], configs[1]])
      it(`samplingProbability 1 feeds the greedy tokens: equals a greedy step-by-step decode (${where}): ${name}`, async () => {
        const be: Backend = where === 'cpu' ? cpu : gpu();
        const tol = where === 'cpu' ? { atol: 1e-12, rtol: 1e-12 } : { atol: 1e-6, rtol: 1e-5 };
        const model = new Seq2Seq(be, { ...options, seed: 4 });
        const [B, T, V] = [3, 5, options.targetVocab];
        const data = batch(3, T + 1, B, options.sourceVocab, V, 8);
        const [expected] = await be.readMany([model.forward(data, { samplingProbability: 1 }).logits]);
        const encoded = model.encode(data.source, data.sourceLengths);
        let state = encoded.state;
        let tokens = Array.from(data.target).slice(0, B);
        for (let t = 0; t < T; t++) {
          const ids = be.tensor(tokens, [B]);
          const step = model.decodeStep(encoded, ids, state);
          const [l] = await be.readMany([step.logits]);
          expectClose(l, expected.subarray(t * B * V, (t + 1) * B * V), tol);
          tokens = Array.from({ length: B }, (_, b) => {
            let best = 0;
            for (let v = 1; v < V; v++) if (l[b * V + v] > l[b * V + best]) best = v;
            return best;
          });
          if (state !== encoded.state) state.release();
          state = step.state;
          ids.release();
          step.logits.release();
          step.logProbs.release();
          step.weights?.release();
        }
        state.release();
        encoded.release();
        model.release();
      });

  it('gradients with samplingProbability 1 by f64 finite differences (the fed tokens are constants)', async () => {
    const options = configs[0][1];
    const data = batch(3, 4, 2, options.sourceVocab, options.targetVocab, 9);
    const lossAt = async (dict?: Record<string, { shape: readonly number[]; data: Float64Array }>) => {
      const m = new Seq2Seq(cpu, { ...options, seed: 3 }); // the same sampling draws every time
      if (dict) m.loadStateDict(dict, { strict: false });
      const { logits, labels } = m.forward(data, { samplingProbability: 1 });
      const { loss, grad } = cpu.crossEntropy(logits, labels, 'mean', { ignoreIndex: -1 });
      m.backward(grad);
      const [[v]] = await cpu.readMany([loss]);
      loss.release();
      grad.release();
      const grads = await m.gradDict();
      const state = await m.stateDict();
      m.release();
      return { v, grads, state };
    };
    const base = await lossAt();
    const eps = 1e-6;
    for (const key of ['targetEmbedding.weight', 'decoder.weight_hh_l0', 'output.weight', 'encoder.weight_ih_l0']) {
      const data0 = Float64Array.from(base.state[key].data);
      for (let i = 0; i < data0.length; i += Math.max(1, Math.floor(data0.length / 3))) {
        const at = async (v: number) => {
          const d = Float64Array.from(data0);
          d[i] = v;
          return (await lossAt({ [key]: { shape: base.state[key].shape, data: d } })).v;
        };
        const fd = ((await at(data0[i] + eps)) - (await at(data0[i] - eps))) / (2 * eps);
        expectClose([base.grads[key].data[i]], [fd], { atol: 1e-7, rtol: 1e-6 });
      }
    }
  });

  it('samplingProbability outside [0, 1] is refused before any work', () => {
    const model = new Seq2Seq(cpu, configs[0][1]);
    const data = batch(3, 4, 2, 5, 4, 1);
    expect(() => model.forward(data, { samplingProbability: 1.5 })).toThrow(/samplingProbability/);
    model.release();
  });
});
