// How responsive a page's main thread stays while it works, measured from inside the page as a visitor's
// browser sees it: a PerformanceObserver for 'longtask' entries (tasks over 50 ms, the browser's own
// definition) and a requestAnimationFrame probe that records when each frame began. A frame gap is the
// time between two frames (or between a window's edge and the nearest frame): a main thread busy for
// 300 ms shows as a 300 ms gap, whatever kept it busy, and so does a browser GPU process that holds up
// the compositor (Chromium's compositor waits for WebGPU work queued before a frame, such as compiling a
// compute pipeline on SwiftShader), which no long task of the page shows. Both are installed before the
// page's scripts run, so nothing the page does at load escapes them; a measurement window picks out what
// happened between `startWindow` and `stopWindow`. Long tasks of workers are not the page's: a page that
// trains in a worker shows only its own drawing and event handling here.
import type { Browser, Page } from 'puppeteer-core';
import { finishRun, runExplorerPreset, typeInto } from './browser_helpers.js';

/** What a measurement window saw. Times in ms. */
export interface Responsiveness {
  /** Tasks over 50 ms on the main thread. */
  longTasks: number;
  /** The longest task the browser reported (it reports those of about 50 ms and more; 0 when none). */
  longestTask: number;
  /** When it began, in ms from the window's start (0 when there was none). */
  longestTaskAt: number;
  /** Tasks over 200 ms. */
  tasksOver200: number;
  /** The longest time without a frame. */
  maxFrameGap: number;
  /** When it began, in ms from the window's start. */
  maxFrameGapAt: number;
  /** Frames drawn in the window. */
  frames: number;
  /** The window's length. */
  ms: number;
}

/** The probe's state in the page, under a name no page uses. */
interface Probe {
  tasks: Array<{ start: number; duration: number }>;
  frames: number[];
  since: number | null;
  take: () => void;
}
const PROBE = '__responsivenessProbe';

