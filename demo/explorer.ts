// The gradient-flow explorer: train a recurrent model on the adding problem and watch, per iteration,
// the loss, the gradient norm before and after clipping, the spectral radius of W and a heat map of
// ‖dL/dh_t‖ over t — with a banner whenever the explosion guard skips a non-finite step.
// Query parameters for automation: ?preset=exploding&iterations=15&autorun=1
import { LSTM, LastStep, Linear, RNN, Rng, SGD, Sequential, Trainer, addingProblem, spectralRadius, type Backend, type StepResult } from '../src/index.js';
import { $, getContext, lineChart, nextFrame, params, uPlot } from './shared.js';

const PRESETS: Record<string, Record<string, string | boolean>> = {
  exploding: { cell: 'rnn', activation: 'relu', hidden: '32', steps: '50', wscale: '3', lr: '0.5', clip: false },
  clipped: { cell: 'rnn', activation: 'relu', hidden: '32', steps: '50', wscale: '3', lr: '0.5', clip: true, maxnorm: '1' },
  vanishing: { cell: 'rnn', activation: 'tanh', hidden: '32', steps: '50', wscale: '0.5', lr: '0.05', clip: false },
  lstm: { cell: 'lstm', activation: 'tanh', hidden: '32', steps: '50', wscale: '1', lr: '0.05', clip: true, maxnorm: '1' },
};
const B = 32;

function applyPreset(name: string): void {
  for (const [id, v] of Object.entries(PRESETS[name])) {
    const el = $<HTMLInputElement>(id);
    if (typeof v === 'boolean') el.checked = v;
    else el.value = v;
  }
}

