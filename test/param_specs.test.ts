// ParamSet specs: `init` is a function making the initial values (made on demand, after the size check) or,
// as before, the values themselves; anything else is refused by name.
import { describe, expect, it } from 'vitest';
import { CpuBackend, ParamSet, ShapeError, ValueError } from '../src/index.js';

describe('ParamSet spec init', () => {
  it('takes the values themselves (a Float64Array or a number[]) as well as a function', async () => {
    const ctx = new CpuBackend();
    const set = new ParamSet(ctx, [
      { name: 'a', shape: [2], init: Float64Array.of(0.1, 0.2) },
      { name: 'b', shape: [2], init: [0.3, 0.4] },
      { name: 'c', shape: [1], init: () => Float64Array.of(0.5) },
    ]);
    const d = await set.stateDict();
    expect(Array.from(d.a.data)).toEqual([0.1, 0.2]);
    expect(Array.from(d.b.data)).toEqual([0.3, 0.4]);
    expect(Array.from(d.c.data)).toEqual([0.5]);
  });

  it('refuses an init that is neither, naming the parameter', () => {
    const ctx = new CpuBackend();
    expect(() => new ParamSet(ctx, [{ name: 'w', shape: [2], init: 'zeros' as never }])).toThrow(ValueError);
    expect(() => new ParamSet(ctx, [{ name: 'w', shape: [2], init: 'zeros' as never }])).toThrow(
      `params[0].init: expected a function returning the initial values, or the values (a Float64Array or number[]), got "zeros" (a string)`,
    );
    expect(() => new ParamSet(ctx, [{ name: 'w', shape: [2], init: Float64Array.of(1) }])).toThrow(ShapeError);
    expect(() => new ParamSet(ctx, [{ name: 'w', shape: [2], init: [1, 'x'] as never }])).toThrow(
      `params[0].init[1]: expected a number, got "x" (a string)`,
    );
  });
});
