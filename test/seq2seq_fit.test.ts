// Teacher-forced training of Seq2Seq through fitTeacherForced: a tiny learning task (reversing a sequence of
// 3–5 symbols) on the CPU backend reaches a stated token accuracy; validation, early stopping with
// restored weights, clipping; bad data refused before any step.
import { describe, expect, it } from 'vitest';
import {
  Adam,
  CpuBackend,
  ModelBusyError,
  Seq2Seq,
  StepLR,
  Trainer,
  ValueError,
  evaluateTeacherForced,
  fitTeacherForced,
} from '../src/index.js';
import type { ReadStateDict, Seq2SeqData } from '../src/index.js';

const [PAD, BOS, EOS] = [0, 1, 2]; // symbols 3 … 7

function reversal(n: number, seed: number): Seq2SeqData {
  let x = seed;
  const next = (k: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % k);
  const d = {
    source: [] as number[][],
    sourceLengths: [] as number[],
    target: [] as number[][],
    targetLengths: [] as number[],
  };
  for (let i = 0; i < n; i++) {
    const len = 3 + next(3);
    const s = Array.from({ length: len }, () => 3 + next(5));
    d.source.push([...s, ...Array<number>(5 - len).fill(PAD)]);
    d.sourceLengths.push(len);
    d.target.push([BOS, ...[...s].reverse(), EOS, ...Array<number>(5 - len).fill(PAD)]);
    d.targetLengths.push(len + 2);
  }
  return d;
}

describe('fitTeacherForced', () => {
  it('learns to reverse 3–5 symbols: held-out token accuracy ≥ 0.95 within 200 steps (CPU; it reaches 1.0)', async () => {
    const cpu = new CpuBackend();
    const model = new Seq2Seq(cpu, {
      sourceVocab: 8,
      sourceEmbedding: 8,
      targetVocab: 8,
      targetEmbedding: 8,
      encoder: { cell: 'gru', hiddenSize: 12, bidirectional: true },
      decoder: { cell: 'lstm', hiddenSize: 24 },
      attention: { score: 'general' },
      inputFeeding: true,
      seed: 1,
    });
    const opt = new Adam(model.params, { lr: 0.01 });
    const train = reversal(640, 1);
    const held = reversal(200, 2);
    const history = await fitTeacherForced(model, opt, train, {
      epochs: 10,
      batchSize: 32,
      clip: { maxNorm: 5 },
      validationData: held,
      earlyStopping: { patience: 3, restoreBestWeights: true },
    });
    expect(history.epochLosses.length).toBeGreaterThan(0);
    const { accuracy } = await evaluateTeacherForced(model, held);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(history.epochLosses.at(-1)!).toBeLessThan(history.epochLosses[0]);
    model.release();
  });

  it('refuses out-of-vocabulary ids and bad lengths before any step, weights unchanged', async () => {
    const cpu = new CpuBackend();
    const model = new Seq2Seq(cpu, {
      sourceVocab: 8,
      sourceEmbedding: 2,
      targetVocab: 8,
      targetEmbedding: 2,
      encoder: { cell: 'gru', hiddenSize: 3 },
      decoder: { cell: 'gru', hiddenSize: 3 },
      attention: { score: 'dot' },
    });
    const opt = new Adam(model.params, { lr: 0.1 });
    const data = reversal(10, 3);
    const before = (await model.stateDict())['output.weight'].data.slice();
    const badTarget = { ...data, target: data.target.map((r, i) => (i === 9 ? [...Array.from(r).slice(0, 6), 8] : r)) };
    // Errors name the pair and step as given (not a position in a shuffled, time-major batch).
    await expect(fitTeacherForced(model, opt, badTarget, { epochs: 1, batchSize: 4 })).rejects.toThrow(
      /^data\.target\[9\]\[6\]: expected an id in \[0, 8\), got 8/,
    );
    const badLengths = { ...data, sourceLengths: Array.from(data.sourceLengths, (l, i) => (i === 5 ? 0 : l)) };
    await expect(fitTeacherForced(model, opt, badLengths, { epochs: 1, batchSize: 4 })).rejects.toThrow(ValueError);
    await expect(fitTeacherForced(model, opt, badLengths, { epochs: 1, batchSize: 4 })).rejects.toThrow(
      /^data\.sourceLengths\[5\]: /,
    );
    const badSource = {
      ...data,
      source: data.source.map((r, i) => (i === 7 ? [r[0], 99, ...Array.from(r).slice(2)] : r)),
    };
    await expect(
      fitTeacherForced(model, opt, data, { epochs: 1, batchSize: 4, validationData: badSource }),
    ).rejects.toThrow(/^validationData\.source\[7\]\[1\]: expected an id in \[0, 8\), got 99/);
    await expect(
      fitTeacherForced(model, opt, badSource, { epochs: 1, batchSize: 4, validationSplit: 0.2 }),
    ).rejects.toThrow(/^data\.source\[7\]\[1\]: /);
    await expect(evaluateTeacherForced(model, badSource, { batchSize: 3 })).rejects.toThrow(
      /^data\.source\[7\]\[1\]: /,
    );
    // A flat time-major batch given as pairs: its first element is refused as a row.
    const flat = { source: [3, 4, 5, 6], sourceLengths: [2, 2], target: [1, 1, 4, 6, 2, 2], targetLengths: [3, 3] };
    await expect(fitTeacherForced(model, opt, flat as never, { epochs: 1, batchSize: 2 })).rejects.toThrow(
      /^data\.source\[0\]: expected a row of ids \(pairs are one array of ids per pair; a flat time-major array is a Seq2SeqBatch, for step\(\)\), got 3/,
    );
    expect((await model.stateDict())['output.weight'].data).toEqual(before);
    model.release();
  });
});

