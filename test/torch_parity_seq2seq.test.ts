// The encoder–decoder against PyTorch (fixtures/gen_seq2seq.py → seq2seq.json): bidirectional GRU encoder
// with source lengths, bridge, LSTM decoder with and without input feeding, general and additive
// attention or none (attention: null), target padding ignored; the loss and every parameter gradient of one teacher-forced step,
// on the CPU reference (f64) and the GPU (f32).
import { describe, expect, it } from 'vitest';
import { Seq2Seq, type Backend, type Seq2SeqOptions } from '../src/index.js';
import { readFixture, type FixtureTensor } from './fixtures.js';
import { expectClose, useGpu } from './helpers.js';

interface Seq2SeqCase {
  name: string;
  options: Seq2SeqOptions;
  source: number[];
  sourceLengths: number[];
  target: number[];
  targetLengths: number[];
  params: Record<string, FixtureTensor>;
  loss: number;
  grads: Record<string, FixtureTensor>;
}

const fixture = readFixture<{ torch: string; cases: Seq2SeqCase[] }>('seq2seq.json');
const { gpu, cpu } = useGpu();

const CPU_TOL = { atol: 1e-12, rtol: 1e-12 };
// f32: a two-layer bidirectional encoder, a two-layer decoder over 4 steps, products of ≤ 11 terms.
const GPU_TOL = { atol: 2e-5, rtol: 1e-4 };

async function step(be: Backend, c: Seq2SeqCase): Promise<{ loss: number; grads: Record<string, Float64Array> }> {
  const model = new Seq2Seq(be, c.options);
  try {
    expect(model.params.names().sort()).toEqual(Object.keys(c.params).sort());
    model.loadStateDict(c.params);
    const loss = model.lossAndBackward({
      source: c.source,
      sourceLengths: c.sourceLengths,
      target: c.target,
      targetLengths: c.targetLengths,
    });
    const [value] = await be.readMany([loss]);
    loss.release();
    const grads = await model.gradDict();
    return { loss: value[0], grads: Object.fromEntries(Object.entries(grads).map(([k, v]) => [k, v.data])) };
  } finally {
    model.release();
  }
}

describe('Seq2Seq teacher-forced step vs PyTorch (float64 autograd)', () => {
  it('fixtures come from torch', () => {
    expect(fixture.torch).toMatch(/^1\.13/);
    expect(fixture.cases.map((c) => c.name)).toEqual([
      'general',
      'general_feeding',
      'additive_feeding',
      'additive',
      'none',
      'none_feeding',
    ]);
  });
  for (const c of fixture.cases) {
    it(`${c.name}: CPU within 1e-12`, async () => {
      const r = await step(cpu, c);
      expectClose([r.loss], [c.loss], CPU_TOL);
      for (const [name, g] of Object.entries(c.grads)) expectClose(r.grads[name], g.data, CPU_TOL);
    });
    it(`${c.name}: GPU within f32 tolerance`, async () => {
      const r = await step(gpu(), c);
      expectClose([r.loss], [c.loss], GPU_TOL);
      for (const [name, g] of Object.entries(c.grads)) expectClose(r.grads[name], g.data, GPU_TOL);
    });
  }
});
