// The benchmarks page (npm run bench:page): the same harness as the CLI, in the visitor's browser on
// their GPU — ours against TensorFlow.js (webgpu backend) in the same run, as a chart and a table. The
// harness runs in a worker (bench.worker.ts), so the page keeps drawing while it benchmarks: the page sends
// the form's choices and renders the rows the worker streams back.
// Query parameters for automation: ?only=elman-tiny&reps=1&warmup=0&autorun=1
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { AdapterSummary } from '../src/index.js';
import { logTickLabels, showNoWebGpu } from '../demo/shared.js';
import type { BenchResultRow, BenchRun, FromBenchWorker } from './bench.worker.js';
import { WORKLOADS } from './workloads.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const rows: BenchResultRow[] = [];
let chart: uPlot | undefined;

for (const w of WORKLOADS) {
  const label = document.createElement('label');
  // By default only the smoke-test size: one click on Run must not mean minutes on a software adapter.
  const checked = params.get('only') ? params.get('only')!.split(',').includes(w.name) : !!w.tiny;
  const sizes = w.seq2seq
    ? `B ${w.B}, T ${w.seq2seq.sourceLength} → ${w.T}, V ${w.seq2seq.sourceVocab} → ${w.vocab}, E ${w.I}, H ${w.H} × 2 → ${2 * w.H}`
    : w.vocab
      ? `B ${w.B}, ${w.generate ? `${w.T} tokens` : `T ${w.T}`}, V ${w.vocab}, E ${w.I}, H ${w.H}`
      : `B ${w.B}, T ${w.T}, I ${w.I}, H ${w.H}`;
  const beam = w.seq2seq?.beamWidth;
  const what = w.generate
    ? ', generation'
    : w.varlen
      ? ', lengths T/4…T'
      : w.seq2seq
        ? beam
          ? `, ${beam === 1 ? 'greedy decoding' : `beam search k ${beam}`}`
          : ', attention, teacher-forced step'
        : '';
  label.innerHTML = `<input type="checkbox" name="workload" value="${w.name}" ${checked ? 'checked' : ''}/> ${w.name} <small>(${sizes}${w.layers > 1 ? `, ${w.layers} layers` : ''}${what})</small><br/>`;
  $('workloads').append(label);
}
if (params.get('reps')) $<HTMLInputElement>('reps').value = params.get('reps')!;
if (params.get('warmup')) $<HTMLInputElement>('warmup').value = params.get('warmup')!;

const faster = (ratio: number) => (ratio >= 1 ? `${ratio.toFixed(1)}× faster` : `${(1 / ratio).toFixed(1)}× slower`);

function render(): void {
  const body = $('results').querySelector('tbody')!;
  body.innerHTML = '';
  for (const r of rows) {
    // On our row, as the peer's time / ours: "674.1× faster" (or "× slower").
    const peer = rows.find((q) => q.workload === r.workload && q.backend === 'tfjs-webgpu');
    const versus =
      r.backend === 'webgpu' && peer
        ? `${faster(peer.ms_median / r.ms_median)}${peer.invalid ? ' (TensorFlow.js row INVALID)' : ''}`
        : '';
    const tr = document.createElement('tr');
    tr.className = 'result';
    const speed = r.tokens_per_s === undefined ? r.steps_per_s.toFixed(2) : `${r.tokens_per_s.toFixed(1)} tokens/s`;
    tr.innerHTML = [
      r.workload,
      r.backend === 'webgpu' ? 'webgpu-rnn' : r.backend,
      r.ms_median.toFixed(1),
      speed,
      r.gflops.toFixed(2),
      r.dispatches,
      r.submits,
      r.readbacks,
      versus,
    ]
      .map((v) => `<td>${v}</td>`)
      .join('');
    body.append(tr);
  }
  // Bars: training-step time per workload, ours next to tfjs-webgpu.
  const names = [...new Set(rows.map((r) => r.workload))];
  const ms = (backend: string) =>
    names.map((n) => rows.find((r) => r.workload === n && r.backend === backend)?.ms_median ?? null);
  const data: uPlot.AlignedData = [names.map((_, i) => i), ms('webgpu'), ms('tfjs-webgpu')];
  const bars = uPlot.paths.bars!({ size: [0.35, 60], align: 0 });
  const opts: uPlot.Options = {
    width: Math.min(900, document.body.clientWidth), // the body's content width: no wider than a phone's screen
    height: 320,
    title: 'Training step time; generate and decode: the whole generation (log scale, lower is better)',
    legend: { live: false },
    scales: {
      x: { time: false, range: [-0.5, Math.max(names.length - 0.5, 0.5)] },
      // Log scale from a decade below the fastest bar (bars grow from the bottom): a few ms next to
      // hundreds both stay visible.
      y: {
        distr: 3,
        log: 10,
        range: (_u, min, max) => [10 ** (Math.floor(Math.log10(min)) - 1), 10 ** Math.ceil(Math.log10(max))],
      },
    },
    axes: [
      { label: 'workload', incrs: [1], values: (_u, ticks) => ticks.map((t) => names[t] ?? '') },
      { label: 'ms per training step', size: 60, values: logTickLabels },
    ],
    series: [
      {},
      { label: 'webgpu-rnn', fill: '#2b7bba', stroke: '#2b7bba', paths: bars, points: { show: false } },
      {
        label: 'tfjs-webgpu',
        fill: '#e08a2c',
        stroke: '#e08a2c',
        paths: uPlot.paths.bars!({ size: [0.35, 60], align: 1 }),
        points: { show: false },
      },
    ],
  };
  chart?.destroy();
  chart = new uPlot(opts, data, $('chart'));
}

