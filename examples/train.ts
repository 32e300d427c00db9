// The main job (npm start): train an LSTM on a real time series — the monthly Mauna Loa CO2
// concentration that the vega-datasets package ships (741 months, 1958–2020) — on the default WebGPU
// adapter: predict next month's change from the previous 24 months' changes. Checks the GPU against the
// CPU reference, trains with fit() (validation on the latest training windows, early stopping, a cosine
// schedule, a progress line), prints the held-out error beside forecasts that need no training (last
// value, seasonal), and saves the trained weights as safetensors.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Adam, CosineAnnealingLR, LSTM, LastStep, Linear, ProgressLine, Sequential, Trainer, createContext, saveSafetensors, type Backend } from '../src/index.js';
import { co2Task } from './co2_task.js';

const WINDOW = 24;
const HIDDEN = 32;
const EPOCHS = 40;
const BATCH = 32;
const LR = 0.005;
const VALIDATION = 0.15;
const PATIENCE = 10;

function loadCsv(): string {
  const pkg = createRequire(import.meta.url).resolve('vega-datasets');
  return readFileSync(join(dirname(pkg), '..', 'data', 'co2-concentration.csv'), 'utf8');
}

const task = co2Task(loadCsv(), WINDOW);
const { co2, deltas, scale, trainIdx, testIdx } = task;

function build(ctx: Backend) {
  const model = new Sequential(ctx, [new LSTM({ inputSize: 1, hiddenSize: HIDDEN, forgetBias: 1 }), new LastStep(), new Linear(HIDDEN, 1)], { seed: 7 });
  const opt = new Adam(model.params, { lr: LR });
  return { model, opt, trainer: new Trainer(model, opt, { loss: 'mse', clip: { maxNorm: 1 } }) };
}

const gpu = await createContext({ backend: 'webgpu' });
console.log(`adapter: ${gpu.adapter.description || gpu.adapter.device} (vendor ${gpu.adapter.vendor}, ${gpu.adapter.software ? 'software' : 'hardware'})`);
console.log(
  `task: Mauna Loa CO2, ${co2.length} months (vega-datasets); predict next month's change from the last ${WINDOW}; ` +
    `${trainIdx.length} training windows, ${testIdx.length} held out (the last 20% of the series)`,
);
console.log(
  `model: LSTM(1→${HIDDEN}) + Linear(${HIDDEN}→1) on the last step, Adam lr ${LR} (cosine to ${LR / 20}), clip_grad_norm 1, batch ${BATCH}, ` +
    `up to ${EPOCHS} epochs, early stopping (patience ${PATIENCE}) on the last ${VALIDATION * 100}% of the training windows\n`,
);

// The GPU agrees with the CPU reference (f64) on the first steps of the same run.
{
  const cpu = await createContext({ backend: 'cpu' });
  const idx = trainIdx.slice(0, BATCH);
  const losses = await Promise.all(
    [gpu, cpu].map(async (ctx: Backend) => {
      const { model, opt, trainer } = build(ctx);
      const { x, y } = task.batch(ctx, idx);
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push((await trainer.step(x, y)).loss);
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
// Host data, batch-first: x [N, WINDOW, 1] (scaled changes), targets [N, 1] (next change, scaled).
function windows(idx: number[]) {
  const x = new Float32Array(idx.length * WINDOW);
  const y = new Float32Array(idx.length);
  idx.forEach((i, n) => {
    for (let t = 0; t < WINDOW; t++) x[n * WINDOW + t] = deltas[i + t] / scale;
    y[n] = deltas[i + WINDOW] / scale;
  });
  return { x: { data: x, shape: [idx.length, WINDOW, 1] }, y };
}
const train = windows(trainIdx);
const progress = new ProgressLine({ epochs: EPOCHS, stream: process.stdout });
const t0 = performance.now();
// The last 15% of the training windows (the latest months before the held-out tail) validate each epoch.
const history = await trainer.fit(train.x, train.y, {
  epochs: EPOCHS,
  batchSize: BATCH,
  seed: 3,
  validationSplit: VALIDATION,
  earlyStopping: { patience: PATIENCE, restoreBestWeights: true },
  schedule: new CosineAnnealingLR(opt, { tMax: EPOCHS, etaMin: LR / 20 }),
  onStep: progress.onStep,
  onEpoch: progress.onEpoch,
});
const trainSeconds = (performance.now() - t0) / 1000;
const stopped = history.stoppedBy ? `early stopping after epoch ${history.epochLosses.length}, ` : '';
console.log(`\ntrained in ${trainSeconds.toFixed(1)} s (${stopped}best validation MSE ${Math.min(...history.valLosses).toFixed(4)} at epoch ${(history.bestEpoch ?? 0) + 1}, its weights kept)`);

// Held-out error in ppm against forecasts that need no training: the next change is 0 (the last level
// repeats), the change 12 months earlier, or the mean of the changes 12 and 24 months earlier.
const test = windows(testIdx);
const pred = await trainer.predict(test.x);
const mae = (forecast: (i: number, n: number) => number) => testIdx.reduce((sum, i, n) => sum + Math.abs(forecast(i, n) - deltas[i + WINDOW]), 0) / testIdx.length;
const maeModel = mae((_, n) => pred[n] * scale);
const baselines: Array<[string, number]> = [
  ['last value', mae(() => 0)],
  ['change 12 months earlier', mae((i) => deltas[i + WINDOW - 12])],
  ['mean change 12 and 24 months earlier', mae((i) => (deltas[i + WINDOW - 12] + deltas[i + WINDOW - 24]) / 2)],
];
const [bestName, bestMae] = baselines.reduce((a, b) => (b[1] < a[1] ? b : a));
console.log(`held-out mean absolute error of next month's level (ppm): LSTM ${maeModel.toFixed(3)}; ${baselines.map(([n, v]) => `${n} ${v.toFixed(3)}`).join(', ')}`);
console.log(`LSTM vs the best baseline (${bestName}): ${(100 * Math.abs(1 - maeModel / bestMae)).toFixed(1)}% ${maeModel < bestMae ? 'lower' : 'higher'}`);

mkdirSync('out', { recursive: true });
const path = join('out', 'co2-lstm.safetensors');
const weights = await model.stateDict();
writeFileSync(path, saveSafetensors(weights, { metadata: { task: 'co2 next-month change', window: String(WINDOW), scale: String(scale) } }));
console.log(`weights: ${path} (${Object.keys(weights).join(', ')})`);
trainer.release();
opt.release();
model.release();
gpu.destroy();
if (!(maeModel < baselines[0][1])) {
  console.error('FAILED: the LSTM did not beat the naive forecast');
  process.exit(1);
}
