// The main job (npm start): train an LSTM on a real time series — the monthly Mauna Loa CO2
// concentration that vega-datasets ships (741 months, 1958–2020) — on the default WebGPU adapter, as ONE
// long stream: at every month the LSTM reads that month's change and the month of the year and predicts
// next month's change. fit's tbptt option trains it CHUNK months at a time, the state carried detached
// from chunk to chunk. The last 20% of the months are held out; the last 15% of the training months
// choose the epoch (early stopping on their error, forecast after the state has run over the months
// before them, the best epoch's weights restored). Checks the GPU against the CPU reference, trains 5
// initialisation seeds with a progress line, prints each seed's held-out error and their mean and spread
// beside forecasts that need no training (last value, seasonal), and saves the weights as safetensors.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  Adam,
  CosineAnnealingLR,
  LSTM,
  Linear,
  ProgressLine,
  Sequential,
  Trainer,
  createContext,
  saveSafetensors,
  type Backend,
  type StateDict,
} from '../src/index.js';
import { co2Series } from './co2_task.js';
import { cli } from '../scripts/cli.js';

cli({
  name: 'examples/train.ts',
  usage: 'npm start   (or: bash scripts/with-vulkan.sh npx vite-node examples/train.ts)',
  about:
    'Trains an LSTM on the monthly Mauna Loa CO2 series (truncated BPTT, early stopping, 5 seeds) on the default\n' +
    'WebGPU adapter, prints the held-out error beside no-training forecasts and saves the weights.',
  flags: {},
});

const HIDDEN = 32;
const CHUNK = 24; // months per truncated-BPTT chunk
const EPOCHS = 150;
const LR = 0.005;
const PATIENCE = 30;
const SEEDS = [1, 2, 3, 4, 5];
const SHOW_EVERY = 25; // epochs between the progress lines kept on screen

const csv = readFileSync(
  join(dirname(createRequire(import.meta.url).resolve('vega-datasets')), '..', 'data', 'co2-concentration.csv'),
  'utf8',
);
const { co2, months, deltas, split, scale } = co2Series(csv);
const valStart = Math.floor(split * 0.85); // the first change that validates

// Step t of the stream: [change t (scaled), sin and cos of its month of the year] → change t+1 (scaled).
const features = (t: number) => {
  const month = new Date(months[t + 1] * 1000).getUTCMonth(); // the change from month t to t+1, dated t+1
  return [deltas[t] / scale, Math.sin((2 * Math.PI * month) / 12), Math.cos((2 * Math.PI * month) / 12)];
};
// Host data for steps 0 … steps-1, batch-first: x [1, steps, 3], targets [1, steps, 1] (the changes 1 … steps).
const stream = (steps: number) => ({
  data: Float32Array.from(Array.from({ length: steps }, (_, t) => features(t)).flat()),
  shape: [1, steps, 3],
});
const targets = (steps: number) => ({
  data: Float32Array.from({ length: steps }, (_, t) => deltas[t + 1] / scale),
  shape: [1, steps, 1],
});

function build(ctx: Backend, seed: number) {
  const model = new Sequential(
    ctx,
    [new LSTM({ inputSize: 3, hiddenSize: HIDDEN, forgetBias: 1 }), new Linear(HIDDEN, 1)],
    { seed },
  );
  const opt = new Adam(model.params, { lr: LR });
  return { model, opt, trainer: new Trainer(model, opt, { loss: 'mse', clip: { maxNorm: 1 } }) };
}

/** Mean absolute error in ppm of next month's level over changes [from, to), forecast by one forward pass over steps 0 … to-2. */
// `on`: the trainer, or inside a fit callback its event (fit keeps the model; e.predict runs on it there).
async function mae(on: Pick<Trainer, 'predict'>, from: number, to: number): Promise<number> {
  const pred = await on.predict(stream(to - 1)); // [1, to-1, 1]: step t forecasts change t+1
  let sum = 0;
  for (let j = from; j < to; j++) sum += Math.abs(pred[j - 1] * scale - deltas[j]);
  return sum / (to - from);
}

const gpu = await createContext({ backend: 'webgpu' });
console.log(
  `adapter: ${gpu.adapter.description || gpu.adapter.device} (vendor ${gpu.adapter.vendor}, ${gpu.adapter.software ? 'software' : 'hardware'})`,
);
console.log(
  `task: Mauna Loa CO2, ${co2.length} months (vega-datasets) as one stream; at every month predict next month's change from this month's ` +
    `change and month of the year; trains on changes 1–${valStart - 1}, chooses the epoch on ${valStart}–${split - 1}, ` +
    `holds out ${split}–${deltas.length - 1} (${deltas.length - split} months, the last 20%)`,
);
console.log(
  `model: LSTM(3→${HIDDEN}) + Linear(${HIDDEN}→1) at every step, truncated BPTT in chunks of ${CHUNK} months (batch 1), Adam lr ${LR} ` +
    `(cosine to ${LR / 20}), clip_grad_norm 1, up to ${EPOCHS} epochs, early stopping (patience ${PATIENCE}) on the validation MAE (ppm: "val"), ` +
    `seeds ${SEEDS.join(', ')}\n`,
);

