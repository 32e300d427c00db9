// The static build of the demo pages and the benchmarks page (demo/pages.config.ts, `npm run build:pages`)
// served from a plain localhost file server and driven in headless Chromium (WebGPU on SwiftShader)
// only through their visible controls: nav links, fields, preset buttons, Train, Stop, Run, Copy, download
// and upload; then once more in a Chromium without WebGPU, where the pages offer the CPU backend.
// A few iterations each (SwiftShader is slow); scripts/run-presets.ts runs the presets to the end.
// Screenshots go to test-results/screenshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import {
  buildAndServePages,
  finishRun,
  launchChromium,
  openPage,
  runExplorerPreset,
  startRun,
  typeInto,
} from './browser_helpers.js';
import { DEFAULT_ITERATIONS, GIVE_UP_AFTER_SKIPPED, PRESETS } from '../demo/session.js';
import { WORKLOADS } from '../bench/workloads.js';
import { loadSafetensors, saveSafetensors } from '../src/index.js';

const root = resolve(__dirname, '..');
const shots = resolve(root, 'test-results/screenshots');
const RUN_TIMEOUT = 150_000;

const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
const waitForAdapter = (page: Page) =>
  page.waitForFunction(`!document.getElementById('adapter').textContent.includes('…')`, { timeout: 30_000 });

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

  it("the folder's index links every page; each page's nav links them all and leads back to the index", async () => {
    const { page, errors } = await openPage(browser, `${server.url}/`);
    const links = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual(['demo/index.html', 'demo/co2.html', 'demo/names.html', 'bench/index.html']);
    const pages = ['index.html', ...links].map((l) => `${server.url}/${l}`);
    for (const [i, title] of [/gradients/i, /CO2/, /first names/, /benchmark/i].entries()) {
      await Promise.all([page.waitForNavigation(), page.click(`li:nth-child(${i + 1}) a`)]);
      expect(await page.title()).toMatch(title);
      expect(await page.$$eval('nav a', (as) => as.map((a) => (a as HTMLAnchorElement).href))).toEqual(pages);
      expect(await page.$eval('nav a[aria-current="page"]', (a) => (a as HTMLAnchorElement).href)).toBe(pages[i + 1]);
      await Promise.all([page.waitForNavigation(), page.click('nav a:first-child')]);
      expect(await page.title()).toBe('webgpu-rnn demos');
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  describe('gradient-flow explorer', () => {
    let page: Page;
    let errors: string[];
    beforeAll(async () => {
      ({ page, errors } = await openPage(browser, `${server.url}/demo/index.html`));
      await waitForAdapter(page);
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

    it('Stop ends the run, and the status says it stopped', async () => {
      await typeInto(page, '#iterations', '1000');
      await startRun(page, () => page.click('#start'), RUN_TIMEOUT);
      await page.waitForFunction('window.__demo.iterations >= 2', { timeout: RUN_TIMEOUT });
      await page.click('#stop');
      await page.waitForFunction('window.__demo.done', { timeout: RUN_TIMEOUT });
      const n = ((await page.evaluate('window.__demo')) as { iterations: number }).iterations;
      expect(n).toBeLessThan(1000);
      expect(await text(page, '#status')).toMatch(
        new RegExp(`^Stopped after ${n} of 1000 iterations\\. Iteration ${n}/1000: loss `),
      );
    });

    it('every preset sets every field, its iteration count included, leaves the form valid, and a click on it trains', async () => {
      for (const name of Object.keys(PRESETS)) {
        await typeInto(page, '#iterations', '7');
        await startRun(page, () => page.click(`button[data-preset="${name}"]`), RUN_TIMEOUT);
        expect(await page.$eval('#iterations', (e) => (e as HTMLInputElement).value), name).toBe(
          String(DEFAULT_ITERATIONS),
        );
        expect(await formValid(page), name).toBe(true);
        // Train with a few iterations: the preset's run stops after its current step.
        await typeInto(page, '#iterations', '3');
        const s = await finishRun(page, () => page.click('#start'), RUN_TIMEOUT);
        expect(s.iterations, name).toBe(3);
      }
    });

    it.each(Object.keys(PRESETS))('%s preset: the lesson begins (screenshot)', async (name) => {
      const ITERATIONS = 30;
      const s = await runExplorerPreset(page, name, RUN_TIMEOUT, ITERATIONS);
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
        expect(banner).toMatch(
          /^Explosion guard: 20 step\(s\) skipped, .* Training stopped: 20 steps in a row were skipped/,
        );
      } else {
        // The same settings with clipping (and the other presets) never trip it.
        expect(s.skipped).toBe(0);
        expect(s.iterations).toBe(ITERATIONS);
        expect(banner).toBeNull();
      }
      expect(errors).toEqual([]);
    });
  });

  it('CO2: trains until Stop, forecasts the held-out tail, the downloaded weights load back to the same forecast, and bad files show as errors', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/demo/co2.html`);
    const downloads = resolve(root, 'test-results/downloads');
    rmSync(downloads, { recursive: true, force: true });
    mkdirSync(downloads, { recursive: true });
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await typeInto(page, '#epochs', '500');
    await page.click('#start');
    await page.waitForFunction('window.__co2.epochs >= 2', { timeout: RUN_TIMEOUT });
    await page.click('#stop');
    await page.waitForFunction('window.__co2.done && window.__co2.forecast.length > 0', { timeout: RUN_TIMEOUT });
    const trained = (await page.evaluate('window.__co2')) as { epochs: number; losses: number[]; forecast: number[] };
    expect(await text(page, '#status')).toMatch(
      new RegExp(
        `^Stopped after ${trained.epochs} of 500 epochs, final loss [\\d.]+\\. Held-out mean absolute error: LSTM [\\d.]+ ppm, naive last value [\\d.]+ ppm\\.$`,
      ),
    );
    await page.click('#export');
    const file = resolve(downloads, 'co2-lstm.safetensors');
    for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(downloads)).toEqual(['co2-lstm.safetensors']);
    await (await page.$('input#load'))!.uploadFile(file);
    await page.waitForFunction('window.__co2.loads === 1', { timeout: 30_000 });
    const reloaded = (await page.evaluate('window.__co2.forecast')) as number[];
    await page.screenshot({ path: resolve(shots, 'co2.png'), fullPage: true });
    console.log(`co2: losses ${trained.losses}; ${await page.$eval('#status', (e) => e.textContent)}`);
    // Bad files through the same control: the status, in the error colour, says so and names the typed
    // error (class names survive minification).
    const statusColor = () => page.$eval('#status', (e) => getComputedStyle(e).color);
    expect(await statusColor()).toBe('rgb(85, 85, 85)');
    const upload = async (name: string, bytes: Uint8Array) => {
      const before = await text(page, '#status');
      writeFileSync(resolve(downloads, name), bytes);
      await (await page.$('input#load'))!.uploadFile(resolve(downloads, name));
      await page.waitForFunction(
        (b) => document.getElementById('status')!.textContent !== b,
        { timeout: 30_000 },
        before,
      );
      expect(await statusColor()).toBe('rgb(187, 0, 0)');
      return text(page, '#status');
    };
    const notThisModel = 'This file is not a safetensors file for this model: ';
    const random = new Uint8Array(64).map((_, i) => (i * 97 + 13) % 256);
    expect(await upload('random.safetensors', random)).toMatch(
      new RegExp(`^${notThisModel}SafetensorsError: header length \\d+ exceeds the 56 bytes after it`),
    );
    const dict = loadSafetensors(new Uint8Array(readFileSync(file))).tensors;
    const wrong = saveSafetensors({ ...dict, '0.bias_hh_l0': { shape: [32], data: new Float32Array(32) } });
    expect(await upload('other-model.safetensors', wrong)).toBe(
      `${notThisModel}ShapeError: stateDict['0.bias_hh_l0'].shape: expected [128], got [32]`,
    );
    expect(trained.epochs).toBeGreaterThanOrEqual(2);
    expect(trained.epochs).toBeLessThan(500);
    expect(trained.losses[1]).toBeLessThan(trained.losses[0]);
    expect(trained.forecast.length).toBeGreaterThan(100);
    expect(reloaded).toEqual(trained.forecast);
    expect(await canvases(page)).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('names: Stop ends a run; Train a few iterations, then Generate at a chosen temperature shows names with per-character probabilities; the downloaded weights load back', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/demo/names.html`);
    const downloads = resolve(root, 'test-results/downloads-names');
    rmSync(downloads, { recursive: true, force: true });
    mkdirSync(downloads, { recursive: true });
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await waitForAdapter(page);
    expect(await formValid(page)).toBe(true);
    // Nothing to sample from or save before a model exists.
    expect(await page.$eval('#generate', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    expect(await page.$eval('#export', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await typeInto(page, '#hidden', '32');
    // Stop ends a long run after its current step; the held-out loss is still measured.
    await typeInto(page, '#iterations', '1000');
    await page.click('#start');
    await page.waitForFunction('window.__names.iterations >= 2', { timeout: RUN_TIMEOUT });
    await page.click('#stop');
    await page.waitForFunction('window.__names.done', { timeout: RUN_TIMEOUT });
    const stopped = (await page.evaluate('window.__names.iterations')) as number;
    expect(stopped).toBeLessThan(1000);
    expect(await text(page, '#status')).toMatch(
      new RegExp(
        `^Stopped after ${stopped} of 1000 iterations\\. Held-out loss per character: GRU [\\d.]+ nats, bigram 2\\.444 nats\\.$`,
      ),
    );
    await typeInto(page, '#iterations', '6');
    await page.click('#start');
    await page.waitForFunction('window.__names.done', { timeout: RUN_TIMEOUT });
    const trained = (await page.evaluate('window.__names')) as {
      iterations: number;
      losses: number[];
      heldOut: number;
      bigram: number;
    };
    expect(trained.iterations).toBe(6);
    expect(trained.losses.length).toBe(6);
    expect(await text(page, '#status')).toBe(
      `Trained 6 iterations. Held-out loss per character: GRU ${trained.heldOut.toFixed(3)} nats, bigram ${trained.bigram.toFixed(3)} nats.`,
    );
    expect(trained.bigram).toBeCloseTo(2.4444, 4); // npm run names prints the same baseline
    // Six steps from the initialisation: well above the bigram, below uniform over 28 symbols (ln 28 = 3.33).
    expect(trained.heldOut).toBeLessThan(Math.log(28));
    expect(trained.heldOut).toBeGreaterThan(trained.bigram);
    expect(await canvases(page)).toBe(1);

    // The slider by keyboard, as a visitor would: four steps of 0.05 up from 0.8.
    await page.focus('#temperature');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    expect(await text(page, '#temperature-value')).toBe('1.00');
    await page.click('#generate');
    await page.waitForFunction('window.__names.generated.length === 12', { timeout: RUN_TIMEOUT });
    const generated = (await page.evaluate('window.__names.generated')) as Array<{
      name: string;
      chars: Array<{ char: string; p: number; pSampled: number }>;
    }>;
    const shown = await page.$$eval('#names .name', (ns) =>
      ns.map((n) =>
        Array.from(n.querySelectorAll('.char')).map((c) => ({
          text: c.textContent,
          title: (c as HTMLElement).title,
          color: getComputedStyle(c).borderBottomColor,
        })),
      ),
    );
    expect(shown.length).toBe(12);
    shown.forEach((chars, i) => {
      const g = generated[i];
      expect(chars.map((c) => c.text).join('')).toBe(g.chars.map((c) => (c.char === '.' ? '·' : c.char)).join(''));
      chars.forEach((c, k) => {
        expect(c.title).toMatch(
          new RegExp(
            `^p\\(.+ \\| '${g.name.slice(0, k)}'\\) = ${g.chars[k].p.toFixed(3)} \\(at temperature 1: ${g.chars[k].pSampled.toFixed(3)}\\); likeliest: `,
          ),
        );
        // At temperature 1 the GPU sampler draws from the model's own distribution (f32).
        expect(Math.abs(g.chars[k].pSampled - g.chars[k].p)).toBeLessThan(1e-5);
        expect(c.color).toMatch(/^rgb\(/);
      });
    });
    const last = generated.at(-1)!;
    expect(await page.$$eval('#last tr', (rows) => rows.length)).toBe(last.chars.length + 1);
    expect(await page.$eval('#generate', (b) => (b as HTMLButtonElement).disabled)).toBe(false);
    expect(await page.$eval('#last caption', (c) => c.textContent)).toBe(`“${last.name}”, character by character`);
    await page.screenshot({ path: resolve(shots, 'names.png'), fullPage: true });

    await page.click('#export');
    const file = resolve(downloads, 'names-gru.safetensors');
    for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(downloads)).toEqual(['names-gru.safetensors']);
    const saved = loadSafetensors(new Uint8Array(readFileSync(file)));
    expect(saved.metadata).toMatchObject({ vocab: '.-abcdefghijklmnopqrstuvwxyz', hidden: '32', embedding: '32' });
    expect(Object.keys(saved.tensors).sort()).toEqual([
      '0.weight',
      '1.bias_hh_l0',
      '1.bias_ih_l0',
      '1.weight_hh_l0',
      '1.weight_ih_l0',
      '2.bias',
      '2.weight',
    ]);
    // Loaded into a page whose hidden field says otherwise: the file's size wins, the held-out loss is the trained one.
    await typeInto(page, '#hidden', '8');
    await (await page.$('input#load'))!.uploadFile(file);
    await page.waitForFunction('window.__names.loads === 1', { timeout: 60_000 });
    expect(await page.$eval('#hidden', (e) => (e as HTMLInputElement).value)).toBe('32');
    expect(await text(page, '#status')).toBe(
      `Weights loaded (hidden size 32). Held-out loss per character: GRU ${trained.heldOut.toFixed(3)} nats, bigram ${trained.bigram.toFixed(3)} nats.`,
    );
    // Another model's weights: an error naming the tensor, and the loaded model stays.
    const wrong = resolve(downloads, 'other.safetensors');
    writeFileSync(
      wrong,
      saveSafetensors(
        { ...saved.tensors, '2.bias': { shape: [5], data: new Float32Array(5) } },
        { metadata: saved.metadata },
      ),
    );
    await (await page.$('input#load'))!.uploadFile(wrong);
    await page.waitForFunction(`document.getElementById('status').textContent.startsWith('This file')`, {
      timeout: 30_000,
    });
    expect(await text(page, '#status')).toBe(
      "This file is not a safetensors file for this model: ShapeError: stateDict['2.bias'].shape: expected [28], got [5]",
    );
    const before = JSON.stringify(generated);
    await page.click('#generate');
    await page.waitForFunction(
      (b) => JSON.stringify((window as unknown as { __names: { generated: unknown } }).__names.generated) !== b,
      { timeout: RUN_TIMEOUT },
      before,
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('benchmarks: the adapter before the first run, elman-tiny alone ticked, run against TensorFlow.js as rows and a log-scale chart, copied', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/bench/index.html`);
    await browser
      .defaultBrowserContext()
      .overridePermissions(server.url, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
    await waitForAdapter(page);
    expect(await page.$eval('#adapter', (e) => e.textContent)).toMatch(/^Adapter: \S/);
    // Every workload of the CLI is offered (the text rows char-gru and generate among them); only the tiny one is ticked.
    expect(await page.$$eval('input[name="workload"]', (bs) => bs.map((b) => (b as HTMLInputElement).value))).toEqual(
      WORKLOADS.map((w) => w.name),
    );
    expect(await text(page, '#workloads')).toMatch(/generate \(B 8, 200 tokens, V 65, E 32, H 256, generation\)/);
    expect(
      await page.$$eval('input[name="workload"]:checked', (bs) => bs.map((b) => (b as HTMLInputElement).value)),
    ).toEqual(['elman-tiny']);
    expect(await text(page, '#workloads')).toMatch(/to minutes each on a software adapter/);
    await typeInto(page, '#reps', '1');
    await typeInto(page, '#warmup', '0');
    await page.click('#run');
    await page.waitForFunction('window.__bench && window.__bench.done', { timeout: RUN_TIMEOUT });
    const result = (await page.evaluate(`({
      rows: window.__bench.rows,
      tableRows: document.querySelectorAll('#results tr.result').length,
      chart: !!document.querySelector('#chart canvas'),
      error: document.getElementById('error').textContent,
    })`)) as {
      rows: Array<{ backend: string; ms_median: number; invalid?: string; readbacks: number }>;
      tableRows: number;
      chart: boolean;
      error: string;
    };
    await page.screenshot({ path: resolve(shots, 'bench-page.png'), fullPage: true });
    console.log(`bench page: rows ${JSON.stringify(result.rows.map((r) => [r.backend, r.ms_median]))}`);
    expect(result.error).toBe('');
    expect(result.rows.map((r) => r.backend)).toEqual(['webgpu', 'tfjs-webgpu']);
    expect(result.rows.every((r) => r.ms_median > 0 && !r.invalid)).toBe(true);
    expect(result.rows[0].readbacks).toBe(1);
    expect(result.tableRows).toBe(2);
    // The comparison sits on our row and says which way it goes.
    expect(await page.$$eval('#results th', (ths) => ths.at(-1)!.textContent)).toBe('webgpu-rnn vs TensorFlow.js');
    const versus = await page.$$eval('#results tr.result', (trs) => trs.map((tr) => tr.lastElementChild!.textContent));
    const ratio = result.rows[1].ms_median / result.rows[0].ms_median;
    expect(versus).toEqual([ratio >= 1 ? `${ratio.toFixed(1)}× faster` : `${(1 / ratio).toFixed(1)}× slower`, '']);
    await page.click('#copy');
    await page.waitForFunction(`document.getElementById('copied').textContent !== ''`, { timeout: 10_000 });
    expect(await text(page, '#copied')).toBe('Copied 2 rows.');
    expect(JSON.parse((await page.evaluate('navigator.clipboard.readText()')) as string)).toEqual(result.rows);
    expect(result.chart).toBe(true);
    // The legend is uPlot's own table: the results table's borders must not reach it.
    expect(await page.$eval('.u-legend td, .u-legend th', (e) => getComputedStyle(e).borderTopStyle)).toBe('none');
    expect(errors).toEqual([]);
    await page.close();
  });

  describe('in a browser without WebGPU', () => {
    let noGpu: Browser;
    beforeAll(async () => {
      noGpu = await launchChromium({ webgpu: false });
    });
    afterAll(() => noGpu?.close());

    // How many of the form's controls are enabled.
    const enabledControls = (page: Page) =>
      page.$$eval(
        '#form :is(input, select, button)',
        (cs) => cs.filter((c) => !(c as HTMLInputElement).disabled).length,
      );

    const openWithoutGpu = async (path: string) => {
      const opened = await openPage(noGpu, `${server.url}/${path}`);
      // Really no WebGPU, so that these tests cannot pass on a browser that has it.
      expect(
        await opened.page.evaluate(async () => !navigator.gpu || (await navigator.gpu.requestAdapter()) === null),
      ).toBe(true);
      await waitForAdapter(opened.page);
      const banner = await text(opened.page, '#nogpu');
      expect(banner).toMatch(
        /^WebGPU is not available here: the browser has it turned off, or has no GPU it may use \(chrome:\/\/gpu says why\)\. /,
      );
      expect(banner).not.toMatch(/createContext/); // speaks to a visitor, not to a programmer
      return { ...opened, banner };
    };

    it.each([
      [
        'demo/index.html',
        async (page: Page) => {
          await typeInto(page, '#iterations', '3');
          expect((await finishRun(page, () => page.click('#start'), RUN_TIMEOUT)).iterations).toBe(3);
        },
      ],
      [
        'demo/co2.html',
        async (page: Page) => {
          await typeInto(page, '#epochs', '1');
          await page.click('#start');
          await page.waitForFunction('window.__co2.done', { timeout: RUN_TIMEOUT });
          expect(await text(page, '#status')).toMatch(
            /^Trained 1 epoch, final loss [\d.]+\. Held-out mean absolute error/,
          );
        },
      ],
      [
        'demo/names.html',
        async (page: Page) => {
          await typeInto(page, '#hidden', '16');
          await typeInto(page, '#iterations', '2');
          await page.click('#start');
          await page.waitForFunction('window.__names.done', { timeout: RUN_TIMEOUT });
          expect(await text(page, '#status')).toMatch(
            /^Trained 2 iterations\. Held-out loss per character: GRU [\d.]+ nats, bigram 2\.444 nats\.$/,
          );
          await page.click('#generate');
          await page.waitForFunction('window.__names.generated.length === 12', { timeout: RUN_TIMEOUT });
        },
      ],
    ])(
      '%s: a banner, Backend: none, the whole form disabled; "Use the CPU backend" trains on the CPU, and the nav keeps the choice',
      async (path, train) => {
        const { page, errors, banner } = await openWithoutGpu(path);
        expect(banner).toMatch(/Use the CPU backend instead \(slower, same results\)/);
        expect(await text(page, '#adapter')).toBe('Backend: none (WebGPU is not available)');
        expect(await enabledControls(page)).toBe(0);
        await Promise.all([page.waitForNavigation(), page.click('#nogpu a')]);
        await waitForAdapter(page);
        expect(await text(page, '#adapter')).toMatch(/^Backend: cpu — /);
        await train(page);
        // The nav bar and the index keep ?backend=cpu: the other demo page opens on the CPU, without the banner.
        expect(await page.$$eval('nav a', (as) => as.map((a) => (a as HTMLAnchorElement).search))).toEqual(
          Array(5).fill('?backend=cpu'),
        );
        await Promise.all([page.waitForNavigation(), page.click('nav a:first-child')]);
        const other = path === 'demo/index.html' ? 'demo/co2.html' : 'demo/index.html';
        await Promise.all([page.waitForNavigation(), page.click(`a[href*="${other}"]`)]);
        expect(page.url()).toBe(`${server.url}/${other}?backend=cpu`);
        await waitForAdapter(page);
        expect(await text(page, '#adapter')).toMatch(/^Backend: cpu — /);
        expect(await page.$('#nogpu')).toBeNull();
        expect(await enabledControls(page)).toBeGreaterThan(0);
        expect(errors).toEqual([]);
        await page.close();
      },
    );

    it('bench/index.html: a banner, Adapter: none, the whole form disabled', async () => {
      const { page, errors, banner } = await openWithoutGpu('bench/index.html');
      expect(banner).toMatch(/Open this page in a browser with WebGPU/);
      expect(await text(page, '#adapter')).toBe('Adapter: none (WebGPU is not available)');
      expect(await enabledControls(page)).toBe(0);
      expect(errors).toEqual([]);
      await page.close();
    });
  });
});
