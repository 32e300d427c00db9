// The benchmark workloads (bench/workloads.ts) that npm run bench and the benchmarks page share: the text
// rows (char-gru, generate) at their stated sizes, and the harness run on shrunk copies of them — validated
// against the CPU reference, then timed with one submit and one readback per step or per generation.
import { describe, expect, it } from 'vitest';
import {
  WORKLOADS,
  benchRow,
  forwardFlops,
  lengthsOf,
  modesOf,
  timeWorkload,
  validate,
  type Workload,
} from '../bench/workloads.js';
import { useGpu } from './helpers.js';

const { gpu } = useGpu();
const byName = (name: string): Workload => WORKLOADS.find((w) => w.name === name)!;

describe('bench workloads', () => {
  it('char-gru: Embedding(65, 32) → GRU(256) → Linear(65) at B 32, T 64; generate: the same model, B 8, 200 tokens', () => {
    expect(byName('char-gru')).toMatchObject({ kind: 'gru', B: 32, T: 64, I: 32, H: 256, layers: 1, vocab: 65 });
    expect(byName('generate')).toMatchObject({
      kind: 'gru',
      B: 8,
      T: 200,
      I: 32,
      H: 256,
      layers: 1,
      vocab: 65,
      generate: true,
    });
    expect(modesOf(byName('char-gru'))).toEqual(['train', 'infer']);
    expect(modesOf(byName('generate'))).toEqual(['generate']);
    expect(modesOf(byName('mlp'))).toEqual(['train']);
    // GRU gates 3·H·(E + H) plus the V-wide head, per step and row.
    expect(forwardFlops(byName('char-gru'))).toBe(2 * 64 * 32 * (3 * 256 * (32 + 256) + 256 * 65));
  });

  it('a generate row counts tokens per second over all sequences', () => {
    const w = { ...byName('generate'), B: 4, T: 50 };
    const row = benchRow(w, 'generate', 'webgpu', [400, 100, 200], { dispatches: 300, submits: 1, readbacks: 1 });
    expect(row.ms_median).toBe(200);
    expect(row.tokens_per_s).toBe(1000); // 4 × 50 tokens in 0.2 s
    expect(
      benchRow(w, 'train', 'webgpu', [200], { dispatches: 1, submits: 1, readbacks: 1 }).tokens_per_s,
    ).toBeUndefined();
  });

  it('char-gru (shrunk): validated against the CPU reference, then one submit and one readback per training step and per forward', async () => {
    const g = gpu();
    const w: Workload = { ...byName('char-gru'), B: 3, T: 5, I: 4, H: 17, vocab: 11 };
    const check = await validate(g, w);
    expect(check.lossError).toBeLessThan(1e-3);
    const train = await timeWorkload(g, w, 'train', 2, 1);
    expect(train).toMatchObject({ workload: 'char-gru', mode: 'train', submits: 1, readbacks: 1 });
    const infer = await timeWorkload(g, w, 'infer', 2, 1);
    expect(infer).toMatchObject({ mode: 'infer', submits: 1, readbacks: 1 });
    // Backward (the embedding gradient among it) adds dispatches to the forward's.
    expect(train.dispatches).toBeGreaterThan(infer.dispatches);
    await expect(timeWorkload(g, w, 'generate', 1, 0)).rejects.toThrow(/char-gru: no generate mode/);
  });

  it('generate (shrunk): the same tokens on the GPU and the CPU, then the whole generation in one submit and one readback, progress per call', async () => {
    const g = gpu();
    const w: Workload = { ...byName('generate'), B: 2, T: 7, I: 4, H: 9, vocab: 13 };
    await validate(g, w);
    const progress: Array<{ step: number; of: number; loss?: number }> = [];
    const row = await timeWorkload(g, w, 'generate', 2, 1, (e) => progress.push(e));
    expect(row).toMatchObject({ workload: 'generate', mode: 'generate', submits: 1, readbacks: 1 });
    expect(row.dispatches).toBeGreaterThanOrEqual(w.T); // at least one dispatch per generated token
    // tokens/s comes from the unrounded median; ms_median is rounded to 0.001 ms (±0.0005).
    const tokens = w.B * w.T * 1000;
    expect(row.tokens_per_s).toBeGreaterThanOrEqual(tokens / (row.ms_median + 0.0005) - 0.001);
    expect(row.tokens_per_s).toBeLessThanOrEqual(tokens / (row.ms_median - 0.0005) + 0.001);
    // Warm-ups go on until no new bind group is made: at least the one asked for, then the 2 timed calls.
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.map((e) => e.step)).toEqual(progress.map((_, i) => i));
    expect(progress.every((e) => e.of === 3 && e.loss === undefined)).toBe(true);
    await expect(timeWorkload(g, w, 'train', 1, 0)).rejects.toThrow(/generate: no train mode/);
  });
});

