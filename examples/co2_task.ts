// The Mauna Loa CO2 series shared by the main job (examples/train.ts) and the demo (demo/co2.ts): the
// monthly concentration from vega-datasets, modelled through its month-to-month change (stationary,
// unlike the level). The last 20% of the changes is held out.
import type { HostArray, ModelSpec } from '../src/index.js';

export interface Co2Series {
  co2: number[]; // ppm per month
  months: number[]; // the first day of each month, in seconds since 1970 (the CSV's dates)
  deltas: number[]; // deltas[i] = co2[i+1] - co2[i]
  split: number; // the first held-out change: deltas[split …] are never trained on
  scale: number; // RMS of the training changes; inputs and targets are divided by it
}

/** Windows of changes (the demo's task): predict the next change from the previous `window` ones. */
export interface Co2Task extends Co2Series {
  window: number;
  trainIdx: number[]; // sample i: the window of changes before month i+window → the change at i+window
  testIdx: number[];
  /** Samples as time-major host data: x [window, B, 1], y [B, 1], scaled (fit with timeMajor: true). */
  batch(idx: number[]): { x: HostArray; y: HostArray };
}

export function co2Series(csv: string): Co2Series {
  const rows = csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
  const co2 = rows.map((row) => Number(row[1]));
  const months = rows.map((row) => Date.parse(row[0]) / 1000);
  const deltas = co2.slice(1).map((v, i) => v - co2[i]);
  const split = Math.floor(deltas.length * 0.8);
  const scale = Math.sqrt(deltas.slice(0, split).reduce((s, d) => s + d * d, 0) / split);
  return { co2, months, deltas, split, scale };
}

export function co2Task(csv: string, window: number): Co2Task {
  const series = co2Series(csv);
  const { deltas, split, scale } = series;
  const samples = (from: number, to: number) =>
    Array.from({ length: Math.max(0, to - window - from) }, (_, k) => from + k);
  return {
    ...series,
    window,
    trainIdx: samples(0, split),
    testIdx: samples(split - window, deltas.length),
    batch(idx) {
      const B = idx.length;
      const x = new Float32Array(window * B);
      const y = new Float32Array(B);
      idx.forEach((i, b) => {
        for (let t = 0; t < window; t++) x[t * B + b] = deltas[i + t] / scale;
        y[b] = deltas[i + window] / scale;
      });
      return { x: { data: x, shape: [window, B, 1] }, y: { data: y, shape: [B, 1] } };
    },
  };
}

/** The demo page's model: LSTM(1 → 32) over the window, its last step, Linear(32 → 1), the next change. */
export const CO2_MODEL: ModelSpec = {
  layers: [
    { type: 'LSTM', inputSize: 1, hiddenSize: 32, forgetBias: 1 },
    { type: 'LastStep' },
    { type: 'Linear', inFeatures: 32, outFeatures: 1 },
  ],
  seed: 7,
};