// The GPU agrees with the CPU reference (f64) on the first steps of the same run (the first chunk, 3 times).
{
  const cpu = await createContext({ backend: 'cpu' });
  const losses = await Promise.all(
    [gpu, cpu].map(async (ctx: Backend) => {
      const { model, opt, trainer } = build(ctx, SEEDS[0]);
      const x = ctx.tensor(stream(CHUNK).data, [CHUNK, 1, 3]); // time-major [T, B, I]; with B = 1 the same data
      const y = ctx.tensor(targets(CHUNK).data, [CHUNK, 1, 1]);
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push((await trainer.step(x, y)).loss);
      for (const t of [x, y]) t.release();
      trainer.release();
      opt.release();
      model.release();
      return out;
    }),
  );
  console.log(
    `check: first 3 losses webgpu ${losses[0].map((l) => l.toFixed(6)).join(' ')} | cpu ${losses[1].map((l) => l.toFixed(6)).join(' ')}\n`,
  );
}

/** Trains one seed; returns its held-out MAE and the best epoch's validation MAE and weights. */
async function trainSeed(seed: number) {
  const { model, opt, trainer } = build(gpu, seed);
  const progress = new ProgressLine({ epochs: EPOCHS, stream: process.stdout });
  let best = { mae: Infinity, epoch: -1, weights: null as StateDict | null };
  const trainSteps = valStart - 1; // targets: the changes 1 … valStart-1
  const t0 = performance.now();
  const history = await trainer.fit(stream(trainSteps), targets(trainSteps), {
    epochs: EPOCHS,
    batchSize: 1,
    tbptt: { chunk: CHUNK },
    schedule: new CosineAnnealingLR(opt, { tMax: EPOCHS, etaMin: LR / 20 }),
    onStep: progress.onStep,
    // fit's own validation would start the state from zeros; this one warms it up over the training months.
    onEpoch: async (e) => {
      const val = await mae(e, valStart, split);
      if (val < best.mae) best = { mae: val, epoch: e.epoch, weights: await model.stateDict() };
      const stopping = e.epoch - best.epoch >= PATIENCE;
      if (e.epoch === 0 || (e.epoch + 1) % SHOW_EVERY === 0 || stopping || e.epoch === EPOCHS - 1)
        progress.onEpoch({ ...e, valLoss: val });
      if (stopping) e.stop();
    },
  });
  model.loadStateDict(best.weights!);
  const seconds = (performance.now() - t0) / 1000;
  const heldOut = await mae(trainer, split, deltas.length);
  const stopped = history.stoppedBy ? `stopped after epoch ${history.epochLosses.length}, ` : '';
  console.log(
    `seed ${seed}: held-out MAE ${heldOut.toFixed(3)} ppm (${seconds.toFixed(1)} s, ${stopped}best validation MAE ${best.mae.toFixed(3)} at epoch ${best.epoch + 1}, its weights kept)\n`,
  );
  trainer.release();
  opt.release();
  model.release();
  return { seed, heldOut, val: best.mae, weights: best.weights! };
}

const t0 = performance.now();
const runs = [];
for (const seed of SEEDS) runs.push(await trainSeed(seed));
const seconds = (performance.now() - t0) / 1000;

// Forecasts that need no training, on the same held-out months: the next change is 0 (the last level
// repeats), the change 12 months earlier, or the mean of the changes 12 and 24 months earlier.
const heldOutMae = (forecast: (j: number) => number) => {
  let sum = 0;
  for (let j = split; j < deltas.length; j++) sum += Math.abs(forecast(j) - deltas[j]);
  return sum / (deltas.length - split);
};
const baselines: Array<[string, number]> = [
  ['last value', heldOutMae(() => 0)],
  ['change 12 months earlier', heldOutMae((j) => deltas[j - 12])],
  ['mean change 12 and 24 months earlier', heldOutMae((j) => (deltas[j - 12] + deltas[j - 24]) / 2)],
];
const [bestName, bestMae] = baselines.reduce((a, b) => (b[1] < a[1] ? b : a));
const maes = runs.map((r) => r.heldOut);
const mean = maes.reduce((s, v) => s + v, 0) / maes.length;
console.log(`trained ${runs.length} seeds in ${seconds.toFixed(1)} s`);
console.log(
  `held-out mean absolute error of next month's level (ppm): LSTM ${mean.toFixed(3)} (mean of ${runs.length} seeds; ${Math.min(...maes).toFixed(3)}–${Math.max(...maes).toFixed(3)}: ` +
    `${maes.map((v) => v.toFixed(3)).join(' ')}); ${baselines.map(([n, v]) => `${n} ${v.toFixed(3)}`).join(', ')}`,
);
console.log(
  `LSTM vs the best baseline (${bestName}): ${(mean / bestMae).toFixed(3)}×, ${(100 * Math.abs(1 - mean / bestMae)).toFixed(1)}% ${mean < bestMae ? 'lower' : 'higher'}`,
);

// The weights of the seed with the best validation MAE (chosen without looking at the held-out months).
const chosen = runs.reduce((a, b) => (b.val < a.val ? b : a));
mkdirSync('out', { recursive: true });
const path = join('out', 'co2-lstm.safetensors');
const metadata = {
  task: 'co2 next-month change, one stream',
  inputs: 'change/scale, sin and cos of the month',
  scale: String(scale),
  seed: String(chosen.seed),
};
writeFileSync(path, saveSafetensors(chosen.weights, { metadata }));
console.log(
  `weights: ${path} (seed ${chosen.seed}, the best validation MAE; ${Object.keys(chosen.weights).join(', ')})`,
);
gpu.destroy();
if (!(mean < bestMae)) {
  console.error('FAILED: the LSTM did not beat the best seasonal forecast');
  process.exit(1);
}
