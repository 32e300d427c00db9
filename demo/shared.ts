// What the pages share: a trainer in a worker (demo/trainer.worker.ts) on WebGPU or, when the visitor
// asks, the CPU backend (a choice the nav bar keeps), with a clear message when WebGPU is missing or the
// worker stops; the adapter line, the status line, and small uPlot helpers (axis titles, log scales with
// readable ticks, marked iterations, legends without values). The main thread only draws and handles controls.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {
  CpuBackend,
  NoAdapterError,
  WorkerError,
  createWorkerTrainer,
  modelFromSpec,
  type AdapterSummary,
  type BackendKind,
  type ModelSpec,
  type TrainerSpec,
  type TrainerWorker,
} from '../src/index.js';
import type { ExportOnnxOptions } from '../src/onnx/index.js';

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
export const params = new URLSearchParams(location.search);

// A backend the visitor chose ("Use the CPU backend") carries over to the pages the nav bar links.
if (params.get('backend') === 'cpu')
  document.querySelectorAll<HTMLAnchorElement>('nav a').forEach((a) => (a.search = '?backend=cpu'));

const backend = params.get('backend') === 'cpu' ? 'cpu' : 'webgpu';

/**
 * A trainer in a new worker, built from `spec`, on WebGPU or the CPU backend the visitor asked for
 * (?backend=cpu). Without WebGPU: undefined, with a banner that offers the CPU backend and the form's
 * controls disabled.
 */
async function startTrainer(spec: TrainerSpec): Promise<TrainerWorker | undefined> {
  const worker = new Worker(new URL('./trainer.worker.ts', import.meta.url), { type: 'module' });
  try {
    const trainer = await createWorkerTrainer({ worker, backend, ...spec });
    showAdapter(trainer);
    return trainer;
  } catch (e) {
    if (!(e instanceof NoAdapterError)) throw e;
    $('adapter').textContent = 'Backend: none (WebGPU is not available)';
    showNoWebGpu(true);
    return undefined;
  }
}

/**
 * The page's trainer: started at load (the adapter line, or the banner), rebuilt from a new spec for each
 * run, and started in a fresh worker when the last one stopped (after the page showed its WorkerError).
 */
export class PageTrainer {
  private trainer?: Promise<TrainerWorker | undefined>;

  constructor(private readonly initial: TrainerSpec) {}

  /** The trainer, started on first use and anew when its worker stopped; undefined without WebGPU. */
  async live(): Promise<TrainerWorker | undefined> {
    const trainer = await (this.trainer ??= startTrainer(this.initial));
    if (trainer && !trainer.alive) this.trainer = startTrainer(this.initial);
    return this.trainer;
  }

  /** The trainer with a new model, optimizer and trainer built from `spec`. */
  async rebuilt(spec: TrainerSpec): Promise<TrainerWorker | undefined> {
    const trainer = await this.live();
    await trainer?.reset(spec);
    return trainer;
  }
}

/** An error for the status line; a stopped worker's says what to do next. */
export function describeError(err: unknown): string {
  return err instanceof WorkerError ? `${err} — Train starts a new one.` : String(err);
}

/** Why this browser has no WebGPU, for a visitor (the library's message speaks to programmers). */
function whyNoWebGpu(): string {
  if (!isSecureContext) return 'browsers offer it only to pages served from https:// or localhost';
  if (!('gpu' in navigator)) return 'this browser does not offer it, or it is turned off';
  return 'the browser has it turned off, or has no GPU it may use (chrome://gpu says why)';
}

/** A banner above the form saying why the page cannot train on the GPU; disables every control of the form. */
export function showNoWebGpu(offerCpu: boolean): void {
  const box = Object.assign(document.createElement('div'), { id: 'nogpu', className: 'warn' });
  box.innerHTML =
    `WebGPU is not available here: ${whyNoWebGpu()}. ` +
    (offerCpu
      ? '<a href="?backend=cpu">Use the CPU backend</a> instead (slower, same results), or open this page in a browser with WebGPU.'
      : 'Open this page in a browser with WebGPU (a recent Chrome or Edge) to run the benchmarks.');
  $('form').before(box);
  $('form')
    .querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>('button, input, select')
    .forEach((c) => (c.disabled = true));
}

/** The status line: a message, or an error in the error style. */
export function setStatus(text: string, { error = false } = {}): void {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

function showAdapter({ kind, adapter: a }: { kind: BackendKind; adapter: AdapterSummary }): void {
  $('adapter').textContent =
    `Backend: ${kind}, in a worker — ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' · ')}${a.software ? ' (software)' : ''}`;
}

/** A safetensors file that reads fine but holds another model's tensors; the message says how, in words. */
export class OtherModelError extends Error {
  override name = 'OtherModelError';
}

/**
 * How a file's tensors differ from the model's, in words (which names it lacks or adds, which shapes
 * differ), or null when names and shapes match.
 */
export function describeOtherModel(
  model: Record<string, { shape: number[] }>,
  file: Record<string, { shape: number[] }>,
): string | null {
  const list = (names: string[]) =>
    names.length <= 6 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
  const size = (shape: number[]) => (shape.length === 0 ? 'a scalar' : shape.join(' × '));
  const lacks = Object.keys(model).filter((k) => !Object.hasOwn(file, k));
  const extra = Object.keys(file).filter((k) => !Object.hasOwn(model, k));
  const reshaped = Object.keys(model).filter(
    (k) => Object.hasOwn(file, k) && file[k].shape.join(',') !== model[k].shape.join(','),
  );
  const parts = [
    ...(lacks.length ? [`it lacks ${list(lacks)}, which this model needs`] : []),
    ...(extra.length ? [`it has ${list(extra)}, which this model does not`] : []),
    ...reshaped.map((k) => `${k} is ${size(file[k].shape)} in the file but ${size(model[k].shape)} in this model`),
  ];
  return parts.length ? `This file holds another model's weights: ${parts.join('; ')}.` : null;
}

/** Saves `bytes` as a file named `fileName` (the browser's download). */
function download(fileName: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: fileName });
  a.click();
  URL.revokeObjectURL(url);
}

