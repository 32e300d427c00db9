// The gradient-flow explorer: train a recurrent model on the adding problem and watch, per iteration,
// the loss, the gradient norm before and after clipping, the spectral radius of W and a heat map of
// ‖dL/dh_t‖ over t — with skipped steps marked and a banner whenever the explosion guard skips one.
// The training loop and the presets live in session.ts, shared with scripts/run-presets.ts.
import type { ActivationName } from '../src/index.js';
import {
  CHANCE_LOSS,
  DEFAULT_ITERATIONS,
  GIVE_UP_AFTER_SKIPPED,
  PRESETS,
  sessionSpec,
  trainSession,
  type PresetSettings,
  type SessionTrainer,
  type Settings,
} from './session.js';
import {
  $,
  MARK_COLOR,
  PageTrainer,
  WHOLE_STEPS,
  describeError,
  lineChart,
  setStatus,
  throttle,
  tickLabel,
  uPlot,
} from './shared.js';

const input = (id: string) => $<HTMLInputElement>(id);

/** A preset sets every field, the iteration count included (the README's results are for DEFAULT_ITERATIONS). */
function fillForm(s: PresetSettings): void {
  $<HTMLSelectElement>('cell').value = s.cell;
  $<HTMLSelectElement>('activation').value = s.activation;
  input('hidden').value = String(s.hidden);
  input('steps').value = String(s.steps);
  input('wscale').value = String(s.wScale);
  $<HTMLSelectElement>('optimizer').value = s.optimizer;
  input('lr').value = String(s.lr);
  input('clip').checked = s.clip !== null;
  if (s.clip !== null) input('maxnorm').value = String(s.clip);
  input('iterations').value = String(DEFAULT_ITERATIONS);
}

function readForm(): Settings {
  return {
    cell: $<HTMLSelectElement>('cell').value as Settings['cell'],
    activation: $<HTMLSelectElement>('activation').value as ActivationName,
    hidden: Number(input('hidden').value),
    steps: Number(input('steps').value),
    wScale: Number(input('wscale').value),
    optimizer: $<HTMLSelectElement>('optimizer').value as Settings['optimizer'],
    lr: Number(input('lr').value),
    clip: input('clip').checked ? Number(input('maxnorm').value) : null,
    iterations: Number(input('iterations').value),
  };
}

// log10 ‖dL/dh_t‖ from 1e-8 (blue; smaller and 0 included) to 10 (red); black for NaN/∞.
const HEAT_MIN = -8;
const HEAT_MAX = 1;
const NOT_FINITE = '#000';
function heatColor(log10: number): string {
  if (Number.isNaN(log10) || log10 === Infinity) return NOT_FINITE;
  const s = Math.max(0, Math.min(1, (log10 - HEAT_MIN) / (HEAT_MAX - HEAT_MIN)));
  return `hsl(${240 - 240 * s}, 80%, ${35 + 25 * s}%)`;
}

/** A horizontal colour bar for the heat map, drawn with the same colour function. */
function colorBar(el: HTMLElement): void {
  const stops = Array.from({ length: 15 }, (_, k) => heatColor(HEAT_MIN + ((HEAT_MAX - HEAT_MIN) * k) / 14));
  const bar = document.createElement('div');
  bar.className = 'colorbar';
  bar.innerHTML = `<span>‖dL/dh_t‖</span><span>≤ 1e${HEAT_MIN} (or 0)</span><span class="gradient" style="background: linear-gradient(to right, ${stops.join(', ')})"></span><span>≥ 1e${HEAT_MAX}</span><span class="swatch" style="background: ${NOT_FINITE}"></span><span>NaN/∞</span>`;
  el.append(bar);
}

/**
 * A heat map in uPlot's frame: x = time step t, y = iteration, colour = log10 ‖dL/dh_t‖. Rows are
 * painted once into an offscreen canvas (one pixel per cell) that each redraw scales into the plot.
 */
