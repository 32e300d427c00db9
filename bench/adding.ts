// The adding problem at T = 100 (Hochreiter & Schmidhuber 1997), GRU vs LSTM: training steps until the
// running MSE drops below 0.01 (chance: 2/12 ≈ 0.167), with test/long_range.test.ts's recipe (B 32,
// H 16, Adam 0.01, global-norm clip 1, LastStep + Linear head; the LSTM with forgetBias 5). Too slow
// for CI with both cells and several seeds: run it by hand.
//   bash scripts/with-vulkan.sh npx vite-node bench/adding.ts [--seeds 1,2,3] [--max 3000]
import {
  Adam,
  GRU,
  LSTM,
  LastStep,
  Linear,
  Rng,
  Sequential,
  Trainer,
  addingProblem,
  createContext,
  type Backend,
  type Layer,
} from '../src/index.js';
import { cli } from '../scripts/cli.js';

const args = cli({
  name: 'bench/adding.ts',
  usage: 'bash scripts/with-vulkan.sh npx vite-node bench/adding.ts [flags]',
  about: 'The adding problem at T = 100, GRU vs LSTM: training steps until the running MSE drops below 0.01.',
  flags: {
    seeds: { type: 'ints', min: 0, default: [4], help: 'initialisation seeds' },
    max: { type: 'int', min: 51, default: 3000, help: 'training steps at most per run' },
  },
});
const seeds = args.seeds;
const maxSteps = args.max;
const [T, B, H] = [100, 32, 16];
const TARGET = 0.01;

async function stepsToTarget(
  g: Backend,
  recurrent: Layer,
  seed: number,
): Promise<{ steps: number | null; loss: number; ms: number }> {
  const model = new Sequential(g, [recurrent, new LastStep(), new Linear(H, 1)], { seed });
  const opt = new Adam(model.params, { lr: 0.01 });
  const trainer = new Trainer(model, opt, { loss: 'mse', clip: { maxNorm: 1 } });
  const rng = new Rng(seed);
  const x = g.zeros([T, B, 2]);
  const y = g.zeros([B, 1]);
  let avg = 0;
  let step = 0;
  let reached: number | null = null;
  const t0 = performance.now();
  for (; step < maxSteps; step++) {
    const batch = addingProblem(rng, T, B);
    g.write(x, batch.x);
    g.write(y, batch.y);
    const r = (await trainer.step(x, y))!;
    if (r.skipped) continue;
    avg = step === 0 ? r.loss : 0.95 * avg + 0.05 * r.loss; // running mean over ~20 batches
    if (step > 50 && avg < TARGET) {
      reached = step + 1;
      break;
    }
  }
  const ms = performance.now() - t0;
  for (const t of [x, y]) t.release();
  trainer.release();
  opt.release();
  model.release();
  return { steps: reached, loss: avg, ms };
}

const g = await createContext({ backend: 'webgpu' });
for (const seed of seeds) {
  for (const [name, make] of [
    ['gru', () => new GRU({ inputSize: 2, hiddenSize: H })],
    ['lstm', () => new LSTM({ inputSize: 2, hiddenSize: H, forgetBias: 5 })],
  ] as const) {
    const r = await stepsToTarget(g, make(), seed);
    console.log(
      JSON.stringify({
        task: 'adding',
        T,
        B,
        H,
        cell: name,
        seed,
        steps_to_mse_0_01: r.steps,
        final_mse: Number(r.loss.toFixed(5)),
        max_steps: maxSteps,
        seconds: Math.round(r.ms / 100) / 10,
      }),
    );
  }
}
g.destroy();
process.exit(0);