/** The #export button downloads the weights as `fileName`; the #load file input loads a file, its failure shown in the status. */
export function wireWeightFiles(
  fileName: string,
  exportWeights: () => Promise<Uint8Array>,
  loadWeights: (bytes: Uint8Array) => Promise<void>,
): void {
  $('export').addEventListener('click', async () => download(fileName, await exportWeights()));
  $<HTMLInputElement>('load').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file)
      await loadWeights(new Uint8Array(await file.arrayBuffer())).catch((err) =>
        setStatus(
          err instanceof OtherModelError ? err.message : `This file is not a safetensors file for this model: ${err}`,
          { error: true },
        ),
      );
  });
}

/**
 * The #export-onnx button downloads the trained model as an ONNX file: the worker's weights go into a copy
 * of the model on the CPU backend here, and webgpu-rnn/onnx (loaded on the first click, so the page pays for
 * it only then) writes the file.
 */
export function wireOnnxDownload(
  fileName: string,
  model: () => Promise<{ spec: ModelSpec; trainer: TrainerWorker; options: ExportOnnxOptions }>,
): void {
  $('export-onnx').addEventListener('click', async () => {
    try {
      const { spec, trainer, options } = await model();
      const [{ exportOnnx }, weights] = await Promise.all([import('../src/onnx/index.js'), trainer.stateDict()]);
      const copy = modelFromSpec(new CpuBackend(), spec);
      try {
        copy.loadStateDict(weights);
        download(fileName, await exportOnnx(copy, options));
      } finally {
        copy.release();
      }
    } catch (err) {
      setStatus(describeError(err), { error: true });
    }
  });
}

/** A tick label: 1e6, 2e-5 beyond four decades of 1, else up to three significant digits. */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-3)) return Number(v.toPrecision(2)).toExponential().replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

/** Tick spacings for axes that count whole things (iterations, epochs, time steps). */
export const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];

/** Labels for a log axis's ticks (uPlot passes null for the ticks it leaves unlabelled). */
export const logTickLabels = (_u: uPlot, splits: number[]) => splits.map((v) => (v === null ? null : tickLabel(v)));

export interface SeriesSpec {
  label: string;
  color: string;
  dash?: number[];
  width?: number;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: SeriesSpec[];
  /** A log10 y scale, for values that span decades. */
  log?: boolean;
  /** A fixed y range for a linear scale (keeps flat lines from getting ticks that all read the same). */
  yRange?: uPlot.Range.Function;
  /** x values to mark with a red vertical line (iterations the explosion guard skipped). */
  marks?: () => number[];
  /** x values are seconds since 1970 (dates); otherwise whole counts. */
  timeX?: boolean;
}

export const MARK_COLOR = 'rgba(214, 39, 40, 0.25)';

/** A line chart appended to `el`; its legend names the series without hover values. */
export function lineChart(el: HTMLElement, spec: ChartSpec): uPlot {
  const marks = spec.marks;
  const drawMarks = (u: uPlot) => {
    const { top, height } = u.bbox;
    u.ctx.save();
    u.ctx.fillStyle = MARK_COLOR;
    for (const x of marks!()) u.ctx.fillRect(Math.round(u.valToPos(x, 'x', true)) - 1, top, 2, height);
    u.ctx.restore();
  };
  const width = () => Math.min(560, document.body.clientWidth); // the body's content width: no wider than a phone's screen
  const chart = new uPlot(
    {
      width: width(),
      height: 240,
      title: spec.title,
      legend: { live: false },
      scales: { x: { time: spec.timeX ?? false }, y: spec.log ? { distr: 3, log: 10 } : { range: spec.yRange } },
      axes: [
        { label: spec.xLabel, ...(spec.timeX ? {} : { incrs: WHOLE_STEPS }) },
        { label: spec.yLabel, size: 60, ...(spec.log ? { values: logTickLabels } : {}) },
      ],
      series: [
        {},
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          dash: s.dash,
          width: s.width ?? 1.5,
          spanGaps: false,
          points: { show: (u: uPlot) => u.data[0].length < 2 }, // a lone value has no line to draw
        })),
      ],
      hooks: marks ? { drawAxes: [drawMarks] } : {}, // under the series
    },
    [[], ...spec.series.map(() => [])],
    el,
  );
  // Follows the window (a phone turned, a narrowed window); a chart replaced by another stops listening.
  const resize = () => {
    if (!chart.root.isConnected) window.removeEventListener('resize', resize);
    else if (chart.width !== width()) chart.setSize({ width: width(), height: chart.height });
  };
  window.addEventListener('resize', resize);
  return chart;
}

/** Calls `render` at most every `ms` milliseconds (and once more with `flush`): redrawing charts every step would cost more than training. */
export function throttle(render: () => void, ms = 100): { request: () => void; flush: () => void } {
  let last = -Infinity;
  return {
    request() {
      if (performance.now() - last >= ms) this.flush();
    },
    flush() {
      last = performance.now();
      render();
    },
  };
}

export { uPlot };
