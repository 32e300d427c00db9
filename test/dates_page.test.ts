// The dates page (demo/dates.html) in the static build, driven in headless Chromium only through its
// controls, as test/pages.test.ts drives the others: Train, Stop after a few steps, then a typed date and
// Normalise — the greedy output, the beam's hypotheses with their scores and the attention heat map of
// T_out × T_src cells with its table of numbers; bad input shown as text. On WebGPU (SwiftShader), on the
// CPU backend (?backend=cpu), and on a phone-width screen without sideways scrolling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { buildAndServePages, horizontalOverflow, launchChromium, openPage, typeInto } from './browser_helpers.js';

const root = resolve(__dirname, '..');
const shots = resolve(root, 'test-results/screenshots');
const TIMEOUT = 150_000;

interface DatesState {
  steps: number;
  losses: number[];
  epochs: number;
  exactMatch: number[];
  tokenAccuracy: number[];
  trained: boolean;
  done: boolean;
  decodes: number;
  decoded: {
    input: string;
    output: string;
    finished: boolean;
    beams: Array<{ output: string; score: number }>;
    rows: string[];
    columns: string[];
  };
}

const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
const disabled = (page: Page, selector: string) => page.$eval(selector, (b) => (b as HTMLButtonElement).disabled);
const state = (page: Page) => page.evaluate('window.__dates') as Promise<DatesState>;

async function open(browser: Browser, url: string, viewport?: Parameters<typeof openPage>[2]) {
  const opened = await openPage(browser, url, viewport);
  await opened.page.waitForFunction(`!document.getElementById('adapter').textContent.includes('…')`, {
    timeout: 30_000,
  });
  return opened;
}

/** Train, Stop once `steps` steps ran; waits for the page to score the validation dates. */
async function trainAndStop(page: Page, steps: number): Promise<DatesState> {
  expect(await disabled(page, '#normalise')).toBe(true); // no model yet
  expect(await text(page, '#model-state')).toBe('Model: none yet — Train makes one.');
  await page.click('#start');
  await page.waitForFunction(`window.__dates.steps >= ${steps}`, { timeout: TIMEOUT });
  await page.click('#stop');
  await page.waitForFunction('window.__dates.done', { timeout: TIMEOUT });
  return state(page);
}

