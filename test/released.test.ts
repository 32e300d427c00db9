// Released objects (issue 13): a model, layer, optimizer, trainer or parameter set used after release()
// throws ReleasedError (a WebGpuRnnError) naming what it was — never a result computed from freed buffers.
// Releasing twice is harmless. Also: Trainer.step is typed Promise<StepResult> unless { read: false }.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Adam,
  LSTM,
  LastStep,
  Linear,
  ReleasedError,
  SGD,
  Sequential,
  Trainer,
  WebGpuRnnError,
  type Backend,
  type StepResult,
} from '../src/index.js';
import { useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();

function setup(be: Backend) {
  const lstm = new LSTM({ inputSize: 2, hiddenSize: 3 });
  const head = new Linear(3, 1);
  const model = new Sequential(be, [lstm, new LastStep(), head], { seed: 1 });
  const optimizer = new Adam(model.params, { lr: 0.01 });
  const trainer = new Trainer(model, optimizer, { loss: 'mse' });
  const x = be.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [2, 2, 2]);
  const y = be.tensor([0.5, -0.5], [2, 1]);
  const cleanup = () => {
    for (const t of [x, y]) t.release();
    trainer.release();
    optimizer.release();
    model.release();
  };
  return { lstm, head, model, optimizer, trainer, x, y, cleanup };
}

describe('using a released object throws ReleasedError', () => {
  it('model: forward, backward, zeroGrad, stateDict, loadStateDict', async () => {
    for (const be of [cpu, gpu()] as Backend[]) {
      const s = setup(be);
      const sd = await s.model.stateDict();
      s.model.release();
      s.model.release(); // twice is harmless
      expect(() => s.model.forward(s.x)).toThrow(ReleasedError);
      expect(() => s.model.forward(s.x)).toThrow(/^Sequential model was already released/);
      expect(() => s.model.backward(s.y)).toThrow(ReleasedError);
      expect(() => s.model.zeroGrad()).toThrow(ReleasedError);
      expect(() => s.model.stateDict()).toThrow(ReleasedError);
      expect(() => s.model.loadStateDict(sd)).toThrow(ReleasedError);
      expect(() => s.model.params.zeroGrad()).toThrow(/^ParamSet was already released/);
      await expect(s.trainer.step(s.x, s.y)).rejects.toThrow(ReleasedError); // its model is gone
      s.cleanup();
    }
  });

  it('layers: a released recurrent module or Linear refuses forward and run', () => {
    for (const be of [cpu, gpu()] as Backend[]) {
      const s = setup(be);
      s.lstm.release();
      s.head.release();
      expect(() => s.lstm.run(s.x)).toThrow(/^LSTM module was already released/);
      expect(() => s.head.forward(s.y)).toThrow(/^Linear layer was already released/);
      s.cleanup();
    }
  });

  it('optimizer and trainer: step, fit and predict', async () => {
    for (const be of [cpu, gpu()] as Backend[]) {
      const s = setup(be);
      await s.trainer.step(s.x, s.y);
      const sgd = new SGD(s.model.params, { lr: 0.1 });
      sgd.release();
      expect(() => sgd.step()).toThrow(/^SGD optimizer was already released/);
      s.optimizer.release();
      expect(() => s.optimizer.step()).toThrow(/^Adam optimizer was already released/);
      await expect(s.trainer.step(s.x, s.y)).rejects.toThrow(ReleasedError); // its optimizer is gone
      s.trainer.release();
      await expect(s.trainer.step(s.x, s.y)).rejects.toThrow(/^Trainer was already released/);
      await expect(s.trainer.predict([1, 2])).rejects.toThrow(ReleasedError);
      await expect(s.trainer.fit([1, 2], [1], { epochs: 1, batchSize: 1 })).rejects.toThrow(ReleasedError);
      const e = await s.trainer.step(s.x, s.y).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(WebGpuRnnError);
      expect((e as Error).name).toBe('ReleasedError');
      s.cleanup();
    }
  });
});

describe('Trainer.step typing', () => {
  it('resolves to a StepResult (typed so, no `!`), or to undefined with { read: false }', async () => {
    const s = setup(cpu);
    const result = await s.trainer.step(s.x, s.y);
    expectTypeOf(result).toEqualTypeOf<StepResult>(); // checked by tsc (npm run typecheck, scripts/test.sh)
    expect(result.loss).toBeGreaterThan(0);
    const nothing = await s.trainer.step(s.x, s.y, { read: false });
    expectTypeOf(nothing).toEqualTypeOf<undefined>();
    expect(nothing).toBeUndefined();
    const read: boolean = Math.random() < 2;
    const maybe = await s.trainer.step(s.x, s.y, { read });
    expectTypeOf(maybe).toEqualTypeOf<StepResult | undefined>();
    expect(maybe?.loss).toBeGreaterThan(0);
    s.cleanup();
  });
});
