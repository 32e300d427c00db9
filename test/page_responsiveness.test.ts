// The demo pages keep drawing while they train and evaluate (issue 22): each page's scenario
// (test/responsiveness.ts: clicks through its controls, from Train until the page is done, evaluation and
// sampling included) on WebGPU (SwiftShader) and on the CPU backend, measured in headless Chromium by a
// PerformanceObserver for long tasks and a requestAnimationFrame probe. The thresholds hold on a loaded
// 2-core machine for a page whose main thread only draws and handles controls: no task over 200 ms, no
// frame gap over 500 ms. A page that trains on its main thread fails them on the CPU backend, where a
// step is one long task. `npm run responsiveness` prints the same numbers as a table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { buildAndServePages, launchChromium } from './browser_helpers.js';
import { BACKENDS, PAGES, measurePage, type PageResponsiveness } from './responsiveness.js';

const root = resolve(__dirname, '..');
/** The longest main-thread task allowed, in ms. */
const MAX_TASK = 200;
/** The longest time without a frame allowed, in ms. */
const MAX_FRAME_GAP = 500;

/** The thresholds a measurement breaks, in words with its numbers (empty when it keeps them). */
function broken(r: PageResponsiveness): string[] {
  const at = (ms: number) => `${(ms / 1000).toFixed(1)} s into the window`;
  const problems: string[] = [];
  if (r.tasksOver200 > 0)
    problems.push(
      `${r.tasksOver200} task(s) over ${MAX_TASK} ms, the longest ${r.longestTask} ms at ${at(r.longestTaskAt)}`,
    );
  if (r.maxFrameGap > MAX_FRAME_GAP)
    problems.push(`a frame gap of ${r.maxFrameGap} ms (over ${MAX_FRAME_GAP} ms) at ${at(r.maxFrameGapAt)}`);
  return problems;
}

describe('the demo pages stay responsive while they train and evaluate (headless Chromium)', () => {
  let server: Awaited<ReturnType<typeof buildAndServePages>>;
  let browser: Browser;

  beforeAll(async () => {
    server = await buildAndServePages(resolve(root, 'test-results/responsiveness-pages'));
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const cases = PAGES.flatMap((page) => BACKENDS.map((backend) => [page, backend] as const));
  it.each(cases)(
    `%s on %s: no task over ${MAX_TASK} ms, no frame gap over ${MAX_FRAME_GAP} ms`,
    async (page, backend) => {
      const r = await measurePage(browser, server.url, page, backend);
      const summary =
        `${page} on ${backend} (${r.did}, ${(r.ms / 1000).toFixed(1)} s): ${r.longTasks} long task(s) over 50 ms, ` +
        `longest ${r.longestTask} ms, ${r.tasksOver200} over ${MAX_TASK} ms, max frame gap ${r.maxFrameGap} ms, ${r.frames} frames`;
      console.log(summary);
      expect(broken(r), summary).toEqual([]);
    },
    200_000,
  );
});
