// The main job (npm start): train an LSTM on a real time series — the monthly Mauna Loa CO2
// concentration that the vega-datasets package ships (741 months, 1958–2020) — on the default WebGPU
// adapter: predict next month's change from the previous 24 months' changes. Prints per-epoch loss,
// gradient norm and step time, the held-out error against a naive last-value forecast, checks the GPU
// against the CPU reference, and saves the trained weights as safetensors.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Adam, LSTM, LastStep, Linear, Rng, Sequential, Trainer, createContext, saveSafetensors, type Backend } from '../src/index.js';
import { co2Task } from './co2_task.js';

const WINDOW = 24;
const HIDDEN = 32;
const EPOCHS = 30;
const BATCH = 32;

function loadCsv(): string {
  const pkg = createRequire(import.meta.url).resolve('vega-datasets');
  return readFileSync(join(dirname(pkg), '..', 'data', 'co2-concentration.csv'), 'utf8');
}

const task = co2Task(loadCsv(), WINDOW);
const { co2, deltas, scale, trainIdx, testIdx } = task;

function build(ctx: Backend) {
  const model = new Sequential(ctx, [new LSTM({ inputSize: 1, hiddenSize: HIDDEN, forgetBias: 1 }), new LastStep(), new Linear(HIDDEN, 1)], { seed: 7 });
  const opt = new Adam(model.params, { lr: 0.005 });
  return { model, opt, trainer: new Trainer(model, opt, { loss: 'mse', clip: { maxNorm: 1 } }) };
}

const gpu = await createContext({ backend: 'webgpu' });
console.log(`adapter: ${gpu.adapter.description || gpu.adapter.device} (vendor ${gpu.adapter.vendor}, ${gpu.adapter.software ? 'software' : 'hardware'})`);
console.log(
  `task: Mauna Loa CO2, ${co2.length} months (vega-datasets); predict next month's change from the last ${WINDOW}; ` +
    `${trainIdx.length} training windows, ${testIdx.length} held out (the last 20% of the series)`,
);
console.log(`model: LSTM(1→${HIDDEN}) + Linear(${HIDDEN}→1) on the last step, Adam lr 0.005, clip_grad_norm 1, batch ${BATCH}, ${EPOCHS} epochs\n`);

// The GPU agrees with the CPU reference (f64) on the first steps of the same run.
{
  const cpu = await createContext({ backend: 'cpu' });
  const idx = trainIdx.slice(0, BATCH);
  const losses = await Promise.all(
    [gpu, cpu].map(async (ctx: Backend) => {
      const { model, opt, trainer } = build(ctx);
      const { x, y } = task.batch(ctx, idx);
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push((await trainer.step(x, y))!.loss);
      for (const t of [x, y]) t.release();
      trainer.release();
      opt.release();
      model.release();
      return out;
    }),
  );
  console.log(`check: first 3 losses webgpu ${losses[0].map((l) => l.toFixed(6)).join(' ')} | cpu ${losses[1].map((l) => l.toFixed(6)).join(' ')}\n`);
}

const { model, opt, trainer } = build(gpu);
const rng = new Rng(3);
console.log('epoch | train MSE (scaled) | grad norm (mean) | clipped | step ms (median)');
const t0 = performance.now();
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const order = [...trainIdx];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  let loss = 0;
  let norm = 0;
  let clipped = 0;
  const ms: number[] = [];
  let steps = 0;
  for (let s = 0; s + BATCH <= order.length; s += BATCH, steps++) {
    const { x, y } = task.batch(gpu, order.slice(s, s + BATCH));
    const s0 = performance.now();
    const r = (await trainer.step(x, y))!;
    ms.push(performance.now() - s0);
    loss += r.loss;
    norm += r.gradNorm;
    clipped += r.clipped ? 1 : 0;
    x.release();
    y.release();
  }
  ms.sort((a, b) => a - b);
  if (epoch % 3 === 0 || epoch === EPOCHS - 1) {
    console.log(
      `${String(epoch + 1).padStart(5)} | ${(loss / steps).toFixed(4).padStart(18)} | ${(norm / steps).toFixed(3).padStart(16)} | ${`${clipped}/${steps}`.padStart(7)} | ${ms[Math.floor(ms.length / 2)].toFixed(2).padStart(16)}`,
    );
  }
}
const trainSeconds = (performance.now() - t0) / 1000;

// Held-out error in ppm: the model's forecast vs the naive forecast that repeats the last level.
const { x, y } = task.batch(gpu, testIdx);
gpu.resetCounters();
const pred = await gpu.read(model.forward(x));
let maeModel = 0;
let maeNaive = 0;
testIdx.forEach((i, b) => {
  const truth = deltas[i + WINDOW]; // next level − last level
  maeModel += Math.abs(pred[b] * scale - truth);
  maeNaive += Math.abs(truth); // the naive forecast repeats the last level: error = |change|
});
maeModel /= testIdx.length;
maeNaive /= testIdx.length;
console.log(`\ntrained in ${trainSeconds.toFixed(1)} s; held-out mean absolute error of next month's level: LSTM ${maeModel.toFixed(3)} ppm, naive last-value ${maeNaive.toFixed(3)} ppm (${(maeNaive / maeModel).toFixed(1)}x better)`);

mkdirSync('out', { recursive: true });
const path = join('out', 'co2-lstm.safetensors');
const weights = await model.stateDict();
writeFileSync(path, saveSafetensors(weights, { metadata: { task: 'co2 next-month change', window: String(WINDOW), scale: String(scale) } }));
console.log(`weights: ${path} (${Object.keys(weights).join(', ')})`);
for (const t of [x, y]) t.release();
trainer.release();
opt.release();
model.release();
gpu.destroy();
if (!(maeModel < maeNaive)) {
  console.error('FAILED: the LSTM did not beat the naive forecast');
  process.exit(1);
}
