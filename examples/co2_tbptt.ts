// A long stream trained with truncated BPTT (not run in CI): the monthly Mauna Loa CO2 series
// (vega-datasets, 741 months) as ONE sequence. At every month the LSTM reads that month's change and the
// month of the year and predicts next month's change; fit's tbptt option trains it CHUNK months at a
// time, the states carried detached from chunk to chunk. The last 20% of the months are held out (the
// main job's 148 months); the last 15% of the training months choose the epoch (early stopping on their
// error, the state warmed up on the months before them). Held-out forecasts come from one forward pass
// over the whole series, compared with the seasonal forecasts that need no training.
//   bash scripts/with-vulkan.sh npx vite-node examples/co2_tbptt.ts [seed]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Adam, CosineAnnealingLR, LSTM, Linear, ProgressLine, Sequential, Trainer, createContext, type StateDict } from '../src/index.js';
import { co2Task } from './co2_task.js';

const HIDDEN = 32;
const CHUNK = 24; // months per truncated-BPTT chunk
const EPOCHS = 150;
const LR = 0.005;
const PATIENCE = 30;
const SEED = Number(process.argv[2] ?? 1);

const csv = readFileSync(join(dirname(createRequire(import.meta.url).resolve('vega-datasets')), '..', 'data', 'co2-concentration.csv'), 'utf8');
const task = co2Task(csv, 24); // a window of 24 only fixes the held-out months, as in the main job
const { deltas, scale, months } = task;
const split = task.testIdx[0] + task.window; // first held-out change
const valStart = Math.floor(split * 0.85);

// Step t of the stream: [change t (scaled), sin and cos of its month of the year] → change t+1 (scaled).
const features = (t: number) => {
  const month = new Date(months[t + 1] * 1000).getUTCMonth(); // the change from month t to t+1, dated t+1
  return [deltas[t] / scale, Math.sin((2 * Math.PI * month) / 12), Math.cos((2 * Math.PI * month) / 12)];
};
const stream = (steps: number) => ({ data: Float32Array.from(Array.from({ length: steps }, (_, t) => features(t)).flat()), shape: [1, steps, 3] });
const targets = (steps: number) => ({ data: Float32Array.from({ length: steps }, (_, t) => deltas[t + 1] / scale), shape: [1, steps, 1] });

const ctx = await createContext({ backend: 'webgpu' });
const model = new Sequential(ctx, [new LSTM({ inputSize: 3, hiddenSize: HIDDEN, forgetBias: 1 }), new Linear(HIDDEN, 1)], { seed: SEED });
const opt = new Adam(model.params, { lr: LR });
const trainer = new Trainer(model, opt, { loss: 'mse', clip: { maxNorm: 1 } });

/** Mean absolute error in ppm of next month's level over changes [from, to), forecast by one forward pass over steps 0 … to-2. */
async function mae(from: number, to: number): Promise<number> {
  const pred = await trainer.predict(stream(to - 1)); // [1, to-1, 1]: step t forecasts change t+1
  let sum = 0;
  for (let j = from; j < to; j++) sum += Math.abs(pred[j - 1] * scale - deltas[j]);
  return sum / (to - from);
}

const trainSteps = valStart - 1; // targets are the changes 1 … valStart-1
console.log(`adapter: ${ctx.adapter.description || ctx.adapter.device} (${ctx.adapter.software ? 'software' : 'hardware'})`);
console.log(
  `stream: ${deltas.length} monthly changes; trains on changes 1–${valStart - 1} as one sequence in chunks of ${CHUNK} (truncated BPTT), ` +
    `chooses the epoch on ${valStart}–${split - 1}, holds out ${split}–${deltas.length - 1} (${deltas.length - split} months); LSTM(3→${HIDDEN}) + Linear, seed ${SEED}`,
);
const progress = new ProgressLine({ epochs: EPOCHS, stream: process.stdout });
let best = { mae: Infinity, epoch: -1, weights: null as StateDict | null };
const t0 = performance.now();
await trainer.fit(stream(trainSteps), targets(trainSteps), {
  epochs: EPOCHS,
  batchSize: 1,
  tbptt: { chunk: CHUNK },
  schedule: new CosineAnnealingLR(opt, { tMax: EPOCHS, etaMin: LR / 20 }),
  onStep: progress.onStep,
  onEpoch: async (e) => {
    progress.onEpoch(e);
    const val = await mae(valStart, split); // the state warmed up over the training months first
    if (val < best.mae) best = { mae: val, epoch: e.epoch, weights: await model.stateDict() };
    else if (e.epoch - best.epoch >= PATIENCE) e.stop();
  },
});
model.loadStateDict(best.weights!);
const seconds = (performance.now() - t0) / 1000;

const heldOut = await mae(split, deltas.length);
const baseline = (forecast: (j: number) => number) => {
  let sum = 0;
  for (let j = split; j < deltas.length; j++) sum += Math.abs(forecast(j) - deltas[j]);
  return sum / (deltas.length - split);
};
const baselines: Array<[string, number]> = [
  ['last value', baseline(() => 0)],
  ['change 12 months earlier', baseline((j) => deltas[j - 12])],
  ['mean change 12 and 24 months earlier', baseline((j) => (deltas[j - 12] + deltas[j - 24]) / 2)],
];
const [bestName, bestMae] = baselines.reduce((a, b) => (b[1] < a[1] ? b : a));
console.log(`\ntrained in ${seconds.toFixed(1)} s; best validation MAE ${best.mae.toFixed(3)} ppm at epoch ${best.epoch + 1} (its weights kept)`);
console.log(`held-out MAE of next month's level (ppm): LSTM ${heldOut.toFixed(3)}; ${baselines.map(([n, v]) => `${n} ${v.toFixed(3)}`).join(', ')}`);
console.log(`LSTM vs the best baseline (${bestName}): ${(100 * Math.abs(1 - heldOut / bestMae)).toFixed(1)}% ${heldOut < bestMae ? 'lower' : 'higher'}`);
trainer.release();
opt.release();
model.release();
ctx.destroy();
