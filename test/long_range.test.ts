// Learning where the RNN fails: the adding problem (Hochreiter & Schmidhuber 1997) with T = 100.
// Input per step: (value ~ U(0, 1), marker); one marker in each half; target: the sum of the two
// marked values, read at the last step. Predicting the mean scores MSE = Var = 2/12 ≈ 0.167 (chance).
// The LSTM and the GRU learn it; a tanh RNN does not.
import { describe, expect, it } from 'vitest';
import {
  Adam,
  GRU,
  LSTM,
  LastStep,
  Linear,
  RNN,
  Rng,
  Sequential,
  Trainer,
  addingProblem,
  type Layer,
} from '../src/index.js';
import { useGpu } from './helpers.js';

const { gpu } = useGpu();
const [T, B, H] = [100, 32, 16];

async function train(
  recurrent: Layer,
  maxSteps: number,
  stopBelow: number,
): Promise<{ loss: number; steps: number; skipped: number }> {
  const g = gpu();
  const model = new Sequential(g, [recurrent, new LastStep(), new Linear(H, 1)], { seed: 4 });
  const opt = new Adam(model.params, { lr: 0.01 });
  // Clipping is part of the recipe: over 100 steps the LSTM's gradient norm grows ×40 in the first
  // three updates here, and unclipped runs end in non-finite steps (the guard then skips them).
  const trainer = new Trainer(model, opt, { loss: 'mse', clip: { maxNorm: 1 } });
  const rng = new Rng(1);
  const x = g.zeros([T, B, 2]);
  const y = g.zeros([B, 1]);
  let avg = 0;
  let step = 0;
  for (; step < maxSteps && !(step > 50 && avg < stopBelow); step++) {
    const batch = addingProblem(rng, T, B);
    g.write(x, batch.x);
    g.write(y, batch.y);
    const r = (await trainer.step(x, y))!;
    if (r.skipped) continue;
    avg = step === 0 ? r.loss : 0.95 * avg + 0.05 * r.loss; // running mean over ~20 batches
  }
  const skipped = trainer.skippedSteps;
  for (const t of [x, y]) t.release();
  trainer.release();
  opt.release();
  model.release();
  return { loss: avg, steps: step, skipped };
}

describe('adding problem, T = 100', () => {
  it('an LSTM learns it; a tanh RNN of the same size stays at chance', async () => {
    // forgetBias 5 (σ(5) ≈ 0.993, a chrono-style init for T ≈ 100: Tallec & Ollivier 2018) lets the
    // cell-state gradient reach back 100 steps from the start. The adding problem is known for a long
    // chance-level plateau whose length varies with the seed (here: this seed leaves it after ~1100
    // steps; seed 1 with other data was still on it after 1200): the cap of 2000 steps bounds the time.
    const lstm = await train(new LSTM({ inputSize: 2, hiddenSize: H, forgetBias: 5 }), 2000, 0.005);
    const rnn = await train(new RNN({ inputSize: 2, hiddenSize: H }), 600, 0.005);
    console.log(
      `adding problem T=${T}: LSTM MSE ${lstm.loss.toFixed(4)} after ${lstm.steps} steps (${lstm.skipped} skipped by the guard); ` +
        `tanh RNN MSE ${rnn.loss.toFixed(4)} after ${rnn.steps} steps (chance 0.167)`,
    );
    // < 0.02: both marked values recovered (getting only one of them right scores ≈ 1/12 ≈ 0.083).
    expect(lstm.loss).toBeLessThan(0.02);
    // > 0.12: no better than a model that has learned nothing about the markers.
    expect(rnn.loss).toBeGreaterThan(0.12);
  }, 300_000); // ~50 s alone on lavapipe, ~100 s on a loaded 2-core machine: past the default 120 s limit is too close

  it('a GRU learns it too (PyTorch init, no bias trick)', async () => {
    // bench/adding.ts compares the steps to a running MSE < 0.01 with the LSTM's over several seeds.
    const gru = await train(new GRU({ inputSize: 2, hiddenSize: H }), 1500, 0.005);
    console.log(
      `adding problem T=${T}: GRU MSE ${gru.loss.toFixed(4)} after ${gru.steps} steps (${gru.skipped} skipped by the guard)`,
    );
    expect(gru.loss).toBeLessThan(0.02);
  }, 300_000);
});
