// What both demo pages share: a context with a clear message when WebGPU is missing (offering the CPU
// backend), the adapter line, and small uPlot helpers.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { createContext, type Backend } from '../src/index.js';

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
export const params = new URLSearchParams(location.search);

/** The WebGPU context, or — when the browser has none — the CPU backend if the visitor asks for it. */
export async function getContext(): Promise<Backend> {
  if (params.get('backend') === 'cpu') return showAdapter(await createContext({ backend: 'cpu' }));
  try {
    return showAdapter(await createContext({ backend: 'webgpu' }));
  } catch (e) {
    const box = $('nogpu');
    box.hidden = false;
    box.querySelector('.why')!.textContent = String((e as Error).message);
    throw e;
  }
}

function showAdapter(ctx: Backend): Backend {
  const a = ctx.adapter;
  $('adapter').textContent = `Backend: ${ctx.kind} — ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' · ')}${a.software ? ' (software)' : ''}`;
  return ctx;
}

/** A line chart of series over a shared x, appended to `el`. */
export function lineChart(el: HTMLElement, title: string, labels: string[], colors: string[], opts: Partial<uPlot.Options> = {}): uPlot {
  return new uPlot(
    {
      width: Math.min(560, window.innerWidth - 40),
      height: 220,
      title,
      scales: { x: { time: false } },
      series: [{}, ...labels.map((label, i) => ({ label, stroke: colors[i], width: 1.5, spanGaps: true }))],
      ...opts,
    },
    [[], ...labels.map(() => [])],
    el,
  );
}

/** Lets the browser paint and handle input between training steps. */
export const nextFrame = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export { uPlot };