function heatMap(el: HTMLElement, T: number, iterations: number) {
  const cells = document.createElement('canvas');
  cells.width = T;
  cells.height = iterations;
  const paint = cells.getContext('2d')!;
  let rows = 0;
  const chart = new uPlot(
    {
      width: Math.min(560, document.body.clientWidth), // the body's content width: no wider than a phone's screen
      height: 240,
      title: '‖dL/dh_t‖ per time step and iteration',
      legend: { show: false },
      scales: { x: { time: false, range: () => [0, T] }, y: { range: () => [0, Math.max(rows, 1)] } },
      axes: [
        { label: 'time step t (the loss reads the last)', incrs: WHOLE_STEPS },
        { label: 'iteration', size: 60, incrs: WHOLE_STEPS },
      ],
      series: [{}, { points: { show: false }, paths: () => null }],
      hooks: {
        draw: [
          (u) => {
            if (rows === 0) return;
            const [x0, x1] = [u.valToPos(0, 'x', true), u.valToPos(T, 'x', true)];
            const [yTop, yBottom] = [u.valToPos(rows, 'y', true), u.valToPos(0, 'y', true)];
            u.ctx.save();
            u.ctx.imageSmoothingEnabled = false;
            // Iteration 1 at the bottom: flip the offscreen rows (row 0 = iteration 1) vertically.
            u.ctx.translate(0, yBottom);
            u.ctx.scale(1, -1);
            u.ctx.drawImage(cells, 0, 0, T, rows, x0, 0, x1 - x0, yBottom - yTop);
            u.ctx.restore();
          },
        ],
      },
    },
    [
      [0, T],
      [null, null],
    ],
    el,
  );
  colorBar(el);
  return {
    push(flow: number[]) {
      flow.forEach((v, t) => {
        paint.fillStyle = heatColor(Math.log10(v));
        paint.fillRect(t, rows, 1, 1);
      });
      rows++;
    },
    redraw: () => chart.setScale('y', { min: 0, max: Math.max(rows, 1) }), // re-ranges, then redraws
    get rows() {
      return rows;
    },
  };
}

/** What the tests read (they drive the page through its controls). */
const state = { runs: 0, running: false, iterations: 0, skipped: 0, finiteLosses: 0, heatRows: 0, done: false };
(window as unknown as { __demo: typeof state }).__demo = state;

/** Each run has a number; a newer run ends the older one after its current step. */
let currentRun = 0;
/** The run the Stop button stopped (it ends after its current step; a run ended by a newer one leaves the status to it). */
let stoppedRun = 0;
const ending = (run: number) => run !== currentRun || run === stoppedRun;