describe('Trainer with a teacher-forced model', () => {
  const options = {
    sourceVocab: 8,
    sourceEmbedding: 4,
    targetVocab: 8,
    targetEmbedding: 4,
    encoder: { cell: 'gru', hiddenSize: 4 },
    decoder: { cell: 'gru', hiddenSize: 4 },
    attention: { score: 'dot' },
  } as const;

  it('step, fit and evaluate take pairs; the same numbers as fitTeacherForced', async () => {
    const cpu = new CpuBackend();
    const data = reversal(40, 4);
    const run = async (viaTrainer: boolean) => {
      const model = new Seq2Seq(cpu, { ...options, seed: 9 });
      const opt = new Adam(model.params, { lr: 0.01 });
      const fitOptions = { epochs: 2, batchSize: 8, validationData: data };
      if (!viaTrainer)
        return { h: await fitTeacherForced(model, opt, data, { ...fitOptions, clip: { maxNorm: 0.5 } }), model };
      const trainer = new Trainer(model, opt, { loss: 'crossEntropy', clip: { maxNorm: 0.5 } });
      return { h: await trainer.fit(data, fitOptions), model, trainer };
    };
    const [a, b] = [await run(false), await run(true)];
    expect(b.h.epochLosses).toEqual(a.h.epochLosses);
    expect(b.h.valAccuracies).toEqual(a.h.valAccuracies);
    const step = await b.trainer!.step({
      source: [3, 4, 5, 6],
      sourceLengths: [2, 2],
      target: [1, 1, 4, 6, 3, 5, 2, 2],
      targetLengths: [4, 4],
    });
    expect(step.loss).toBeGreaterThan(0);
    expect(step.clipped).toBe(step.gradNorm > 0.5);
    expect(await b.trainer!.evaluate(data)).toEqual(await evaluateTeacherForced(b.model, data));
    expect(Object.keys(await b.trainer!.stateDict()).filter((k) => k.startsWith('model.')).length).toBe(
      b.model.params.names().length,
    );
    a.model.release();
    b.model.release();
  });

  it('scheduled sampling: a probability per epoch, checked before any step', async () => {
    const cpu = new CpuBackend();
    const model = new Seq2Seq(cpu, { ...options, seed: 2 });
    const opt = new Adam(model.params, { lr: 0.01 });
    const data = reversal(24, 6);
    const seen: number[] = [];
    const h = await fitTeacherForced(model, opt, data, {
      epochs: 3,
      batchSize: 8,
      samplingProbability: (epoch) => (seen.push(epoch), 0.25 * epoch),
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(h.epochLosses.every(Number.isFinite)).toBe(true);
    const before = (await model.stateDict())['output.weight'].data.slice();
    await expect(
      fitTeacherForced(model, opt, data, { epochs: 1, batchSize: 8, samplingProbability: 2 }),
    ).rejects.toThrow(/samplingProbability/);
    expect((await model.stateDict())['output.weight'].data).toEqual(before);
    model.release();
  });

  it('refuses a loss other than crossEntropy, and tensors or HostData', async () => {
    const cpu = new CpuBackend();
    const model = new Seq2Seq(cpu, options);
    const opt = new Adam(model.params);
    expect(() => new Trainer(model, opt, { loss: 'mse' })).toThrow(/loss/);
    const trainer = new Trainer(model, opt, { loss: 'crossEntropy' });
    await expect(trainer.predict([1, 2])).rejects.toThrow(/model: expected a Sequential model for this call/);
    model.release();
  });
  it('callbacks as Trainer.fit: onStep events with stop(), onEpoch, onTrainEnd, history.lrs', async () => {
    const cpu = new CpuBackend();
    const model = new Seq2Seq(cpu, { ...options, seed: 3 });
    const opt = new Adam(model.params, { lr: 0.01 });
    const data = reversal(40, 7); // 5 batches of 8 per epoch
    const steps: Array<{ epoch: number; step: number; batch: number; batches: number; lr: number }> = [];
    const epochs: number[] = [];
    let ended: unknown = null;
    const h = await fitTeacherForced(model, opt, data, {
      epochs: 4,
      batchSize: 8,
      schedule: new StepLR(opt, { stepSize: 2, gamma: 0.5 }),
      scheduleEvery: 'batch',
      onStep: async (e) => {
        steps.push({ epoch: e.epoch, step: e.step, batch: e.batch, batches: e.batches, lr: e.lr });
        expect(Number.isFinite(e.loss) && e.gradNorm > 0 && e.ms >= 0).toBe(true);
        if (e.step === 7) e.stop();
      },
      onEpoch: (e) => void epochs.push(e.epoch),
      onTrainEnd: (x) => void (ended = x.stoppedBy),
    });
    expect(steps.map((s) => s.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(steps[5]).toMatchObject({ epoch: 1, batch: 0, batches: 5 });
    // StepLR stepped per batch: halved every 2 steps.
    expect(steps.map((s) => s.lr)).toEqual([0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025, 0.00125, 0.00125]);
    expect(epochs).toEqual([0]); // the stop came inside epoch 1: its end is skipped
    expect(h.stoppedBy).toBe('callback');
    expect(ended).toBe('callback');
    expect(h.lrs).toHaveLength(1);
    // onEpoch's stop() ends training after that epoch.
    const h2 = await fitTeacherForced(model, opt, data, {
      epochs: 5,
      batchSize: 8,
      onEpoch: (e) => void (e.epoch === 1 && e.stop()),
    });
    expect(h2.epochLosses).toHaveLength(2);
    expect(h2.stoppedBy).toBe('callback');
    model.release();
  });

  it('validationSplit holds out the last pairs, as validationData with them does', async () => {
    const cpu = new CpuBackend();
    const data = reversal(40, 8);
    const head = (d: Seq2SeqData, from: number, to: number): Seq2SeqData => ({
      source: d.source.slice(from, to),
      sourceLengths: Array.from(d.sourceLengths).slice(from, to),
      target: d.target.slice(from, to),
      targetLengths: Array.from(d.targetLengths).slice(from, to),
    });
    const run = async (o: object, train: Seq2SeqData) => {
      const model = new Seq2Seq(cpu, { ...options, seed: 4 });
      const h = await fitTeacherForced(model, new Adam(model.params, { lr: 0.01 }), train, {
        epochs: 2,
        batchSize: 8,
        ...o,
      });
      model.release();
      return h;
    };
    const a = await run({ validationSplit: 0.25 }, data);
    const b = await run({ validationData: head(data, 30, 40) }, head(data, 0, 30));
    expect(a.valLosses).toEqual(b.valLosses);
    expect(a.epochLosses).toEqual(b.epochLosses);
    expect(a.valAccuracies).toHaveLength(2);
    const model = new Seq2Seq(cpu, options);
    const opt = new Adam(model.params);
    for (const [o, message] of [
      [{ validationSplit: 1 }, /validationSplit: expected a fraction in \[0, 1\)/],
      [
        { validationSplit: 0.99 },
        /validationSplit: expected a fraction leaving at least one training and one validation pair of 40/,
      ],
      [{ monitor: 'valLoss' }, /monitor: expected 'loss' without validationData or validationSplit/],
      [{ onStep: 3 }, /onStep/],
      [{ scheduleEvery: 'step' }, /scheduleEvery/],
      [{ validationBatchSize: 0 }, /validationBatchSize/],
    ] as const)
      await expect(fitTeacherForced(model, opt, data, { epochs: 1, batchSize: 8, ...o } as never)).rejects.toThrow(
        message,
      );
    model.release();
  });

  it('the model is taken while it trains: direct evaluate and decode are refused, e.evaluate and e.decode run', async () => {
    const cpu = new CpuBackend();
    const model = new Seq2Seq(cpu, { ...options, seed: 5 });
    const trainer = new Trainer(model, new Adam(model.params, { lr: 0.01 }), { loss: 'crossEntropy' });
    const data = reversal(16, 9);
    const decodeOptions = { maxLength: 7, startToken: BOS, endToken: EOS, beamWidth: 2 };
    const [source, lengths] = [
      [3, 4, 5, 5, 4, 3],
      [3, 2],
    ];
    let inside: { accuracy: number; tokens: number[]; weights: ReadStateDict } | null = null;
    const refused: string[] = [];
    await trainer.fit(data, {
      epochs: 1,
      batchSize: 8,
      onStep: async (e) => {
        if (e.batch !== 1) return;
        for (const call of [() => trainer.evaluate(data), () => model.decode(source, lengths, decodeOptions)])
          await call().catch((err: Error) => refused.push(`${err.constructor.name}: ${err.message}`));
        const v = await e.evaluate(data);
        const d = await e.decode(source, lengths, decodeOptions);
        inside = { accuracy: v.accuracy, tokens: d.hypotheses[1][0].tokens, weights: await model.stateDict() };
      },
    });
    const hint = "await it before starting {op}(); from a fit callback, use its event's e.evaluate() or e.decode()";
    expect(refused).toEqual(
      ['evaluate', 'decode'].map(
        (op) => `ModelBusyError: ${op}(): the model is still running fit(); ${hint.replace('{op}', op)}`,
      ),
    );
    // The callback's calls ran on the weights of that moment: a copy with them gives the same results.
    const copy = new Seq2Seq(cpu, options);
    copy.loadStateDict(inside!.weights);
    expect((await evaluateTeacherForced(copy, data)).accuracy).toBe(inside!.accuracy);
    expect((await copy.decode(source, lengths, decodeOptions)).hypotheses[1][0].tokens).toEqual(inside!.tokens);
    copy.release();
    // And a fit is refused while a decode runs.
    const decoding = model.decode(source, lengths, decodeOptions);
    await expect(trainer.fit(data, { epochs: 1, batchSize: 8 })).rejects.toThrow(ModelBusyError);
    await decoding;
    model.release();
  });
});
