// After ctx.destroy() every call that touches the context throws DeviceLostError, on either backend —
// loading state and setting the learning rate included (they only upload, and an upload was once let through).
import { describe, expect, it } from 'vitest';
import { Adam, DeviceLostError, Trainer, createContext, mlp } from '../src/index.js';

describe('a destroyed context', () => {
  for (const backend of ['cpu', 'webgpu'] as const) {
    it(`refuses loadStateDict (model, optimizer, trainer) and optimizer.lr = x with DeviceLostError (${backend})`, async () => {
      const ctx = await createContext({ backend });
      const model = mlp(ctx, [3, 4, 2], { seed: 1 });
      const optimizer = new Adam(model.params, { lr: 0.01 });
      const trainer = new Trainer(model, optimizer, { loss: 'mse' });
      const modelDict = await model.stateDict();
      const optimizerDict = await optimizer.stateDict();
      const trainerDict = await trainer.stateDict();
      ctx.destroy();
      expect(() => model.loadStateDict(modelDict), 'model.loadStateDict').toThrow(DeviceLostError);
      expect(() => optimizer.loadStateDict(optimizerDict), 'optimizer.loadStateDict').toThrow(DeviceLostError);
      expect(() => trainer.loadStateDict(trainerDict), 'trainer.loadStateDict').toThrow(DeviceLostError);
      expect(() => {
        optimizer.lr = 0.5;
      }, 'optimizer.lr = x').toThrow(DeviceLostError);
      expect(() => model.params.loadStateDict(modelDict), 'params.loadStateDict').toThrow(DeviceLostError);
    });
  }
});
