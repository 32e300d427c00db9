// The names task's data module (examples/names_task.ts) on corpora small enough to count by hand: cleaning,
// vocabulary, split, batches and their padding, the bigram baseline and its α, per-character losses, and
// names sampled with Sequential.generate, whose per-character probabilities must equal one forward over the whole name.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/index.js';
import { CpuBackend, Rng, ValueError } from '../src/index.js';
import {
  BOUNDARY,
  bigramNll,
  chooseAlpha,
  cleanNames,
  countBigrams,
  encode,
  generateNames,
  lengthBatches,
  logSoftmax,
  makeBatch,
  makeVocab,
  namesModel,
  namesNll,
  predictorOf,
  sequenceNll,
  splitNames,
} from '../examples/names_task.js';
import { expectClose, useGpu } from './helpers.js';

describe('names data', () => {
  it('cleans: trimmed, lower-cased, duplicates across lists dropped, first occurrence order kept', () => {
    expect(cleanNames([' Ann', 'ann', 'Bob', ''], ['bob', 'Cy', 'ANN\r'])).toEqual(['ann', 'bob', 'cy']);
    expect(() => cleanNames(['a.b'])).toThrow(ValueError);
    expect(() => cleanNames(['a.b'])).toThrow(/names: expected names without '\.' \(the boundary token\), got "a\.b"/);
  });

  it('a vocabulary starts with the boundary token, then the characters in order; encode refuses the others', () => {
    const vocab = makeVocab(['ba', 'a-c']);
    expect(vocab.chars).toEqual([BOUNDARY, '-', 'a', 'b', 'c']);
    expect(encode(vocab, 'cab')).toEqual([4, 2, 3]);
    expect(() => encode(vocab, 'bad')).toThrow(/name "bad"\[2\]: expected a character of the vocabulary, got "d"/);
    expect(() => encode(vocab, 'a.')).toThrow(ValueError);
  });

  it('splits whole names 80/10/10, disjoint and complete, the same for a seed and different for another', () => {
    const names = Array.from({ length: 100 }, (_, i) => `n${i}`);
    const s = splitNames(names, { seed: 3 });
    expect([s.train.length, s.validation.length, s.heldOut.length]).toEqual([80, 10, 10]);
    expect([...s.train, ...s.validation, ...s.heldOut].sort()).toEqual([...names].sort());
    expect(splitNames(names, { seed: 3 })).toEqual(s);
    expect(splitNames(names, { seed: 4 }).heldOut).not.toEqual(s.heldOut);
  });

  it('a batch is padded to its longest name with the end token; lengths count the characters and one end', () => {
    const vocab = makeVocab(['ab', 'a']); // '.', 'a', 'b'
    const b = makeBatch(vocab, ['ab', 'a']);
    expect([b.T, b.B, b.lengths]).toEqual([3, 2, [3, 2]]);
    // ids x [T, B]: t0 '.' '.', t1 'a' 'a', t2 'b' '.'(padding)
    expect(Array.from(b.x)).toEqual([0, 0, 1, 1, 2, 0]);
    // targets [T, B]: t0 'a' 'a', t1 'b' '.', t2 '.' '.'(padding)
    expect(Array.from(b.targets)).toEqual([1, 1, 2, 0, 0, 0]);
  });

  it('length batches hold names of one length, at most batchSize, every name once', () => {
    const names = ['a', 'bb', 'cc', 'dd', 'ee', 'fff', 'g', 'hh'];
    const batches = lengthBatches(names, 2, new Rng(1));
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(2);
      expect(new Set(batch.map((n) => n.length)).size).toBe(1);
    }
    expect(batches.flat().sort()).toEqual([...names].sort());
    expect(batches.length).toBe(5); // lengths 1: 2 names, 2: 5 names (3 batches), 3: 1 name
  });
});

describe('bigram baseline', () => {
  // '.ab.', '.ba.', '.a.': from '.': a 2, b 1; from 'a': b 1, '.' 2; from 'b': '.' 1, a 1.
  const vocab = makeVocab(['ab', 'ba', 'a']);
  const counts = countBigrams(vocab, ['ab', 'ba', 'a']);

  it('counts every pair, the boundary before and after each name included', () => {
    expect(Array.from(counts)).toEqual([0, 2, 1, 2, 0, 1, 1, 1, 0]);
  });

  it('add-α: p(next | prev) = (n + α) / (Σ n + α·V), over the characters and the end token', () => {
    // 'ab' with α = 1: p(a|.) = 3/6, p(b|a) = 2/6, p(.|b) = 2/5 → NLL ln 15 over 3 symbols.
    const one = bigramNll(counts, vocab, 1, ['ab']);
    expect(one.count).toBe(3);
    expect(one.sum).toBeCloseTo(Math.log(15), 12);
    // α = 0: 2/3 · 1/3 · 1/2 = 1/9.
    expect(bigramNll(counts, vocab, 0, ['ab']).sum).toBeCloseTo(Math.log(9), 12);
  });

  it('α is chosen on the validation names: an unseen pair rules out α = 0', () => {
    // 'aa': (2+α)/(3+3α) · α/(3+3α) · (2+α)/(3+3α): 0 at α = 0, 0.0343 at 0.5, 0.0417 at 1, 0.0401 at 10.
    expect(bigramNll(counts, vocab, 0, ['aa']).sum).toBe(Infinity);
    expect(chooseAlpha(counts, vocab, ['aa'], [0, 0.5, 1, 10])).toBe(1);
    expect(chooseAlpha(counts, vocab, ['aa'], [0, 0.5, 1, 2, 10])).toBe(2); // 2·16/729 = 0.0439
    expect(chooseAlpha(counts, vocab, ['ab'], [0, 0.5, 1])).toBe(0); // seen pairs only: no smoothing is best
  });
});

