// LSTM on the Mauna Loa CO2 series in the browser: live training loss, then one-month-ahead forecasts
// against the truth on the held-out tail; weights downloadable as safetensors and loadable back.
import csv from '../node_modules/vega-datasets/data/co2-concentration.csv?raw';
import { loadSafetensors, type ModelSpec, type TrainerSpec, type TrainerWorker } from '../src/index.js';
import { CO2_MODEL, co2Task } from '../examples/co2_task.js';
import {
  $,
  OtherModelError,
  PageTrainer,
  describeError,
  describeOtherModel,
  lineChart,
  setStatus,
  wireOnnxDownload,
  wireWeightFiles,
} from './shared.js';

const WINDOW = 24;
const BATCH = 32;
const task = co2Task(csv, WINDOW);
const { co2, months, scale, trainIdx, testIdx } = task;

const SPEC: TrainerSpec<ModelSpec> = {
  model: CO2_MODEL,
  optimizer: { type: 'Adam', lr: 0.005 },
  loss: 'mse',
  clip: { maxNorm: 1 },
};

const pageTrainer = new PageTrainer(SPEC);
/** The trainer of the run in progress (what Stop stops). */
let training: TrainerWorker | undefined;
let stopping = false;
/** What the tests read (they drive the page through its controls). */
const state = { epochs: 0, losses: [] as number[], forecast: [] as number[], exported: 0, loads: 0, done: false };
(window as unknown as { __co2: unknown }).__co2 = state;

/** Forecast levels for the held-out months: last level + predicted change. */
async function forecast(trainer: TrainerWorker): Promise<number[]> {
  const pred = await trainer.predict(task.batch(testIdx).x, { timeMajor: true });
  return testIdx.map((i, b) => co2[i + WINDOW] + pred[b] * scale);
}

const LSTM_COLOR = '#d62728';
const NAIVE_COLOR = '#555';

/** The forecasts against the truth, and their errors month by month (where the two forecasts differ visibly). */
function showForecast(values: number[], done: string): void {
  state.forecast = values;
  const xs = testIdx.map((i) => months[i + WINDOW + 1]);
  const truth = testIdx.map((i) => co2[i + WINDOW + 1]);
  const naive = testIdx.map((i) => co2[i + WINDOW]);
  for (const id of ['forecast', 'errors']) $(id).innerHTML = '';
  lineChart($('forecast'), {
    title: 'Held-out months: next-month forecasts',
    xLabel: 'month',
    yLabel: 'CO2 (ppm)',
    timeX: true,
    series: [
      { label: 'truth', color: '#9ecae1', width: 5 },
      { label: 'LSTM', color: LSTM_COLOR },
      { label: 'naive (last value)', color: NAIVE_COLOR, dash: [5, 3] },
    ],
  }).setData([xs, truth, values, naive]);
  const error = (p: number[]) => p.map((v, k) => Math.abs(v - truth[k]));
  const mae = (p: number[]) => error(p).reduce((s, v) => s + v, 0) / p.length;
  lineChart($('errors'), {
    title: 'Absolute forecast error',
    xLabel: 'month',
    yLabel: 'error (ppm)',
    timeX: true,
    series: [
      { label: `LSTM (mean ${mae(values).toFixed(3)})`, color: LSTM_COLOR },
      { label: `naive (mean ${mae(naive).toFixed(3)})`, color: NAIVE_COLOR, dash: [5, 3] },
    ],
  }).setData([xs, error(values), error(naive)]);
  setStatus(
    `${done} Held-out mean absolute error: LSTM ${mae(values).toFixed(3)} ppm, naive last value ${mae(naive).toFixed(3)} ppm.`,
  );
}

async function train(): Promise<void> {
  const epochs = Number($<HTMLInputElement>('epochs').value);
  $<HTMLButtonElement>('start').disabled = true;
  $<HTMLInputElement>('load').disabled = true; // loaded weights would go into the model being trained
  Object.assign(state, { epochs: 0, losses: [], done: false });
  stopping = false;
  setStatus('Starting…');
  try {
    const trainer = await pageTrainer.rebuilt(SPEC);
    if (!trainer) return;
    training = trainer;
    $<HTMLButtonElement>('stop').disabled = false;
    $('loss').innerHTML = '';
    const lossChart = lineChart($('loss'), {
      title: 'Training loss per epoch (log scale)',
      xLabel: 'epoch',
      yLabel: 'MSE (scaled)',
      log: true,
      series: [{ label: 'training loss', color: '#2b7bba' }],
    });
    const { x, y } = task.batch(trainIdx);
    // Stop ends the run after the current step; the epoch it interrupts is not counted.
    const history = await trainer.fit(x, y, {
      epochs,
      batchSize: BATCH,
      seed: 3,
      timeMajor: true,
      onEpoch: (e) => {
        state.losses.push(e.meanLoss);
        state.epochs = e.epoch + 1;
        lossChart.setData([state.losses.map((_, k) => k + 1), state.losses]);
        if (!stopping) setStatus(`Epoch ${e.epoch + 1}/${epochs}: loss ${e.meanLoss.toFixed(4)}.`);
      },
    });
    state.epochs = history.epochLosses.length;
    const finalLoss = state.losses.length ? `, final loss ${state.losses.at(-1)!.toFixed(4)}` : '';
    const done =
      state.epochs < epochs
        ? `Stopped after ${state.epochs} of ${epochs} epochs`
        : `Trained ${epochs} epoch${epochs === 1 ? '' : 's'}`;
    showForecast(await forecast(trainer), `${done}${finalLoss}.`);
    for (const id of ['export', 'export-onnx']) $<HTMLButtonElement>(id).disabled = false;
  } finally {
    training = undefined;
    state.done = true;
    $<HTMLButtonElement>('stop').disabled = true;
    $<HTMLButtonElement>('start').disabled = false;
    $<HTMLInputElement>('load').disabled = false;
  }
}

/** The trained weights as safetensors bytes (what the download button saves). */
async function exportWeights(): Promise<Uint8Array> {
  const trainer = (await pageTrainer.live())!;
  const bytes = await trainer.saveWeights({ metadata: { task: 'co2 next-month change', window: String(WINDOW) } });
  state.exported = bytes.length;
  return bytes;
}

async function loadWeights(bytes: Uint8Array): Promise<void> {
  const trainer = await pageTrainer.live();
  if (!trainer) return;
  const other = describeOtherModel(await trainer.stateDict(), loadSafetensors(bytes).tensors);
  if (other) throw new OtherModelError(other);
  await trainer.loadWeights(bytes);
  showForecast(await forecast(trainer), 'Weights loaded.');
  for (const id of ['export', 'export-onnx']) $<HTMLButtonElement>(id).disabled = false; // the loaded weights can be saved again
  state.loads++;
}

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  train().catch((err) => setStatus(describeError(err), { error: true }));
});
$('stop').addEventListener('click', () => {
  if (!training) return;
  training.stop();
  stopping = true;
  setStatus('Stopping after this step…'); // the step in flight cannot be interrupted
});
wireWeightFiles('co2-lstm.safetensors', exportWeights, loadWeights);
wireOnnxDownload('co2-lstm.onnx', async () => ({
  spec: SPEC.model,
  trainer: (await pageTrainer.live())!,
  options: {
    loss: 'mse',
    optimizer: 'adam lr=0.005',
    metadata: { task: 'co2 next-month change', window: String(WINDOW) },
  },
}));

// Without WebGPU (and no ?backend=cpu) the banner says so and the controls stay disabled.
pageTrainer.live().catch((err) => setStatus(describeError(err), { error: true }));