/** Types a date and a beam width, clicks Normalise, and checks what the page shows against its state. */
async function normalise(page: Page, date: string, beam: number): Promise<DatesState['decoded']> {
  const decodes = (await state(page)).decodes;
  await typeInto(page, '#date', date);
  await typeInto(page, '#beam', String(beam));
  await page.click('#normalise');
  await page.waitForFunction(`window.__dates.decodes > ${decodes}`, { timeout: TIMEOUT });
  const { decoded } = await state(page);
  expect(decoded.input).toBe(date);
  expect(await text(page, '#output')).toBe(decoded.output || '(nothing)');
  expect(await text(page, '#input-shown')).toBe(date);
  // The beam's hypotheses, best first, with their scores as shown.
  const rows = await page.$$eval('#beams tr.beam', (trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)),
  );
  expect(rows.length).toBe(beam);
  rows.forEach((r, i) => {
    expect(r[0]).toBe(String(i + 1));
    expect(r[1]).toBe(decoded.beams[i].output);
    expect(r[2]).toBe(decoded.beams[i].score.toFixed(3));
  });
  for (let i = 1; i < beam; i++) expect(decoded.beams[i].score).toBeLessThanOrEqual(decoded.beams[i - 1].score);
  // The heat map: one cell per output character (the end token included) and input character, labelled.
  expect(decoded.columns).toEqual([...date]);
  expect(decoded.rows.length).toBeLessThanOrEqual(11);
  if (decoded.finished) expect(decoded.rows.at(-1)).toBe('end');
  expect(decoded.rows.slice(0, decoded.finished ? -1 : undefined).join('')).toBe(decoded.output);
  expect(await page.$$eval('#heatmap rect.cell', (r) => r.length)).toBe(decoded.rows.length * date.length);
  expect(await page.$$eval('#heatmap text.row', (t) => t.map((e) => e.textContent))).toEqual(decoded.rows);
  expect(await page.$$eval('#heatmap text.col', (t) => t.length)).toBe(date.length);
  expect(await page.$eval('#heatmap svg', (s) => s.getAttribute('aria-label'))).toMatch(
    new RegExp(`^Attention weights: ${decoded.rows.length} output characters \\(rows\\) by ${date.length} input`),
  );
  // The table alternative: each row's weights sum to 1 (to their printed rounding).
  const table = await page.$$eval('#heatmap-table tbody tr', (trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => Number(td.textContent))),
  );
  expect(table.length).toBe(decoded.rows.length);
  for (const r of table) {
    expect(r.length).toBe(date.length);
    expect(Math.abs(r.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(0.005 * date.length + 1e-9);
  }
  return decoded;
}

describe('the dates page (npm run build:pages) in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof buildAndServePages>>;
  let browser: Browser;

  beforeAll(async () => {
    server = await buildAndServePages(resolve(root, 'test-results/dates-page'));
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it(
    'WebGPU: Train, Stop after a few steps, scored; Normalise shows the output, the beam and the heat map; bad input as text',
    async () => {
      const { page, errors } = await open(browser, `${server.url}/demo/dates.html`);
      expect(await text(page, '#adapter')).toMatch(/^Backend: webgpu, in a worker — /);
      const s = await trainAndStop(page, 3);
      expect(s.steps).toBeGreaterThanOrEqual(3);
      expect(s.steps).toBeLessThan(32); // one epoch is 32 steps: Stop ended it
      expect(s.losses.length).toBe(s.steps);
      expect(s.epochs).toBe(1);
      expect(await text(page, '#status')).toBe(`Stopped after ${s.steps} steps.`);
      expect(await text(page, '#model-state')).toBe(
        `Model: trained ${s.steps} steps (1 epoch, the last one stopped early): validation exact match ` +
          `${(s.exactMatch[0] * 100).toFixed(1)}%, token accuracy ${(s.tokenAccuracy[0] * 100).toFixed(1)}%.`,
      );
      expect(await page.$$eval('.charts canvas', (c) => c.length)).toBe(2);
      // Training ends with the date in the field decoded; then another date, another beam width.
      expect((await state(page)).decoded.input).toBe('Sun, May 3 1998');
      await normalise(page, '3rd of May 1998', 4);
      await normalise(page, '05/03/98', 1);

      // Bad input: said in the status, in red, the last result left as it was.
      const before = (await state(page)).decodes;
      for (const [input, message] of [
        ['   ', 'Type a date first, for example “3 May 1998”.'],
        [
          '3 May 1998 #1',
          "The model reads only letters A–Z, digits, spaces and ' , - . / — “#” (character 12) is not one of them.",
        ],
      ]) {
        await typeInto(page, '#date', input);
        await page.click('#normalise');
        await page.waitForFunction((m) => document.getElementById('status')!.textContent === m, {}, message);
        expect(await page.$eval('#status', (e) => e.className)).toBe('error');
      }
      await typeInto(page, '#date', '3 May 1998');
      await typeInto(page, '#beam', '9');
      await page.click('#normalise');
      expect(await text(page, '#status')).toBe('The beam width is a whole number from 1 to 5, not “9”.');
      expect((await state(page)).decodes).toBe(before);
      // An example button fills the field and decodes it.
      await typeInto(page, '#beam', '2');
      await page.click('button.example');
      await page.waitForFunction(`window.__dates.decodes > ${before}`, { timeout: TIMEOUT });
      expect((await state(page)).decoded.input).toBe("3rd of May '98");
      await page.screenshot({ path: resolve(shots, 'dates.png'), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    },
    TIMEOUT * 2,
  );

  it(
    'CPU backend (?backend=cpu): Train, Stop, Normalise',
    async () => {
      const { page, errors } = await open(browser, `${server.url}/demo/dates.html?backend=cpu`);
      expect(await text(page, '#adapter')).toMatch(/^Backend: cpu, in a worker — /);
      const s = await trainAndStop(page, 2);
      expect(s.trained).toBe(true);
      await normalise(page, 'Sunday, 2 June 2047', 3);
      // Narrowed to a phone's width after drawing (a window resized, a tablet turned): the charts follow.
      await page.setViewport({ width: 375, height: 812 });
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
      const o = await horizontalOverflow(page);
      expect(o.wide).toEqual([]);
      expect(o.scrollWidth).toBeLessThanOrEqual(375);
      // The nav keeps the choice.
      expect(await page.$$eval('nav a', (as) => as.map((a) => (a as HTMLAnchorElement).search))).toEqual(
        Array(6).fill('?backend=cpu'),
      );
      expect(errors).toEqual([]);
      await page.close();
    },
    TIMEOUT * 2,
  );

  it(
    'on a phone 375 px wide: the page, its charts, the beam table and the heat map fit without sideways scrolling',
    async () => {
      const phone = { width: 375, height: 812, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
      const { page, errors } = await open(browser, `${server.url}/demo/dates.html`, phone);
      await trainAndStop(page, 2);
      await normalise(page, 'Wednesday the twenty-first of September, 2033', 5);
      await page.screenshot({ path: resolve(shots, 'phone-dates.png'), fullPage: true });
      const o = await horizontalOverflow(page);
      expect(o.viewport).toBe(375);
      expect(o.wide).toEqual([]);
      expect(o.scrollWidth).toBeLessThanOrEqual(375);
      expect(errors).toEqual([]);
      await page.close();
    },
    TIMEOUT * 2,
  );
});