describe('per-character loss', () => {
  it('logSoftmax at a temperature', () => {
    expectClose(logSoftmax([0, Math.log(2)]), [Math.log(1 / 3), Math.log(2 / 3)], { atol: 1e-15, rtol: 1e-14 });
    expectClose(logSoftmax([0, Math.log(2)], 0.5), [Math.log(1 / 5), Math.log(4 / 5)], { atol: 1e-15, rtol: 1e-14 });
  });

  it('sequenceNll counts the real characters and one end token; padded steps change nothing', () => {
    const vocab = makeVocab(['ab', 'a']);
    const batch = makeBatch(vocab, ['ab', 'a']); // T 3, B 2, V 3; row 1's step 2 is padding
    const logits = new Float64Array(3 * 2 * 3); // uniform: ln 3 per step
    expect(sequenceNll(logits, batch)).toEqual({ sum: 5 * Math.log(3), count: 5 });
    logits.set([50, -50, 9], (2 * 2 + 1) * 3);
    expect(sequenceNll(logits, batch)).toEqual({ sum: 5 * Math.log(3), count: 5 });
    logits.set([0, Math.log(2), 0], (1 * 2 + 1) * 3); // row 1, step 1: its end token ('.') at 1/4
    expect(sequenceNll(logits, batch).sum).toBeCloseTo(4 * Math.log(3) + Math.log(4), 12);
  });
});

describe("generateNames (Sequential.generate, then one forward for the model's distributions)", () => {
  const { gpu } = useGpu();
  const backends: Array<[string, () => Backend]> = [
    ['cpu', () => new CpuBackend()],
    ['webgpu', gpu],
  ];

  it.each(backends)(
    '%s: each character carries the probability it was drawn with and the one a forward over the whole name gives it',
    async (kind, backend) => {
      const ctx = backend();
      const vocab = makeVocab(['abc', 'ca', 'b-a']);
      const model = namesModel(ctx, vocab.chars.length, { hidden: 7, embedding: 5, seed: 2 });
      const tol = kind === 'cpu' ? { atol: 1e-12, rtol: 1e-10 } : { atol: 1e-6, rtol: 1e-4 }; // f64 / f32
      const chunks: number[] = [];
      const generated = await generateNames(predictorOf(model), vocab, {
        count: 5,
        temperature: 1,
        seed: 3,
        maxLength: 6,
        readEvery: 4,
        onChars: (c) => void chunks.push(c.from, c.chars[0].length),
      });
      expect(chunks).toEqual([0, 4, 4, 2]); // 6 steps read 4 and 2 at a time
      expect(generated.length).toBe(5);
      for (const g of generated) {
        const ended = g.chars.at(-1)!.char === BOUNDARY;
        expect(g.chars.length).toBe(ended ? g.name.length + 1 : 6);
        expect(g.chars.map((c) => c.char).join('')).toBe(ended ? g.name + BOUNDARY : g.name);
        // At temperature 1 the sampler draws from the model's own distribution.
        expectClose(
          g.chars.map((c) => c.pSampled),
          g.chars.map((c) => c.p),
          { ...tol, label: `${kind} ${g.name}` },
        );
        for (const c of g.chars) {
          expect(c.top.length).toBe(3);
          expect(c.top[0].p).toBeGreaterThanOrEqual(c.p);
        }
        if (!ended) continue;
        const nll = await namesNll(predictorOf(model), vocab, [g.name]);
        expect(nll.count).toBe(g.chars.length);
        expectClose([-g.chars.reduce((s, c) => s + Math.log(c.p), 0)], [nll.sum], {
          ...tol,
          label: `${kind} NLL of ${g.name}`,
        });
      }
      expect(generated.some((g) => g.chars.at(-1)!.char === BOUNDARY)).toBe(true);
      // The same seed gives the same names; below temperature 1 the model's likeliest character is drawn with more than its probability.
      expect(
        (await generateNames(predictorOf(model), vocab, { count: 5, temperature: 1, seed: 3, maxLength: 6 })).map(
          (g) => g.name,
        ),
      ).toEqual(generated.map((g) => g.name));
      const likeliest = (
        await generateNames(predictorOf(model), vocab, { count: 5, temperature: 0.3, seed: 3, maxLength: 6 })
      ).flatMap((g) => g.chars.filter((c) => c.char === c.top[0].char));
      expect(likeliest.length).toBeGreaterThan(0);
      for (const c of likeliest) expect(c.pSampled).toBeGreaterThan(c.p);
      await expect(generateNames(predictorOf(model), vocab, { count: 1, temperature: -1, seed: 1 })).rejects.toThrow(
        ValueError,
      );
      model.release();
    },
  );

  it('webgpu: one submit-and-readback per readEvery characters, then one forward and one readback for the distributions', async () => {
    const ctx = gpu();
    const vocab = makeVocab(['abc', 'ca']);
    const model = namesModel(ctx, vocab.chars.length, { hidden: 8, embedding: 4, seed: 1 });
    await generateNames(predictorOf(model), vocab, { count: 3, temperature: 0.8, seed: 1, maxLength: 8 }); // warm-up
    ctx.resetCounters();
    await generateNames(predictorOf(model), vocab, { count: 3, temperature: 0.8, seed: 1, maxLength: 8, readEvery: 4 });
    expect(ctx.counters().readbacks).toBe(3);
    model.release();
  });
});