/** Ends the run in progress: with an error's text (its class name first), or undefined when the worker sent its last row. */
let endRun: ((error?: string) => void) | undefined;

function showAdapter(a: AdapterSummary | null): void {
  if (a) {
    $('adapter').textContent =
      `Adapter: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' · ')}${a.software ? ' (software)' : ''}`;
  } else {
    $('adapter').textContent = 'Adapter: none (WebGPU is not available)';
    showNoWebGpu(false); // the benchmarks compare WebGPU implementations: no CPU fallback
  }
}

/** A new harness worker: it names the adapter as soon as it starts, then takes runs. */
function startWorker(): Worker {
  const w = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
  w.addEventListener('message', ({ data: m }: MessageEvent<FromBenchWorker>) => {
    if ('adapter' in m) showAdapter(m.adapter);
    else if ('status' in m) $('status').textContent = m.status;
    else if ('row' in m) {
      rows.push(m.row);
      render();
    } else endRun?.('error' in m ? (m.error.stack ?? `${m.error.name}: ${m.error.message}`) : undefined);
  });
  // Its script failed to load, or something threw outside the run's own error handling (a run's errors
  // arrive as messages): it is ended, the page says so, and the next Run starts a new one.
  w.addEventListener('error', (e) => {
    w.terminate();
    worker = undefined;
    const error = `The benchmark worker stopped: ${e.message || 'its script did not load'} — Run starts a new one.`;
    if ($('adapter').textContent!.includes('…')) $('adapter').textContent = 'Adapter: unknown (the worker stopped)';
    if (endRun) endRun(error);
    else $('error').textContent = error;
  });
  return w;
}

// Started as the page opens, for the adapter line before the first run.
let worker: Worker | undefined = startWorker();

async function run(): Promise<void> {
  const choice: BenchRun = {
    workloads: WORKLOADS.filter(
      (w) => document.querySelector<HTMLInputElement>(`input[value="${w.name}"]`)!.checked,
    ).map((w) => w.name),
    reps: Number($<HTMLInputElement>('reps').value),
    warmup: Number($<HTMLInputElement>('warmup').value),
    tfjs: $<HTMLInputElement>('tfjs').checked,
  };
  rows.length = 0;
  $('error').textContent = '';
  $<HTMLButtonElement>('run').disabled = true;
  const error = await new Promise<string | undefined>((resolve) => {
    endRun = resolve;
    (worker ??= startWorker()).postMessage(choice);
  });
  endRun = undefined;
  if (error === undefined) {
    $('status').textContent = `Done: ${rows.length} rows.`;
    $<HTMLButtonElement>('copy').disabled = false;
  } else {
    $('error').textContent = error;
    $('status').textContent = 'Failed.';
  }
  $<HTMLButtonElement>('run').disabled = false;
  (window as unknown as { __bench: unknown }).__bench = { rows, done: true };
}

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  void run();
});
$('copy').addEventListener('click', () => {
  navigator.clipboard.writeText(JSON.stringify(rows, null, 2)).then(
    () => ($('copied').textContent = `Copied ${rows.length} rows.`),
    (e) => ($('copied').textContent = `Could not copy: ${(e as Error).message}`),
  );
});
if (params.get('autorun')) void run();
