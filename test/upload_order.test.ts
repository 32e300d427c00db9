// An upload (queue.writeBuffer) runs before the work recorded so far is submitted. ctx.tensor() during a
// recording therefore takes a buffer that no recorded work can use — never one released since the last
// submit — and needs no flush; ctx.write() into a live tensor, which recorded work may read, flushes first.
import { describe, expect, it } from 'vitest';
import { createContext } from '../src/index.js';

describe('uploads while work is recorded', () => {
  it('a new tensor never lands in a buffer that recorded work still reads, and costs no submit', async () => {
    const ctx = await createContext();
    const a = ctx.tensor([1, -2, 3, -4], [4]);
    await ctx.read(a); // nothing recorded from here on
    const before = ctx.counters().submits;
    const b = ctx.activation(a, 'relu'); // recorded, reads a's buffer
    a.release(); // a's buffer is free, but the relu above has not run
    const c = ctx.tensor([9, 9, 9, 9], [4]); // same size class as a
    const d = ctx.activation(c, 'relu');
    const [rb, rd] = await ctx.readMany([b, d]);
    expect(rb).toEqual(Float64Array.from([1, 0, 3, 0]));
    expect(rd).toEqual(Float64Array.from([9, 9, 9, 9]));
    expect(ctx.counters().submits - before).toBe(1); // the readback's
    ctx.destroy();
  });

  it('a buffer released before the last submit is reused by an upload (the pool does not grow)', async () => {
    const ctx = await createContext();
    const a = ctx.tensor([1, 2, 3, 4], [4]);
    const b = ctx.activation(a, 'relu');
    await ctx.read(b);
    const { created } = ctx.poolStats();
    a.release();
    ctx.flush();
    const c = ctx.activation(b, 'relu'); // recording again
    const d = ctx.tensor([5, 6, 7, 8], [4]); // may take a's buffer: released before the last submit
    expect(ctx.poolStats().created).toBe(created + 1); // c's, not d's
    expect(await ctx.read(d)).toEqual(Float64Array.from([5, 6, 7, 8]));
    expect(await ctx.read(c)).toEqual(Float64Array.from([1, 2, 3, 4]));
    ctx.destroy();
  });

  it('ctx.write into a tensor that recorded work reads flushes first: that work sees the old values', async () => {
    const ctx = await createContext();
    const a = ctx.tensor([1, -2, 3, -4], [4]);
    const b = ctx.activation(a, 'relu');
    const before = ctx.counters().submits;
    ctx.write(a, [5, 5, 5, 5]);
    expect(ctx.counters().submits - before).toBe(1);
    expect(await ctx.read(b)).toEqual(Float64Array.from([1, 0, 3, 0]));
    expect(await ctx.read(a)).toEqual(Float64Array.from([5, 5, 5, 5]));
    ctx.destroy();
  });
});
