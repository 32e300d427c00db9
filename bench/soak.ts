// npm run soak — trains an LSTM (2 layers, bidirectional, clip 1) for many steps on the default adapter
// and reports live tensors, GPU buffers created, pool bytes and pipelines every 1000 steps under a progress line. Exits 1 if
// any of them grows after the warm-up. Flags: npm run soak -- --help.
import { Adam, LSTM, Linear, ProgressLine, Sequential, Trainer, createContext, Rng } from '../src/index.js';
import { cli } from '../scripts/cli.js';

const { steps } = cli({
  name: 'bench/soak.ts',
  usage: 'npm run soak -- [flags]   (or: npx vite-node bench/soak.ts [flags])',
  about:
    'Trains an LSTM for many steps on the default adapter and reports live tensors, GPU buffers, pool bytes and\n' +
    'pipelines every 1000 steps; exits 1 if any of them grows after the warm-up.',
  flags: { steps: { type: 'int', min: 1000, default: 10_000, help: 'training steps' } },
});
const ctx = await createContext({ backend: 'webgpu' });
console.log(`soak: ${steps} LSTM training steps on ${ctx.adapter.description || ctx.adapter.device}`);
const model = new Sequential(
  ctx,
  [new LSTM({ inputSize: 3, hiddenSize: 16, numLayers: 2, bidirectional: true }), new Linear(32, 2)],
  { seed: 1 },
);
const opt = new Adam(model.params, { lr: 0.005 });
const trainer = new Trainer(model, opt, { loss: 'mse', clip: { maxNorm: 1 } });
const rng = new Rng(1);
const [x, y] = [ctx.zeros([16, 8, 3]), ctx.zeros([16, 8, 2])];
let warm: string | undefined;
let grew = false;
const t0 = performance.now();
const progress = new ProgressLine({ epochs: 1, stream: process.stdout });
let lossSum = 0;
for (let s = 1; s <= steps; s++) {
  ctx.write(x, rng.uniformArray(16 * 8 * 3));
  ctx.write(y, rng.uniformArray(16 * 8 * 2));
  const r = (await trainer.step(x, y))!;
  lossSum += r.loss;
  progress.onStep({ epoch: 0, step: s - 1, batch: s - 1, batches: steps, loss: r.loss });
  if (s % 1000 === 0 || s === 100) {
    const pool = ctx.poolStats();
    const state = `live tensors ${ctx.liveTensors()}, GPU buffers created ${pool.created} (${pool.bytes} bytes), pipelines ${ctx.counters().pipelinesCreated}`;
    progress.print(
      `step ${String(s).padStart(6)}: loss ${r.loss.toFixed(4)}, ${state}, ${((performance.now() - t0) / s).toFixed(2)} ms/step`,
    );
    if (warm === undefined) warm = state;
    else if (state !== warm) grew = true;
  }
}
progress.onEpoch({ epoch: 0, meanLoss: lossSum / steps, lr: opt.lr });
for (const t of [x, y]) t.release();
trainer.release();
opt.release();
model.release();
console.log(`after release: live tensors ${ctx.liveTensors()}`);
ctx.destroy();
if (grew) {
  console.error('FAILED: GPU memory grew after the warm-up');
  process.exit(1);
}