async function train(trainer: SessionTrainer, s: Settings, run: number): Promise<void> {
  for (const id of ['loss', 'norms', 'heat', 'radius']) $(id).innerHTML = '';
  const it: number[] = [];
  const loss: (number | null)[] = [];
  const pre: (number | null)[] = [];
  const post: (number | null)[] = [];
  const skippedAt: number[] = [];
  const rhoIt: number[] = [];
  const rho: number[] = [];
  const marks = () => skippedAt;
  const skippedSeries = { label: 'skipped by the guard (NaN/∞)', color: MARK_COLOR, width: 6 };
  const positive = (v: number) => (Number.isFinite(v) && v > 0 ? v : null); // what a log scale can show
  const lossChart = lineChart($('loss'), {
    title: 'Loss (MSE, log scale)',
    xLabel: 'iteration',
    yLabel: 'loss',
    log: true,
    marks,
    series: [
      { label: 'loss', color: '#2b7bba' },
      { label: `chance ${CHANCE_LOSS.toFixed(3)}`, color: '#000', dash: [8, 5], width: 2 },
      skippedSeries,
    ],
  });
  const normChart = lineChart($('norms'), {
    title: 'Global gradient norm ‖g‖ (log scale)',
    xLabel: 'iteration',
    yLabel: '‖g‖',
    log: true,
    marks,
    series: [
      { label: 'before clipping', color: '#d62728' },
      { label: 'after clipping', color: '#2ca02c', dash: [4, 3] },
      skippedSeries,
    ],
  });
  const radiusChart = lineChart($('radius'), {
    title: 'Spectral radius ρ(W_hh) (first gate for the LSTM)',
    xLabel: 'iteration',
    yLabel: 'ρ(W)',
    yRange: (_u, _min, max) => [0, Math.max(1.5, max * 1.1)],
    series: [
      { label: 'ρ(W)', color: '#9467bd' },
      { label: 'ρ = 1', color: '#888', dash: [6, 4] },
    ],
  });
  const heat = heatMap($('heat'), s.steps, s.iterations);
  const render = throttle(() => {
    lossChart.setData([it, loss, it.map(() => CHANCE_LOSS), it.map(() => null)]);
    normChart.setData([it, pre, post, it.map(() => null)]);
    radiusChart.setData([rhoIt, rho, rhoIt.map(() => 1)]);
    heat.redraw();
  });

  Object.assign(state, {
    runs: state.runs + 1,
    running: true,
    iterations: 0,
    skipped: 0,
    finiteLosses: 0,
    heatRows: 0,
    done: false,
  });
  $<HTMLButtonElement>('stop').disabled = false;
  $('banner').hidden = true;
  try {
    for await (const r of trainSession(trainer, s)) {
      it.push(r.iteration);
      loss.push(positive(r.loss));
      pre.push(positive(r.gradNorm));
      post.push(r.skipped ? null : positive(s.clip === null ? r.gradNorm : Math.min(r.gradNorm, s.clip)));
      heat.push(r.flow);
      if (r.rho !== undefined) {
        rhoIt.push(r.iteration);
        rho.push(r.rho);
      }
      state.iterations = r.iteration;
      state.heatRows = heat.rows;
      if (Number.isFinite(r.loss)) state.finiteLosses++;
      if (r.skipped) {
        skippedAt.push(r.iteration);
        state.skipped++;
        const banner = $('banner');
        banner.hidden = false;
        banner.textContent =
          `Explosion guard: ${state.skipped} step(s) skipped, the first at iteration ${skippedAt[0]}, the last at ${r.iteration}: the loss or the gradient norm ` +
          `was not finite (loss ${r.loss}, ‖g‖ ${r.gradNorm}), so the weights were left unchanged. Clipping would have bounded the updates that led here.`;
        if (r.consecutiveSkipped === GIVE_UP_AFTER_SKIPPED)
          banner.textContent += ` Training stopped: ${GIVE_UP_AFTER_SKIPPED} steps in a row were skipped, so no later step could change the weights.`;
      }
      const ratio = r.flow[0] / r.flow[s.steps - 1];
      const line =
        `Iteration ${r.iteration}/${s.iterations}: loss ${tickLabel(r.loss)}${r.skipped ? ' (step skipped)' : ''}, ` +
        `‖g‖ ${r.gradNorm.toExponential(2)}${r.clipped ? ' (clipped)' : ''}, ‖dL/dh_0‖/‖dL/dh_${s.steps - 1}‖ = ${ratio.toExponential(2)}.`;
      // After Stop (or a newer Train) the status keeps saying so until this run ends.
      if (!ending(run)) setStatus(line);
      render.request();
      if (ending(run)) {
        // The stop button; a newer run has already written "Starting…" and then writes its own status.
        if (stoppedRun === run) setStatus(`Stopped after ${r.iteration} of ${s.iterations} iterations. ${line}`);
        break;
      }
    }
  } finally {
    render.flush();
    Object.assign(state, { running: false, done: true });
    $<HTMLButtonElement>('stop').disabled = true;
  }
}

const pageTrainer = new PageTrainer(sessionSpec(readForm()));
let running: Promise<void> = Promise.resolve();

/** Starts a run with the form's values, after stopping the one in progress. */
function start(): Promise<void> {
  const settings = readForm();
  const run = ++currentRun;
  // Large settings take seconds before the first step ends (the previous run's step, building the model,
  // compiling kernels): say at once that the click was taken.
  setStatus('Starting…');
  const previous = running.catch(() => undefined); // its error was shown when it happened
  running = previous.then(async () => {
    const trainer = await pageTrainer.live(); // undefined without WebGPU: the banner says so and the buttons are disabled
    if (trainer && !ending(run)) await train(trainer, settings, run);
    else if (trainer && stoppedRun === run) setStatus('Stopped before the first iteration.');
  });
  return running;
}

input('iterations').value = String(DEFAULT_ITERATIONS);
for (const [name, preset] of Object.entries(PRESETS)) {
  const button = Object.assign(document.createElement('button'), { type: 'button', textContent: preset.label });
  button.dataset.preset = name;
  button.addEventListener('click', () => {
    fillForm(preset.settings);
    $<HTMLFormElement>('form').requestSubmit(); // validates like the Train button, then trains
  });
  const row = document.createElement('div');
  row.className = 'preset';
  row.append(button, Object.assign(document.createElement('span'), { textContent: `Look for: ${preset.lookFor}` }));
  $('presets').append(row);
}
$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  start().catch((err) => setStatus(describeError(err), { error: true }));
});
$('stop').addEventListener('click', () => {
  if (!state.running) return;
  stoppedRun = currentRun; // a second click changes nothing
  setStatus('Stopping after this step…'); // the step in flight cannot be interrupted
});
// Shows the adapter (or why there is none) before the first run.
pageTrainer.live().catch((err) => setStatus(describeError(err), { error: true }));
