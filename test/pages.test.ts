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
  PHONE,
  buildAndServePages,
  finishRun,
  horizontalOverflow,
  launchChromium,
  openPage,
  runExplorerPreset,
  serveStatic,
  startRun,
  typeInto,
} from './browser_helpers.js';
import { DEFAULT_ITERATIONS, GIVE_UP_AFTER_SKIPPED, PRESETS } from '../demo/session.js';
import { WORKLOADS } from '../bench/workloads.js';
import {
  CpuBackend,
  loadSafetensors,
  modelFromSpec,
  saveSafetensors,
  type HostArray,
  type ModelSpec,
} from '../src/index.js';
import { CO2_MODEL } from '../examples/co2_task.js';
import { namesModelSpec } from '../examples/names_task.js';

const root = resolve(__dirname, '..');
const shots = resolve(root, 'test-results/screenshots');
const RUN_TIMEOUT = 150_000;

/**
 * A page's "Download ONNX" file, run by ONNX Runtime (Node), gives what the model of its downloaded weights
 * gives on the CPU backend, within f32 rounding.
 */
async function expectOnnxLikeWeights(onnx: string, weights: string, spec: ModelSpec, x: HostArray, ids: boolean) {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(readFileSync(onnx));
  const input = ids
    ? new ort.Tensor(
        'int64',
        BigInt64Array.from(x.data, (v) => BigInt(v)),
        x.shape,
      )
    : new ort.Tensor('float32', Float32Array.from(x.data), x.shape);
  const got = (await session.run({ [session.inputNames[0]]: input }))[session.outputNames[0]].data as Float32Array;
  const model = modelFromSpec(new CpuBackend(), spec);
  model.loadStateDict(loadSafetensors(new Uint8Array(readFileSync(weights))).tensors);
  const want = await model.ctx.read(model.inMode(false, () => model.forward(model.ctx.tensor(x.data, x.shape))));
  model.release();
  expect(got.length).toBe(want.length);
  const worst = Math.max(...want.map((w, i) => Math.abs(got[i] - w) - (1e-5 + 1e-4 * Math.abs(w))));
  expect(worst, 'ONNX Runtime vs the CPU backend, beyond 1e-5 + 1e-4·|ours|').toBeLessThanOrEqual(0);
}

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
    expect(links).toEqual([
      'demo/index.html',
      'demo/co2.html',
      'demo/names.html',
      'demo/dates.html',
      'bench/index.html',
    ]);
    const pages = ['index.html', ...links].map((l) => `${server.url}/${l}`);
    for (const [i, title] of [/gradients/i, /CO2/, /first names/, /dates/, /benchmark/i].entries()) {
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
      expect(await page.$eval('#adapter', (e) => e.textContent)).toMatch(/^Backend: webgpu, in a worker — /);
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

    it('with large settings, the status says "Starting…" right after Train and "Stopping after this step…" right after Stop', async () => {
      // Steps of seconds each on a software adapter: what the status says at once is what a visitor sees for that long.
      await typeInto(page, '#hidden', '256');
      await typeInto(page, '#steps', '400');
      await typeInto(page, '#iterations', '1000');
      const runs = (await page.evaluate('window.__demo.runs')) as number;
      await page.click('#start');
      expect(await text(page, '#status')).toBe('Starting…');
      await page.waitForFunction(`window.__demo.runs > ${runs} && window.__demo.iterations >= 1`, {
        timeout: RUN_TIMEOUT,
      });
      await page.click('#stop');
      expect(await text(page, '#status')).toBe('Stopping after this step…');
      await page.click('#stop'); // an impatient second click changes nothing
      expect(await text(page, '#status')).toBe('Stopping after this step…');
      await page.waitForFunction('window.__demo.done', { timeout: RUN_TIMEOUT });
      const n = ((await page.evaluate('window.__demo')) as { iterations: number }).iterations;
      expect(await text(page, '#status')).toMatch(
        new RegExp(`^Stopped after ${n} of 1000 iterations\\. Iteration ${n}/1000: loss `),
      );
      await typeInto(page, '#hidden', '32');
      await typeInto(page, '#steps', '20');
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
    const loadDisabled = () => page.$eval('#load', (e) => (e as HTMLInputElement).disabled);
    expect(await loadDisabled()).toBe(false);
    await page.click('#start');
    await page.waitForFunction('window.__co2.epochs >= 2', { timeout: RUN_TIMEOUT });
    // Weights loaded now would go into the model being trained: no loading while it trains.
    expect(await loadDisabled()).toBe(true);
    await page.click('#stop');
    await page.waitForFunction('window.__co2.done && window.__co2.forecast.length > 0', { timeout: RUN_TIMEOUT });
    expect(await loadDisabled()).toBe(false);
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
    await page.click('#export-onnx');
    const onnx = resolve(downloads, 'co2-lstm.onnx');
    for (let i = 0; i < 100 && !existsSync(onnx); i++) await new Promise((r) => setTimeout(r, 100));
    const windows = Array.from({ length: 24 * 3 }, (_, i) => Math.sin(i / 5)); // [T 24, B 3, 1]
    await expectOnnxLikeWeights(onnx, file, CO2_MODEL, { data: windows, shape: [24, 3, 1] }, false);
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
    // Valid safetensors files of other models: the status says in words which names and shapes differ.
    const dict = loadSafetensors(new Uint8Array(readFileSync(file))).tensors;
    const wrong = saveSafetensors({ ...dict, '0.bias_hh_l0': { shape: [32], data: new Float32Array(32) } });
    expect(await upload('other-model.safetensors', wrong)).toBe(
      "This file holds another model's weights: 0.bias_hh_l0 is 32 in the file but 128 in this model.",
    );
    const zeros = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    const namesGru = saveSafetensors({
      '0.weight': zeros([28, 32]),
      '1.weight_ih_l0': zeros([96, 32]),
      '1.weight_hh_l0': zeros([96, 32]),
      '1.bias_ih_l0': zeros([96]),
      '1.bias_hh_l0': zeros([96]),
      '2.weight': zeros([28, 32]),
      '2.bias': zeros([28]),
    });
    expect(await upload('names-gru.safetensors', namesGru)).toBe(
      "This file holds another model's weights: it lacks 0.weight_ih_l0, 0.weight_hh_l0, 0.bias_ih_l0, 0.bias_hh_l0, which this model needs; " +
        'it has 0.weight, 1.bias_hh_l0, 1.bias_ih_l0, 1.weight_hh_l0, 1.weight_ih_l0, which this model does not; ' +
        '2.weight is 28 × 32 in the file but 1 × 32 in this model; 2.bias is 28 in the file but 1 in this model.',
    );
    // The forecast is still the loaded weights'.
    expect(await page.evaluate('window.__co2.forecast')).toEqual(reloaded);

    // Weights loaded into a page that has not trained can be downloaded again, byte for byte.
    const saved = readFileSync(file);
    rmSync(file);
    const fresh = await openPage(browser, `${server.url}/demo/co2.html`);
    await waitForAdapter(fresh.page);
    const freshCdp = await fresh.page.createCDPSession();
    await freshCdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    const exportDisabled = () => fresh.page.$eval('#export', (e) => (e as HTMLButtonElement).disabled);
    expect(await exportDisabled()).toBe(true);
    writeFileSync(resolve(downloads, 'trained.safetensors'), saved);
    await (await fresh.page.$('input#load'))!.uploadFile(resolve(downloads, 'trained.safetensors'));
    await fresh.page.waitForFunction('window.__co2.loads === 1', { timeout: 30_000 });
    expect(await exportDisabled()).toBe(false);
    await fresh.page.click('#export');
    for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    expect(new Uint8Array(readFileSync(file))).toEqual(new Uint8Array(saved));
    expect(fresh.errors).toEqual([]);
    await fresh.page.close();
    expect(trained.epochs).toBeGreaterThanOrEqual(2);
    expect(trained.epochs).toBeLessThan(500);
    expect(trained.losses[1]).toBeLessThan(trained.losses[0]);
    expect(trained.forecast.length).toBeGreaterThan(100);
    expect(reloaded).toEqual(trained.forecast);
    expect(await canvases(page)).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('CO2: trains in a worker; a worker that throws leaves the page usable with a clear message, and Train starts a new one', async () => {
    const { page } = await openPage(browser, `${server.url}/demo/co2.html`);
    await waitForAdapter(page);
    expect(page.workers().length).toBe(1);
    await typeInto(page, '#epochs', '500');
    await page.click('#start');
    await page.waitForFunction('window.__co2.epochs >= 1', { timeout: RUN_TIMEOUT });
    await page.workers()[0].evaluate(() => {
      setTimeout(() => {
        throw new Error('injected failure');
      });
    });
    await page.waitForFunction(`document.getElementById('status').textContent.startsWith('WorkerError')`, {
      timeout: RUN_TIMEOUT,
    });
    expect(await text(page, '#status')).toMatch(
      /^WorkerError: the trainer's worker stopped: .*injected failure — Train starts a new one\.$/,
    );
    const disabled = (id: string) => page.$eval(id, (e) => (e as HTMLButtonElement).disabled);
    expect([await disabled('#start'), await disabled('#stop'), await disabled('#load')]).toEqual([false, true, false]);
    await typeInto(page, '#epochs', '1');
    await page.click('#start');
    await page.waitForFunction('window.__co2.done && window.__co2.forecast.length > 0 && window.__co2.epochs === 1', {
      timeout: RUN_TIMEOUT,
    });
    expect(await text(page, '#status')).toMatch(/^Trained 1 epoch, final loss [\d.]+\. Held-out mean absolute error/);
    expect(page.workers().length).toBe(1); // the failed one was terminated
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
    await page.click('#export-onnx');
    const onnx = resolve(downloads, 'names-gru.onnx');
    for (let i = 0; i < 100 && !existsSync(onnx); i++) await new Promise((r) => setTimeout(r, 100));
    const ids = { data: [0, 0, 3, 5, 9, 1, 27, 2, 4, 0, 0, 8], shape: [4, 3] }; // [T, B]
    await expectOnnxLikeWeights(onnx, file, namesModelSpec(28, { hidden: 32, embedding: 32, seed: 1 }), ids, true);
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
      "This file holds another model's weights: 2.bias is 5 in the file but 28 in this model.",
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
    expect(await text(page, '#workloads')).toMatch(
      /beam-decode \(B 128, T 28 → 11, V 71 → 14, E 16, H 32 × 2 → 64, beam search k 4\)/,
    );
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

  it('benchmarks: a seq2seq row (greedy-decode) runs from the page: ours alone though TensorFlow.js is ticked, in tokens/s', async () => {
    const { page, errors } = await openPage(
      browser,
      `${server.url}/bench/index.html?only=greedy-decode&reps=1&warmup=0&autorun=1`,
    );
    await page.waitForFunction('window.__bench && window.__bench.done', { timeout: RUN_TIMEOUT });
    expect(await page.$eval('#tfjs', (e) => (e as HTMLInputElement).checked)).toBe(true);
    const rows = (await page.evaluate('window.__bench.rows')) as Array<{
      workload: string;
      mode: string;
      backend: string;
      readbacks: number;
    }>;
    expect(rows.map((r) => [r.workload, r.mode, r.backend, r.readbacks])).toEqual([
      ['greedy-decode', 'decode', 'webgpu', 1],
    ]);
    expect(await text(page, '#error')).toBe('');
    expect(await page.$eval('#results tr.result', (tr) => tr.children[3].textContent)).toMatch(/^[\d.]+ tokens\/s$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('benchmarks: the harness runs in a worker; its errors reach the page in red by class name, and a worker that throws is replaced on the next Run', async () => {
    const { page } = await openPage(browser, `${server.url}/bench/index.html`);
    await waitForAdapter(page);
    expect(page.workers().length).toBe(1);
    await page.click('#tfjs'); // ours alone: the errors do not depend on it
    await typeInto(page, '#reps', '1');
    await typeInto(page, '#warmup', '0');
    const runToEnd = async () => {
      await page.evaluate('window.__bench = undefined');
      await page.click('#run');
      await page.waitForFunction('window.__bench && window.__bench.done', { timeout: RUN_TIMEOUT });
    };
    // An error during a run, thrown where the harness runs: the worker's queue refuses every submit.
    await page.workers()[0].evaluate(() => {
      GPUQueue.prototype.submit = () => {
        throw new RangeError('injected failure');
      };
    });
    await runToEnd();
    expect(await text(page, '#error')).toMatch(/^RangeError: injected failure\n/);
    expect(await page.$eval('#error', (e) => getComputedStyle(e).color)).toBe('rgb(187, 0, 0)');
    expect(await text(page, '#status')).toBe('Failed.');
    // A throw outside a run ends the worker at once; the next Run starts a new one, which completes.
    await page.workers()[0].evaluate(() => {
      setTimeout(() => {
        throw new TypeError('injected failure');
      });
    });
    await page.waitForFunction(`document.getElementById('error').textContent.startsWith('The benchmark worker')`, {
      timeout: RUN_TIMEOUT,
    });
    expect(await text(page, '#error')).toMatch(
      /^The benchmark worker stopped: .*TypeError: injected failure — Run starts a new one\.$/,
    );
    await runToEnd();
    expect(await text(page, '#error')).toBe('');
    expect(await text(page, '#status')).toBe('Done: 1 rows.');
    expect(await page.$$eval('#results tr.result', (trs) => trs.length)).toBe(1);
    expect(page.workers().length).toBe(1); // the failed one was terminated
    await page.close();
  });

  describe("the README's Vite recipe: its src/main.ts, built with Vite against dist/", () => {
    // test/packed.test.ts runs the same block against the packed package with WebGPU; here, the output the
    // README promises, and what the page shows without WebGPU.
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    const block = (marker: string) => {
      const m = new RegExp(`<!-- ${marker} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(readme);
      if (!m) throw new Error(`README.md has no code block marked <!-- ${marker} -->`);
      return m[1];
    };
    let app: Awaited<ReturnType<typeof serveStatic>>;
    beforeAll(async () => {
      const dir = resolve(root, 'test-results/vite-recipe');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(resolve(dir, 'src'), { recursive: true });
      // What `npm create vite@latest -- --template vanilla-ts` gives: a div#app and the module script.
      writeFileSync(
        resolve(dir, 'index.html'),
        '<!doctype html><html><head><meta charset="UTF-8"><link rel="icon" href="data:,"><title>my-app</title></head><body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>\n',
      );
      writeFileSync(resolve(dir, 'src/main.ts'), block('packed-test: vite/src/main.ts'));
      const { build } = await import('vite');
      await build({
        root: dir,
        configFile: false,
        logLevel: 'error',
        resolve: { alias: { 'webgpu-rnn': resolve(root, 'dist/webgpu-rnn.js') } },
        build: { outDir: resolve(dir, 'dist'), emptyOutDir: true, target: 'es2022' },
      });
      app = await serveStatic(resolve(dir, 'dist'));
    }, 120_000);
    afterAll(() => app?.close());

    const shown = async (b: Browser, done: string) => {
      const page = await b.newPage();
      await page.goto(`${app.url}/index.html`);
      await page
        .waitForFunction(`document.querySelector('#app').textContent.includes(${JSON.stringify(done)})`, {
          timeout: 60_000,
        })
        .catch(() => undefined); // the checks below say what the page shows instead
      const out = (await page.$eval('#app', (e) => e.textContent ?? '')) as string;
      await page.close();
      return out;
    };

    it('with WebGPU the page shows the lines the README says, the losses to their printed digits within 1%', async () => {
      const out = await shown(browser, 'step 60:');
      console.log(`README Vite recipe in Chromium:\n${out}`);
      const expected = block('vite-output: webgpu').trimEnd().split('\n');
      const lines = out.trimEnd().split('\n');
      expect(lines.length, out).toBe(expected.length);
      expect(lines[0]).toMatch(/^adapter: \S/);
      expect(expected[0]).toMatch(/^adapter: /);
      const step = /^step (\d+): loss (\d\.\d{5})$/;
      lines.slice(1).forEach((line, i) => {
        const [got, want] = [step.exec(line), step.exec(expected[i + 1])];
        expect(got, line).not.toBeNull();
        expect(want, expected[i + 1]).not.toBeNull();
        expect(got![1]).toBe(want![1]);
        expect(Math.abs(Number(got![2]) - Number(want![2]))).toBeLessThanOrEqual(0.01 * Number(want![2]));
      });
    });

    it('without WebGPU the page shows the error the README says (it was blank, the error only in the console)', async () => {
      const noGpu = await launchChromium({ webgpu: false });
      try {
        expect(await shown(noGpu, 'Error')).toBe(block('vite-output: no webgpu'));
      } finally {
        await noGpu.close();
      }
    });
  });

  describe('on a phone, 390 px wide: every page fits without sideways scrolling, after a run', () => {
    // Each page is driven to the state with the most on it (charts, colour bar, tables), then measured:
    // the document may not scroll sideways, and no element may reach past the viewport unless it sits in a
    // box that scrolls on its own (the wide tables).
    const fits = async (page: Page, name: string) => {
      await page.screenshot({ path: resolve(shots, `phone-${name}.png`), fullPage: true });
      const o = await horizontalOverflow(page);
      expect(o.viewport, name).toBe(390);
      expect(o.wide, name).toEqual([]);
      expect(o.scrollWidth, name).toBeLessThanOrEqual(390);
    };
    const openPhone = async (path: string) => {
      const opened = await openPage(browser, `${server.url}/${path}`, PHONE);
      if (path !== '') await waitForAdapter(opened.page);
      return opened;
    };

    it('the index', async () => {
      const { page, errors } = await openPhone('');
      await fits(page, 'index');
      expect(errors).toEqual([]);
      await page.close();
    });

    it('the explorer: preset descriptions read as lines of text, charts and the colour bar within the screen', async () => {
      const { page, errors } = await openPhone('demo/index.html');
      await typeInto(page, '#iterations', '3');
      expect((await finishRun(page, () => page.click('#start'), RUN_TIMEOUT)).iterations).toBe(3);
      expect(await canvases(page)).toBe(4);
      // A description beside a 17rem button on a phone got a few characters per line: under it, it has the width.
      const widths = await page.$$eval('.preset span', (ss) => ss.map((e) => e.getBoundingClientRect().width));
      expect(widths.length).toBe(Object.keys(PRESETS).length);
      for (const w of widths) expect(w).toBeGreaterThan(250);
      await fits(page, 'explorer');
      expect(errors).toEqual([]);
      await page.close();
    });

    it('CO2', async () => {
      const { page, errors } = await openPhone('demo/co2.html');
      await typeInto(page, '#epochs', '1');
      await page.click('#start');
      await page.waitForFunction('window.__co2.done && window.__co2.forecast.length > 0', { timeout: RUN_TIMEOUT });
      expect(await canvases(page)).toBe(3);
      await fits(page, 'co2');
      expect(errors).toEqual([]);
      await page.close();
    });

    it('names: the table scrolls in its own box; a tap on a character shows what its tooltip says', async () => {
      const { page, errors } = await openPhone('demo/names.html');
      await typeInto(page, '#hidden', '16');
      await typeInto(page, '#iterations', '2');
      await page.click('#start');
      await page.waitForFunction('window.__names.done', { timeout: RUN_TIMEOUT });
      await page.click('#generate');
      await page.waitForFunction('window.__names.generated.length === 12', { timeout: RUN_TIMEOUT });
      await page.waitForFunction(`!document.getElementById('generate').disabled`, { timeout: RUN_TIMEOUT });
      await fits(page, 'names');
      // No hover on a phone: a tap on a character shows its numbers under the names.
      for (const k of [0, 2]) {
        const selector = `#names .name:nth-child(${k + 1}) .char`;
        await page.tap(selector);
        const title = await page.$eval(selector, (c) => (c as HTMLElement).title);
        expect(title).toMatch(/^p\(/);
        expect(await text(page, '#char-info')).toBe(title);
      }
      expect(errors).toEqual([]);
      await page.close();
    });

    it('benchmarks: the results table scrolls in its own box', async () => {
      const { page, errors } = await openPhone('bench/index.html');
      await page.click('#tfjs'); // ours alone: the table's width does not depend on it
      await typeInto(page, '#reps', '1');
      await typeInto(page, '#warmup', '0');
      await page.click('#run');
      await page.waitForFunction('window.__bench && window.__bench.done', { timeout: RUN_TIMEOUT });
      expect(await page.$$eval('#results tr.result', (trs) => trs.length)).toBe(1);
      expect(await text(page, '#error')).toBe('');
      await fits(page, 'bench');
      expect(errors).toEqual([]);
      await page.close();
    });
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
      [
        'demo/dates.html',
        async (page: Page) => {
          await page.click('#start');
          await page.waitForFunction('window.__dates.steps >= 2', { timeout: RUN_TIMEOUT });
          await page.click('#stop');
          await page.waitForFunction('window.__dates.done && window.__dates.decodes === 1', { timeout: RUN_TIMEOUT });
          expect(await text(page, '#status')).toMatch(/^Stopped after \d+ steps\.$/);
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
        expect(await text(page, '#adapter')).toMatch(/^Backend: cpu, in a worker — /);
        await train(page);
        // The nav bar and the index keep ?backend=cpu: the other demo page opens on the CPU, without the banner.
        expect(await page.$$eval('nav a', (as) => as.map((a) => (a as HTMLAnchorElement).search))).toEqual(
          Array(6).fill('?backend=cpu'),
        );
        await Promise.all([page.waitForNavigation(), page.click('nav a:first-child')]);
        const other = path === 'demo/index.html' ? 'demo/co2.html' : 'demo/index.html';
        await Promise.all([page.waitForNavigation(), page.click(`a[href*="${other}"]`)]);
        expect(page.url()).toBe(`${server.url}/${other}?backend=cpu`);
        await waitForAdapter(page);
        expect(await text(page, '#adapter')).toMatch(/^Backend: cpu, in a worker — /);
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