describe('bench workloads: variable length', () => {
  it('gru-varlen: gru with row lengths evenly spread over [T/4, T]', () => {
    const w = byName('gru-varlen');
    expect(w).toMatchObject({ ...byName('gru'), name: 'gru-varlen', varlen: true });
    const lengths = lengthsOf(w)!;
    expect(lengths.length).toBe(32);
    expect([lengths[0], lengths[31]]).toEqual([16, 64]);
    expect([...lengths].every((l, b) => b === 0 || l >= lengths[b - 1])).toBe(true);
    expect(lengthsOf(w, 3, 8)).toEqual(Int32Array.from([2, 5, 8]));
    expect(lengthsOf(byName('gru'))).toBeUndefined();
  });

  it('gru-varlen (shrunk): validated with its lengths, then one submit and one readback per step, the row noting its lengths', async () => {
    const g = gpu();
    const w: Workload = { ...byName('gru-varlen'), B: 3, T: 8, I: 5, H: 7 };
    await validate(g, w);
    const train = await timeWorkload(g, w, 'train', 1, 1);
    expect(train).toMatchObject({ workload: 'gru-varlen', submits: 1, readbacks: 1 });
    expect(train.note).toMatch(/^lengths 2–8 \(15 of 24 steps\), masked/);
    const padded = await timeWorkload(g, { ...w, varlen: undefined }, 'train', 1, 1);
    expect(padded.note).toBeUndefined();
    // Masking adds work to the step (mask kernels), never a submit or readback.
    expect(train.dispatches).toBeGreaterThan(padded.dispatches);
    expect(await timeWorkload(g, w, 'infer', 1, 1)).toMatchObject({ submits: 1, readbacks: 1 });
  });
});

describe('bench workloads: seq2seq', () => {
  it('seq2seq-step, beam-decode, greedy-decode: the dates model (E 16, encoder GRU 2 × 32, decoder GRU 64, 71 → 14 ids, 28 → 11 tokens); large variants for GPUs', () => {
    const dates = { kind: 'seq2seq', T: 11, I: 16, H: 32, layers: 1, vocab: 14 };
    expect(byName('seq2seq-step')).toMatchObject({ ...dates, B: 256, seq2seq: { sourceVocab: 71, sourceLength: 28 } });
    expect(byName('beam-decode')).toMatchObject({ ...dates, B: 128, seq2seq: { sourceLength: 28, beamWidth: 4 } });
    expect(byName('greedy-decode')).toMatchObject({ ...dates, B: 128, seq2seq: { beamWidth: 1 } });
    for (const name of ['seq2seq-step-large', 'beam-decode-large'])
      expect(byName(name)).toMatchObject({ large: true, vocab: 8000, I: 256, H: 256, T: 32 });
    expect(modesOf(byName('seq2seq-step'))).toEqual(['train']);
    expect(modesOf(byName('beam-decode'))).toEqual(['decode']);
    // Decoding k hypotheses costs k times the decoder steps of greedy decoding; the encoder runs once per source.
    const [beam, greedy] = [forwardFlops(byName('beam-decode')), forwardFlops(byName('greedy-decode'))];
    const encoder = 2 * 28 * 128 * 2 * 3 * 32 * (16 + 32) + 2 * 128 * 64 * 64;
    expect(beam - encoder).toBeCloseTo(4 * (greedy - encoder), 6);
  });

  it('tokens/s: target tokens of a training step (B·T), generated tokens of a decode (B·k·T) and sources/s', () => {
    const w = { ...byName('beam-decode'), B: 4, T: 5 };
    const counters = { dispatches: 1, submits: 1, readbacks: 1 };
    const row = benchRow(w, 'decode', 'webgpu', [200, 100, 400], counters);
    expect(row).toMatchObject({ ms_median: 200, tokens_per_s: 400, sources_per_s: 20, beam_width: 4, S: 28 });
    const train = benchRow({ ...byName('seq2seq-step'), B: 4, T: 5 }, 'train', 'webgpu', [100], counters);
    expect(train).toMatchObject({ tokens_per_s: 200, S: 28 });
    expect(train.sources_per_s).toBeUndefined();
  });

  const shrink = (name: string): Workload => {
    const w = byName(name);
    return { ...w, B: 3, T: 4, I: 5, H: 6, vocab: 9, seq2seq: { ...w.seq2seq!, sourceVocab: 11, sourceLength: 7 } };
  };

  it('seq2seq-step (shrunk): validated against the CPU reference, then a step with one readback and one submit', async () => {
    const g = gpu();
    const w = shrink('seq2seq-step');
    const check = await validate(g, w);
    expect(check.lossError).toBeLessThan(1e-3);
    expect(check.normError).toBeLessThan(1e-3);
    const losses: number[] = [];
    const row = await timeWorkload(g, w, 'train', 2, 1, (e) => losses.push(e.loss!));
    expect(row).toMatchObject({ workload: 'seq2seq-step', mode: 'train', readbacks: 1, submits: 1, S: 7 });
    expect(row.dispatches).toBeGreaterThan(0);
    expect(losses.every(Number.isFinite)).toBe(true);
    await expect(timeWorkload(g, w, 'decode', 1, 0)).rejects.toThrow(/seq2seq-step: no decode mode/);
  });

  it('beam-decode and greedy-decode (shrunk): the same tokens on the GPU and the CPU, then a whole decode with one readback', async () => {
    const g = gpu();
    const rows = [];
    for (const name of ['beam-decode', 'greedy-decode']) {
      const w = shrink(name);
      await validate(g, w);
      rows.push(await timeWorkload(g, w, 'decode', 2, 1));
    }
    for (const row of rows) expect(row).toMatchObject({ mode: 'decode', readbacks: 1, submits: 1 });
    expect(rows.map((r) => r.beam_width)).toEqual([4, 1]);
    // The same model steps either way: the beam's work per step is wider, not longer.
    expect(rows[0].dispatches).toBe(rows[1].dispatches);
  });
});