/** Runs in the page before its own scripts: keeps every long task and every frame's start time. */
function install(name: string): void {
  const probe: Probe = { tasks: [], frames: [], since: null, take: () => undefined };
  (window as unknown as Record<string, Probe>)[name] = probe;
  const keep = (list: PerformanceEntryList) => {
    for (const e of list) probe.tasks.push({ start: e.startTime, duration: e.duration });
  };
  const observer = new PerformanceObserver((list) => keep(list.getEntries()));
  observer.observe({ type: 'longtask', buffered: true });
  // Entries are delivered in a later task: a window that ends takes the ones still queued.
  probe.take = () => keep(observer.takeRecords());
  const frame = (t: number) => {
    // Outside a window only the last frame matters (the gap up to a window's start).
    if (probe.since === null) probe.frames.length = 0;
    probe.frames.push(t);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** Installs the probe on every document the page opens from now on; call it before `page.goto`. */
export async function installResponsivenessProbe(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(install, PROBE);
}

/** Begins a measurement window now (in the page's clock); a window already open begins again. */
export async function startWindow(page: Page): Promise<void> {
  const ok = await page.evaluate((name) => {
    const probe = (window as unknown as Record<string, Probe | undefined>)[name];
    if (!probe) return false;
    probe.since = performance.now();
    return true;
  }, PROBE);
  if (!ok) throw new Error('no responsiveness probe in this page: call installResponsivenessProbe before page.goto');
}

/**
 * Ends the window begun by `startWindow` and says what it saw. Waits a few frames first, so that long
 * tasks which ended just before are delivered; the window ends when this call reaches the page (the
 * main thread was free then).
 */
export async function stopWindow(page: Page): Promise<Responsiveness> {
  return page.evaluate(async (name) => {
    const probe = (window as unknown as Record<string, Probe | undefined>)[name];
    if (!probe || probe.since === null) throw new Error('stopWindow without startWindow');
    const since = probe.since;
    const end = performance.now();
    await new Promise((r) => setTimeout(r, 100));
    probe.take();
    const tasks = probe.tasks.filter((t) => t.start + t.duration > since && t.start < end);
    // The frame just before the window (kept for this) and those in it, closed by the window's end.
    const before = probe.frames.filter((t) => t <= since).at(-1) ?? since;
    const inside = probe.frames.filter((t) => t > since && t <= end);
    const times = [before, ...inside, end];
    let gap = { ms: 0, at: since };
    for (let i = 1; i < times.length; i++)
      if (times[i] - times[i - 1] > gap.ms) gap = { ms: times[i] - times[i - 1], at: times[i - 1] };
    probe.since = null;
    const durations = tasks.map((t) => t.duration);
    const longest = tasks.reduce((a, t) => (t.duration > a.duration ? t : a), { start: since, duration: 0 });
    return {
      longTasks: durations.filter((d) => d > 50).length,
      longestTask: Math.round(longest.duration),
      longestTaskAt: Math.round(Math.max(0, longest.start - since)),
      tasksOver200: durations.filter((d) => d > 200).length,
      maxFrameGap: Math.round(gap.ms),
      maxFrameGapAt: Math.round(Math.max(0, gap.at - since)),
      frames: inside.length,
      ms: Math.round(end - since),
    };
  }, PROBE);
}

/** Measures the page while `work` runs (it drives the page and returns when the page is done). */
export async function measureWhile(page: Page, work: () => Promise<void>): Promise<Responsiveness> {
  await startWindow(page);
  await work();
  return stopWindow(page);
}

// The scenarios: each page driven as a visitor drives it, through its visible controls alone (fields,
// Train, Stop, a preset, Generate), on WebGPU (SwiftShader in headless Chromium) or on the page's CPU
// backend (?backend=cpu). The window opens at the click that starts the work and closes when the page's
// state object (window.__demo, __co2, __names: what test/pages.test.ts reads) says the work is done, so
// it covers building the model, every training step, and what follows training: the CO2 forecast, the
// names page's held-out loss after Stop and Generate. Sizes are the pages' own where they set the cost of
// a step (hidden sizes, sequence lengths), and small where they only set how many steps (iterations,
// epochs): a few seconds per page and backend on a 2-core machine.

export const PAGES = ['explorer', 'co2', 'names', 'dates'] as const;
export type PageName = (typeof PAGES)[number];
export const BACKENDS = ['webgpu', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Iterations of the explorer's runs at the form's sizes: a Train with its defaults, then the LSTM preset. */
export const EXPLORER_ITERATIONS = 50;
/**
 * A run at sizes a visitor may type (the form allows hidden 256, T 400): steps some times the cost of
 * the presets' (hidden 32, T 20), few of them.
 */
export const EXPLORER_LARGE = { hidden: 128, steps: 100, iterations: 5 };
/** Epochs the CO2 page trains before its forecast. */
export const CO2_EPOCHS = 3;
/** The names page's iterations before Stop (its field says 1000). */
export const NAMES_STOP_AFTER = 30;
/** The dates page's steps before Stop (its field says 3 epochs of 32 steps). */
export const DATES_STOP_AFTER = 6;

/** One page on one backend: what the window saw, and what ran in it. */
export interface PageResponsiveness extends Responsiveness {
  page: PageName;
  backend: BackendName;
  /** What the page did in the window, in words (iterations, epochs, names generated). */
  did: string;
}

const PATHS: Record<PageName, string> = {
  explorer: 'demo/index.html',
  co2: 'demo/co2.html',
  names: 'demo/names.html',
  dates: 'demo/dates.html',
};

/** Waits for a page's state to say a run reached a point, polling every 50 ms. */
const until = (page: Page, condition: string, timeout: number) =>
  page.waitForFunction(condition, { polling: 50, timeout });

/** What each page does inside its window, once its adapter line is shown; returns what it did. */
const SCENARIOS: Record<
  PageName,
  { prepare: (page: Page) => Promise<void>; run: (page: Page, timeout: number) => Promise<string> }
> = {
  explorer: {
    prepare: (page) => typeInto(page, '#iterations', String(EXPLORER_ITERATIONS)),
    run: async (page, timeout) => {
      // Train with the form's defaults (an RNN); the same at larger sizes typed into the form; then the
      // LSTM preset: its button fills the form (sizes and iterations) and trains, and typing the
      // iteration count and clicking Train ends that run after its step and trains anew.
      const first = await finishRun(page, () => page.click('#start'), timeout);
      const { hidden, steps, iterations } = EXPLORER_LARGE;
      await typeInto(page, '#hidden', String(hidden));
      await typeInto(page, '#steps', String(steps));
      await typeInto(page, '#iterations', String(iterations));
      const large = await finishRun(page, () => page.click('#start'), timeout);
      const lstm = await runExplorerPreset(page, 'lstm', timeout, EXPLORER_ITERATIONS);
      return `Train ${first.iterations} iterations, ${large.iterations} at hidden ${hidden} and T ${steps}, LSTM preset ${lstm.iterations}`;
    },
  },
  co2: {
    prepare: (page) => typeInto(page, '#epochs', String(CO2_EPOCHS)),
    run: async (page, timeout) => {
      await page.click('#start');
      await until(page, 'window.__co2.done && window.__co2.forecast.length > 0', timeout);
      const s = (await page.evaluate('window.__co2')) as { epochs: number; forecast: number[] };
      return `${s.epochs} epochs, forecast of ${s.forecast.length} months`;
    },
  },
  names: {
    prepare: async () => undefined, // the page's hidden size and iterations
    run: async (page, timeout) => {
      await page.click('#start');
      await until(page, `window.__names.iterations >= ${NAMES_STOP_AFTER}`, timeout);
      await page.click('#stop');
      // The held-out loss is measured after Stop; then Generate samples 12 names.
      await until(page, 'window.__names.done && window.__names.heldOut !== null', timeout);
      const iterations = (await page.evaluate('window.__names.iterations')) as number;
      await page.click('#generate');
      await until(
        page,
        `window.__names.generated.length === 12 && !document.getElementById('generate').disabled`,
        timeout,
      );
      return `${iterations} iterations, Stop, held-out loss, Generate 12 names`;
    },
  },
  dates: {
    prepare: async () => undefined, // the page's epochs
    run: async (page, timeout) => {
      // Train until Stop; the page scores the validation dates (evaluate, a greedy decode of 512) and decodes
      // the date in its field; then Normalise at beam width 5 (two decodes, the heat map and the table drawn).
      await page.click('#start');
      await until(page, `window.__dates.steps >= ${DATES_STOP_AFTER}`, timeout);
      await page.click('#stop');
      await until(page, 'window.__dates.done && window.__dates.decodes === 1', timeout);
      const steps = (await page.evaluate('window.__dates.steps')) as number;
      await typeInto(page, '#beam', '5');
      await page.click('#normalise');
      await until(page, 'window.__dates.decodes === 2', timeout);
      return `${steps} steps, Stop, validation scored, Normalise at beam width 5`;
    },
  },
};

/**
 * Opens `page` of the pages served at `baseUrl` on `backend` in `browser`, waits for its adapter line
 * ("Backend: webgpu …" or "Backend: cpu …", however the page goes on) and measures its scenario. Throws when the page runs on another backend than asked (a browser without
 * WebGPU would otherwise measure nothing) or logs an error.
 */
export async function measurePage(
  browser: Browser,
  baseUrl: string,
  page: PageName,
  backend: BackendName,
  timeout = 150_000,
): Promise<PageResponsiveness> {
  const tab = await browser.newPage();
  try {
    await tab.setViewport({ width: 1240, height: 900 });
    const errors: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    tab.on('pageerror', (e) => errors.push(String(e)));
    await installResponsivenessProbe(tab);
    await tab.goto(`${baseUrl}/${PATHS[page]}${backend === 'cpu' ? '?backend=cpu' : ''}`);
    await tab.waitForFunction(`!document.getElementById('adapter').textContent.includes('…')`, { timeout: 30_000 });
    const adapter = await tab.$eval('#adapter', (e) => e.textContent ?? '');
    if (!new RegExp(`^Backend: ${backend}\\b`).test(adapter))
      throw new Error(`${page} on ${backend}: the page says "${adapter}"`);
    const scenario = SCENARIOS[page];
    await scenario.prepare(tab);
    await startWindow(tab);
    const did = await scenario.run(tab, timeout);
    const seen = await stopWindow(tab);
    if (errors.length) throw new Error(`${page} on ${backend}: the page logged errors: ${errors.join('; ')}`);
    return { page, backend, ...seen, did };
  } finally {
    await tab.close();
  }
}

/**
 * Repeated measurements of one page and backend as one: the most long tasks, the longest task, the most
 * tasks over 200 ms and the longest frame gap of any run (each with its own time), the window and frames
 * of the longest run.
 */
export function worstOf(runs: PageResponsiveness[]): PageResponsiveness {
  const most = <K extends keyof Responsiveness>(key: K) => runs.reduce((a, r) => (r[key] > a[key] ? r : a), runs[0]);
  const task = most('longestTask');
  const gap = most('maxFrameGap');
  const longest = most('ms');
  return {
    ...longest,
    longTasks: most('longTasks').longTasks,
    longestTask: task.longestTask,
    longestTaskAt: task.longestTaskAt,
    tasksOver200: most('tasksOver200').tasksOver200,
    maxFrameGap: gap.maxFrameGap,
    maxFrameGapAt: gap.maxFrameGapAt,
  };
}

/** A Markdown table of results, one row per page and backend. */
export function markdownTable(results: PageResponsiveness[]): string {
  const rows = [
    '| page | backend | long tasks (> 50 ms) | longest task | tasks > 200 ms | max frame gap | window | what ran |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...results.map(
      (r) =>
        `| ${r.page} | ${r.backend} | ${r.longTasks} | ${r.longestTask} ms | ${r.tasksOver200} | ${r.maxFrameGap} ms | ${(r.ms / 1000).toFixed(1)} s | ${r.did} |`,
    ),
  ];
  return rows.join('\n');
}
