// Options are checked where they are written: a Trainer with a bad clip or reduction fails at construction,
// not at every step afterwards.
import { describe, expect, it } from 'vitest';
import { CpuBackend, SGD, Trainer, ValueError, mlp } from '../src/index.js';

function make(options: Record<string, unknown>): Trainer {
  const ctx = new CpuBackend();
  const m = mlp(ctx, [2, 1], { seed: 1 });
  return new Trainer(m, new SGD(m.params, { lr: 0.1 }), { loss: 'mse', ...options } as never);
}

describe('Trainer options checked at construction', () => {
  it("clip.normType: 3 is refused by the constructor (2 or 'inf')", () => {
    expect(() => make({ clip: { maxNorm: 1, normType: 3 } })).toThrow(ValueError);
    expect(() => make({ clip: { maxNorm: 1, normType: 3 } })).toThrow(/clip\.normType: expected 2 or 'inf', got 3/);
    expect(make({ clip: { maxNorm: 1, normType: 'inf' } }).clip).toEqual({ maxNorm: 1, normType: 'inf' });
  });

  it("reduction: 'avg' is refused by the constructor ('mean' or 'sum')", () => {
    expect(() => make({ reduction: 'avg' })).toThrow(/reduction: expected 'mean' or 'sum', got "avg"/);
    expect(make({ reduction: 'sum' }).reduction).toBe('sum');
  });

  it('clip that is not an object is refused by the constructor', () => {
    expect(() => make({ clip: 1 })).toThrow(/clip: expected an options object, got 1/);
  });
});

describe('mlp options checked even when unused', () => {
  it("activation: 'relux' is refused by mlp(ctx, [2, 1]) too (no hidden layer)", () => {
    expect(() => mlp(new CpuBackend(), [2, 1], { activation: 'relux' as never })).toThrow(
      /activation: expected one of .*, got "relux"/,
    );
  });
});
