// LSTM on the Mauna Loa CO2 series in the browser: live training loss, then one-month-ahead forecasts
// against the truth on the held-out tail; weights downloadable as safetensors and loadable back.
// Query parameters for automation: ?epochs=2&autorun=1
import csv from '../node_modules/vega-datasets/data/co2-concentration.csv?raw';
import { Adam, LSTM, LastStep, Linear, Sequential, Trainer, loadSafetensors, saveSafetensors, Rng, type Backend } from '../src/index.js';
import { co2Task } from '../examples/co2_task.js';
import { $, getContext, lineChart, nextFrame, params } from './shared.js';

const WINDOW = 24;
const BATCH = 32;
const task = co2Task(csv, WINDOW);
const { co2, scale, trainIdx, testIdx } = task;

let ctx: Backend;
let model: Sequential | undefined;
let stopRequested = false;
const state = { epochs: 0, losses: [] as number[], forecast: [] as number[], exported: 0, reloadedMatches: false, done: false };
(window as unknown as { __co2: unknown }).__co2 = state;

const tensors = (idx: number[]) => task.batch(ctx, idx);

function build(): Sequential {
  model?.release();
  model = new Sequential(ctx, [new LSTM({ inputSize: 1, hiddenSize: 32, forgetBias: 1 }), new LastStep(), new Linear(32, 1)], { seed: 7 });
  return model;
}

/** Forecast levels for the held-out months: last level + predicted change. */
async function forecast(m: Sequential): Promise<number[]> {
  const { x, y } = tensors(testIdx);
  const pred = await ctx.read(m.forward(x));
  x.release();
  y.release();
  return testIdx.map((i, b) => co2[i + WINDOW] + pred[b] * scale);
}

const forecastChart = () => {
  $('forecast').innerHTML = '';
  return lineChart($('forecast'), 'Held-out months: truth vs one-month-ahead forecast (ppm)', ['truth', 'LSTM', 'naive (last value)'], ['#333', '#d62728', '#aaa']);
};

async function showForecast(values: number[]): Promise<void> {
  state.forecast = values;
  const xs = testIdx.map((_, k) => k);
  const truth = testIdx.map((i) => co2[i + WINDOW + 1]);
  const naive = testIdx.map((i) => co2[i + WINDOW]);
  forecastChart().setData([xs, truth, values, naive]);
  const mae = (p: number[]) => p.reduce((s, v, k) => s + Math.abs(v - truth[k]), 0) / p.length;
  $('status').textContent += ` Held-out mean absolute error: LSTM ${mae(values).toFixed(3)} ppm, naive ${mae(naive).toFixed(3)} ppm.`;
}

async function train(): Promise<void> {
  const epochs = Number($<HTMLInputElement>('epochs').value);
  const m = build();
  const opt = new Adam(m.params, { lr: 0.005 });
  const trainer = new Trainer(m, opt, { loss: 'mse', clip: { maxNorm: 1 } });
  $('loss').innerHTML = '';
  const lossChart = lineChart($('loss'), 'Training loss per epoch (scaled MSE)', ['loss'], ['#2b7bba']);
  const rng = new Rng(3);
  stopRequested = false;
  $<HTMLButtonElement>('stop').disabled = false;
  $<HTMLButtonElement>('start').disabled = true;
  state.losses = [];
  try {
    for (let epoch = 0; epoch < epochs && !stopRequested; epoch++) {
      const order = [...trainIdx];
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      let sum = 0;
      let n = 0;
      for (let s = 0; s + BATCH <= order.length && !stopRequested; s += BATCH) {
        const { x, y } = tensors(order.slice(s, s + BATCH));
        sum += (await trainer.step(x, y))!.loss;
        n++;
        x.release();
        y.release();
        await nextFrame();
      }
      state.losses.push(sum / n);
      state.epochs = epoch + 1;
      lossChart.setData([state.losses.map((_, k) => k + 1), state.losses]);
      $('status').textContent = `epoch ${epoch + 1}/${epochs}: loss ${(sum / n).toFixed(4)}`;
    }
    await showForecast(await forecast(m));
    $<HTMLButtonElement>('export').disabled = false;
  } finally {
    trainer.release();
    opt.release();
    $<HTMLButtonElement>('stop').disabled = true;
    $<HTMLButtonElement>('start').disabled = false;
  }
}

/** The trained weights as safetensors bytes (what the download button saves). */
async function exportWeights(): Promise<Uint8Array> {
  const bytes = saveSafetensors(await model!.stateDict(), { metadata: { task: 'co2 next-month change', window: String(WINDOW) } });
  state.exported = bytes.length;
  return bytes;
}

async function loadWeights(bytes: Uint8Array): Promise<void> {
  const m = model ?? build();
  m.loadStateDict(loadSafetensors(bytes).tensors);
  $('status').textContent = 'Weights loaded.';
  await showForecast(await forecast(m));
}

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  void train();
});
$('stop').addEventListener('click', () => (stopRequested = true));
$('export').addEventListener('click', async () => {
  const url = URL.createObjectURL(new Blob([new Uint8Array(await exportWeights())], { type: 'application/octet-stream' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: 'co2-lstm.safetensors' });
  a.click();
  URL.revokeObjectURL(url);
});
$<HTMLInputElement>('load').addEventListener('change', async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) await loadWeights(new Uint8Array(await file.arrayBuffer()));
});

ctx = await getContext();
if (params.get('epochs')) $<HTMLInputElement>('epochs').value = params.get('epochs')!;
if (params.get('autorun')) {
  await train();
  // Round trip, as a visitor would do with the two buttons: export, reload, same forecast.
  const before = state.forecast;
  await loadWeights(await exportWeights());
  state.reloadedMatches = state.forecast.every((v, k) => v === before[k]);
  state.done = true;
}
