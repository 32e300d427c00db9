// Seq2Seq without attention (attention: null, the classic encoder–decoder): its parameters, decode without
// attention weights, bad options refused. Its f64 finite-difference gradients, GPU vs CPU on awkward sizes and
// step-by-step decoding run with the other configurations in seq2seq.test.ts; PyTorch parity is in
// torch_parity_seq2seq.test.ts (cases 'none' and 'none_feeding').
import { describe, expect, it } from 'vitest';
import { Seq2Seq, ValueError, type Seq2SeqOptions } from '../src/index.js';
import { useGpu } from './helpers.js';
import { batch, configs as allConfigs } from './seq2seq_cases.js';

const { gpu, cpu } = useGpu();

const shapeOf = (m: Seq2Seq, name: string) => m.params.layout().find((e) => e.name === name)?.shape;

/** The configurations without attention. */
const configs = allConfigs.filter(([, o]) => o.attention === null);

describe('Seq2Seq without attention: parameters', () => {
  it('no attention parameters; W_c is [H_dec, H_dec]; the same model with attention adds W_a and W_c’s context columns', () => {
    const options = configs[0][1];
    const model = new Seq2Seq(cpu, options);
    const withAttention = new Seq2Seq(cpu, { ...options, attention: { score: 'general' } });
    const names = model.params.names();
    expect(names.filter((n) => n.startsWith('attention.'))).toEqual([]);
    expect(shapeOf(model, 'attentional.weight')).toEqual([3, 3]);
    // W_a [3, 4] and W_c's 4 context columns [3, 4].
    expect(withAttention.params.count() - model.params.count()).toBe(3 * 4 + 3 * 4);
    expect(withAttention.params.names().filter((n) => !names.includes(n))).toEqual(['attention.wa']);
    model.release();
    withAttention.release();
  });
});

describe('Seq2Seq without attention: decoding', () => {
  it('decode: greedy equals the host argmax loop; beam hypotheses carry no attention (GPU)', async () => {
    const be = gpu();
    const options = configs[1][1];
    const model = new Seq2Seq(be, { ...options, seed: 6 });
    const [B, S, V, maxLength] = [3, 4, options.targetVocab, 5];
    const data = batch(S, 2, B, options.sourceVocab, V, 3);
    const [start, end] = [0, 1];
    const greedy = await model.decode(data.source, data.sourceLengths, { maxLength, startToken: start, endToken: end });
    // The same choices by a host loop over decodeStep.
    const encoded = model.encode(data.source, data.sourceLengths);
    let state = encoded.state;
    let tokens = new Array<number>(B).fill(start);
    const out: number[][] = Array.from({ length: B }, () => []);
    for (let t = 0; t < maxLength; t++) {
      const ids = be.tensor(tokens, [B]);
      const step = model.decodeStep(encoded, ids, state);
      const [lp] = await be.readMany([step.logProbs]);
      tokens = Array.from({ length: B }, (_, b) => {
        let best = 0;
        for (let v = 1; v < V; v++) if (lp[b * V + v] > lp[b * V + best]) best = v;
        if (out[b][out[b].length - 1] !== end) out[b].push(best);
        return best;
      });
      if (state !== encoded.state) state.release();
      state = step.state;
      ids.release();
      step.logits.release();
      step.logProbs.release();
    }
    state.release();
    encoded.release();
    expect(greedy.hypotheses.map((h) => h[0].tokens)).toEqual(out);
    const beam = await model.decode(data.source, data.sourceLengths, {
      beamWidth: 2,
      maxLength,
      startToken: start,
      endToken: end,
    });
    expect(beam.hypotheses).toHaveLength(B);
    for (const hyps of beam.hypotheses)
      for (const h of hyps) {
        expect(h.attention).toBeUndefined();
        expect(Number.isFinite(h.score)).toBe(true);
      }
    for (const hyps of greedy.hypotheses) expect(hyps[0].attention).toBeUndefined();
    model.release();
  });
});

describe('Seq2Seq without attention: options', () => {
  const options = configs[0][1];
  it('any decoder size: no dot-score constraint without attention', () => {
    const model = new Seq2Seq(cpu, { ...options, decoder: { cell: 'gru', hiddenSize: 7 } });
    expect(shapeOf(model, 'attentional.weight')).toEqual([7, 7]);
    model.release();
  });
  const bad: Array<[string, unknown, RegExp]> = [
    [
      "an unknown score ('none')",
      { score: 'none' },
      /attention\.score: expected 'dot', 'general' or 'additive' \(attention: null for none\), got "none"/,
    ],
    ['attention left out', undefined, /attention.*or null/],
    ['attention: false', false, /attention.*or null/],
    ['units without a score', { units: 3 }, /attention\.score/],
    [
      'scaled with the additive score',
      { score: 'additive', scaled: true },
      /attention\.scaled: expected false for the 'additive' score \(it has no scale\), got true/,
    ],
    [
      'units with the general score',
      { score: 'general', units: 3 },
      /attention\.units: expected none for the 'general' score/,
    ],
  ];
  for (const [name, attention, message] of bad)
    it(`${name} is refused with a ValueError`, () => {
      const make = () => new Seq2Seq(cpu, { ...options, attention } as unknown as Seq2SeqOptions);
      expect(make).toThrow(ValueError);
      expect(make).toThrow(message);
    });
});