/** A uPlot heat map: x = time step t, y = iteration, colour = log10 ‖dL/dh_t‖ (cells drawn by the series' paths). */
function heatMap(el: HTMLElement, T: number) {
  const rows: number[][] = [];
  const color = (v: number) => {
    if (Number.isNaN(v) || v === Infinity) return '#000'; // not finite (log10 of 0 is -Infinity: vanished, deepest blue)
    const s = Math.max(0, Math.min(1, (v + 12) / 14)); // log10 range [-12, 2]
    return `hsl(${240 - 240 * s}, 80%, ${35 + 25 * s}%)`;
  };
  const chart = new uPlot(
    {
      width: Math.min(560, window.innerWidth - 40),
      height: 260,
      title: '‖dL/dh_t‖: blue ≤ 1e-12 (0 included) … red ≥ 1e2; black NaN/∞',
      legend: { show: false },
      scales: { x: { time: false, range: () => [0, T] }, y: { range: () => [0, Math.max(rows.length, 1)] } },
      axes: [{ label: 'time step t (the loss reads the last)' }, { label: 'iteration' }],
      series: [
        {},
        {
          label: 'flow',
          points: { show: false },
          paths: (u) => {
            const ctx = u.ctx;
            ctx.save();
            rows.forEach((row, it) => {
              const y0 = u.valToPos(it + 1, 'y', true);
              const y1 = u.valToPos(it, 'y', true);
              row.forEach((v, t) => {
                const x0 = u.valToPos(t, 'x', true);
                const x1 = u.valToPos(t + 1, 'x', true);
                ctx.fillStyle = color(Math.log10(v));
                ctx.fillRect(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
              });
            });
            ctx.restore();
            return null;
          },
        },
      ],
    },
    [[0, T], [0, 0]],
    el,
  );
  return {
    push(row: number[]) {
      rows.push(row);
      chart.setData([[0, T], [0, 0]]);
    },
    rows,
  };
}

let stopRequested = false;

async function train(ctx: Backend): Promise<void> {
  const cell = $<HTMLSelectElement>('cell').value;
  const activation = $<HTMLSelectElement>('activation').value as 'tanh';
  const H = Number($<HTMLInputElement>('hidden').value);
  const T = Number($<HTMLInputElement>('steps').value);
  const wScale = Number($<HTMLInputElement>('wscale').value);
  const lr = Number($<HTMLInputElement>('lr').value);
  const clip = $<HTMLInputElement>('clip').checked ? Number($<HTMLInputElement>('maxnorm').value) : undefined;
  const iterations = Number($<HTMLInputElement>('iterations').value);

  for (const id of ['loss', 'norms', 'heat', 'radius']) $(id).innerHTML = '';
  const lossChart = lineChart($('loss'), 'Loss (MSE; predicting the mean scores ≈ 0.167)', ['loss'], ['#2b7bba']);
  const normChart = lineChart($('norms'), 'Global gradient norm', ['before clipping', 'after clipping'], ['#d62728', '#2ca02c'], { scales: { x: { time: false }, y: { distr: 3 } } });
  const radiusChart = lineChart($('radius'), 'Spectral radius ρ(W_hh) (first gate for the LSTM)', ['ρ(W)'], ['#9467bd']);
  const heat = heatMap($('heat'), T);
  const series = { it: [] as number[], loss: [] as (number | null)[], pre: [] as (number | null)[], post: [] as (number | null)[], rit: [] as number[], rho: [] as number[] };

  const recurrent = cell === 'lstm' ? new LSTM({ inputSize: 2, hiddenSize: H, forgetBias: 1, recordGradFlow: true }) : new RNN({ inputSize: 2, hiddenSize: H, nonlinearity: activation, recordGradFlow: true });
  const model = new Sequential(ctx, [recurrent, new LastStep(), new Linear(H, 1)], { seed: 1 });
  const radius = async () => {
    const w = (await model.stateDict())['0.weight_hh_l0'];
    return spectralRadius(w.data.subarray(0, H * H), H, 100);
  };
  if (wScale !== 1) {
    const sd = await model.stateDict();
    const w = sd['0.weight_hh_l0'];
    model.loadStateDict({ ...sd, '0.weight_hh_l0': { shape: w.shape, data: w.data.map((v) => v * wScale) } });
  }
  const opt = new SGD(model.params, { lr });
  const trainer = new Trainer(model, opt, { loss: 'mse', clip: clip ? { maxNorm: clip } : undefined });
  const rng = new Rng(3);
  const x = ctx.zeros([T, B, 2]);
  const y = ctx.zeros([B, 1]);
  const state = { iterations: 0, skipped: 0, done: false, losses: series.loss, heatRows: heat.rows };
  (window as unknown as { __demo: unknown }).__demo = state;
  stopRequested = false;
  $<HTMLButtonElement>('stop').disabled = false;
  $<HTMLButtonElement>('start').disabled = true;
  $('banner').hidden = true;
  try {
    for (let it = 0; it < iterations && !stopRequested; it++) {
      const batch = addingProblem(rng, T, B);
      ctx.write(x, batch.x);
      ctx.write(y, batch.y);
      const r: StepResult = (await trainer.step(x, y))!;
      state.iterations = it + 1;
      series.it.push(it);
      series.loss.push(Number.isFinite(r.loss) ? r.loss : null);
      series.pre.push(Number.isFinite(r.gradNorm) && r.gradNorm > 0 ? r.gradNorm : null);
      const after = r.skipped ? null : clip ? Math.min(r.gradNorm, clip) : r.gradNorm;
      series.post.push(after !== null && after > 0 ? after : null);
      heat.push(r.gradFlow[0]);
      if (r.skipped) {
        state.skipped++;
        const banner = $('banner');
        banner.hidden = false;
        banner.textContent = `Explosion guard: ${state.skipped} step(s) skipped, the last at iteration ${it + 1} — the loss or the gradient norm was not finite (‖g‖ = ${r.gradNorm}); the weights were left unchanged. Clipping would have bounded the update.`;
      }
      if (it % 10 === 0) {
        series.rit.push(it);
        series.rho.push(await radius());
        radiusChart.setData([series.rit, series.rho]);
      }
      lossChart.setData([series.it, series.loss]);
      normChart.setData([series.it, series.pre, series.post]);
      $('status').textContent = `iteration ${it + 1}/${iterations}: loss ${r.loss.toFixed(4)}, ‖g‖ ${r.gradNorm.toExponential(2)}${r.clipped ? ' (clipped)' : ''}${r.skipped ? ' (skipped)' : ''}; ‖dL/dh_0‖/‖dL/dh_T-1‖ = ${(r.gradFlow[0][0] / r.gradFlow[0][T - 1]).toExponential(2)}`;
      await nextFrame();
    }
  } finally {
    for (const t of [x, y]) t.release();
    trainer.release();
    opt.release();
    model.release();
    state.done = true;
    $<HTMLButtonElement>('stop').disabled = true;
    $<HTMLButtonElement>('start').disabled = false;
  }
}

let ctxPromise: Promise<Backend> | undefined;
const context = () => (ctxPromise ??= getContext());

document.querySelectorAll<HTMLButtonElement>('[data-preset]').forEach((b) => b.addEventListener('click', () => applyPreset(b.dataset.preset!)));
$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  void context().then(train, (err) => ($('status').textContent = String(err)));
});
$('stop').addEventListener('click', () => (stopRequested = true));
if (params.get('preset')) applyPreset(params.get('preset')!);
if (params.get('iterations')) $<HTMLInputElement>('iterations').value = params.get('iterations')!;
if (params.get('autorun')) void context().then(train, (err) => ($('status').textContent = String(err)));
else void context().catch(() => undefined);
