// The static build of the demo pages and the benchmarks page (demo/pages.config.ts, `npm run build:pages`)
// served from a plain localhost file server and driven in headless Chromium (WebGPU on SwiftShader)
// only through their visible controls: fields, preset buttons, Train, Run, download and upload.
// A few iterations each (SwiftShader is slow); scripts/run-presets.ts runs the presets to the end.
// Screenshots go to test-results/screenshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { buildAndServePages, finishRun, launchChromium, openPage, runExplorerPreset, typeInto } from './browser_helpers.js';
import { GIVE_UP_AFTER_SKIPPED, PRESETS } from '../demo/session.js';

const root = resolve(__dirname, '..');
const shots = resolve(root, 'test-results/screenshots');
const RUN_TIMEOUT = 150_000;

describe('static pages (npm run build:pages) in headless Chromium', () => {
  let server: Awaited<ReturnType<typeof buildAndServePages>>;
  let browser: Browser;

  beforeAll(async () => {
    server = await buildAndServePages(resolve(root, 'test-results/pages'));
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const formValid = (page: Page) => page.$eval('#form', (f) => (f as HTMLFormElement).checkValidity());
  const canvases = (page: Page) => page.$$eval('.charts canvas', (c) => c.length);

  it("the folder's index links every page, and each link opens it", async () => {
    const { page, errors } = await openPage(browser, `${server.url}/`);
    const links = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual(['demo/index.html', 'demo/co2.html', 'bench/index.html']);
    for (const [i, title] of [/gradients/i, /CO2/, /benchmark/i].entries()) {
      await Promise.all([page.waitForNavigation(), page.click(`li:nth-child(${i + 1}) a`)]);
      expect(await page.title()).toMatch(title);
      await page.goBack();
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  describe('gradient-flow explorer', () => {
    let page: Page;
    let errors: string[];
    beforeAll(async () => {
      ({ page, errors } = await openPage(browser, `${server.url}/demo/index.html`));
      await page.waitForFunction(`!document.getElementById('adapter').textContent.includes('…')`, { timeout: 30_000 });
    });
    afterAll(() => page?.close());

    it('names the adapter before any run', async () => {
      expect(await page.$eval('#adapter', (e) => e.textContent)).toMatch(/^Backend: webgpu — /);
    });

    it('Train with the default values trains: every chart drawn, one heat-map row per iteration', async () => {
      expect(await formValid(page)).toBe(true);
      await typeInto(page, '#iterations', '4');
      const s = await finishRun(page, () => page.click('#start'), RUN_TIMEOUT);
      expect(s.iterations).toBe(4);
      expect(s.heatRows).toBe(4);
      expect(s.finiteLosses).toBe(4);
      expect(await canvases(page)).toBe(4);
      expect(await page.$eval('#status', (e) => e.textContent)).toMatch(/^Iteration 4\/4: loss /);
    });

    it('every preset leaves the form valid and a click on it trains', async () => {
      await typeInto(page, '#iterations', '3');
      for (const name of Object.keys(PRESETS)) {
        const s = await runExplorerPreset(page, name, RUN_TIMEOUT);
        expect(await formValid(page), name).toBe(true);
        expect(s.iterations, name).toBe(3);
      }
    });

    it.each(Object.keys(PRESETS))('%s preset: the lesson begins (screenshot)', async (name) => {
      const ITERATIONS = 30;
      await typeInto(page, '#iterations', String(ITERATIONS));
      const s = await runExplorerPreset(page, name, RUN_TIMEOUT);
      const banner = await page.$eval('#banner', (e) => ((e as HTMLElement).hidden ? null : e.textContent));
      await page.screenshot({ path: resolve(shots, `explorer-${name}.png`), fullPage: true });
      console.log(`explorer ${name}: ${JSON.stringify(s)}`);
      expect(s.heatRows).toBe(s.iterations);
      expect(await canvases(page)).toBe(4);
      if (name === 'exploding') {
        // Without clipping the guard skips non-finite steps within a few iterations, and the run gives up
        // after GIVE_UP_AFTER_SKIPPED of them in a row.
        expect(s.skipped).toBe(GIVE_UP_AFTER_SKIPPED);
        expect(s.iterations).toBe(s.finiteLosses + GIVE_UP_AFTER_SKIPPED);
        expect(banner).toMatch(/^Explosion guard: 20 step\(s\) skipped, .* Training stopped: 20 steps in a row were skipped/);
      } else {
        // The same settings with clipping (and the other presets) never trip it.
        expect(s.skipped).toBe(0);
        expect(s.iterations).toBe(ITERATIONS);
        expect(banner).toBeNull();
      }
      expect(errors).toEqual([]);
    });
  });

  it('CO2: trains, forecasts the held-out tail, and the downloaded weights load back to the same forecast', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/demo/co2.html`);
    const downloads = resolve(root, 'test-results/downloads');
    rmSync(downloads, { recursive: true, force: true });
    mkdirSync(downloads, { recursive: true });
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await typeInto(page, '#epochs', '2');
    await page.click('#start');
    await page.waitForFunction('window.__co2.done && window.__co2.forecast.length > 0', { timeout: RUN_TIMEOUT });
    const trained = (await page.evaluate('window.__co2')) as { epochs: number; losses: number[]; forecast: number[] };
    expect(await page.$eval('#status', (e) => e.textContent)).toMatch(/^Trained 2 epochs, final loss [\d.]+\. Held-out mean absolute error: LSTM [\d.]+ ppm, naive last value [\d.]+ ppm\.$/);
    await page.click('#export');
    const file = resolve(downloads, 'co2-lstm.safetensors');
    for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(downloads)).toEqual(['co2-lstm.safetensors']);
    await (await page.$('input#load'))!.uploadFile(file);
    await page.waitForFunction('window.__co2.loads === 1', { timeout: 30_000 });
    const reloaded = (await page.evaluate('window.__co2.forecast')) as number[];
    await page.screenshot({ path: resolve(shots, 'co2.png'), fullPage: true });
    console.log(`co2: losses ${trained.losses}; ${await page.$eval('#status', (e) => e.textContent)}`);
    expect(trained.epochs).toBe(2);
    expect(trained.losses[1]).toBeLessThan(trained.losses[0]);
    expect(trained.forecast.length).toBeGreaterThan(100);
    expect(reloaded).toEqual(trained.forecast);
    expect(await canvases(page)).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('benchmarks: the adapter before the first run, then elman-tiny against TensorFlow.js as rows and a log-scale chart', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/bench/index.html`);
    await page.waitForFunction(`!document.getElementById('adapter').textContent.includes('…')`, { timeout: 30_000 });
    expect(await page.$eval('#adapter', (e) => e.textContent)).toMatch(/^Adapter: \S/);
    for (const box of await page.$$('input[name="workload"]:checked')) await box.click();
    await page.click('input[value="elman-tiny"]');
    await typeInto(page, '#reps', '1');
    await typeInto(page, '#warmup', '0');
    await page.click('#run');
    await page.waitForFunction('window.__bench && window.__bench.done', { timeout: RUN_TIMEOUT });
    const result = (await page.evaluate(`({
      rows: window.__bench.rows,
      tableRows: document.querySelectorAll('#results tr.result').length,
      chart: !!document.querySelector('#chart canvas'),
      error: document.getElementById('error').textContent,
    })`)) as { rows: Array<{ backend: string; ms_median: number; invalid?: string; readbacks: number }>; tableRows: number; chart: boolean; error: string };
    await page.screenshot({ path: resolve(shots, 'bench-page.png'), fullPage: true });
    console.log(`bench page: rows ${JSON.stringify(result.rows.map((r) => [r.backend, r.ms_median]))}`);
    expect(result.error).toBe('');
    expect(result.rows.map((r) => r.backend)).toEqual(['webgpu', 'tfjs-webgpu']);
    expect(result.rows.every((r) => r.ms_median > 0 && !r.invalid)).toBe(true);
    expect(result.rows[0].readbacks).toBe(1);
    expect(result.tableRows).toBe(2);
    expect(result.chart).toBe(true);
    // The legend is uPlot's own table: the results table's borders must not reach it.
    expect(await page.$eval('.u-legend td, .u-legend th', (e) => getComputedStyle(e).borderTopStyle)).toBe('none');
    expect(errors).toEqual([]);
    await page.close();
  });
});
