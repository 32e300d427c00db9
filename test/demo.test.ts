// The demo pages in headless Chromium (WebGPU on SwiftShader), served from localhost: every explorer
// preset runs briefly with charts filled — the exploding preset trips the explosion guard, the clipped
// one does not — and the CO2 page trains, forecasts, exports and reloads its weights; no console errors.
// Screenshots go to test-results/screenshots (printed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from './browser_helpers.js';

const root = resolve(__dirname, '..');
const shots = resolve(root, 'test-results/screenshots');

describe('demo', () => {
  let server: ViteDevServer;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    server = await createServer({ configFile: resolve(root, 'demo/vite.config.ts'), server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
    await server.listen();
    const address = server.httpServer!.address();
    base = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(path: string, doneExpr: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1240, height: 900 });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}${path}`);
    await page.waitForFunction(doneExpr, { timeout: 150_000 });
    return { page, errors };
  }

  const explorer = (preset: string) =>
    open(`/index.html?preset=${preset}&iterations=12&autorun=1`, 'window.__demo && window.__demo.done').then(async ({ page, errors }) => {
      const state = (await page.evaluate(`({
        iterations: window.__demo.iterations,
        skipped: window.__demo.skipped,
        losses: window.__demo.losses.length,
        heatRows: window.__demo.heatRows.length,
        charts: document.querySelectorAll('.charts canvas').length,
        banner: !document.getElementById('banner').hidden,
      })`)) as { iterations: number; skipped: number; losses: number; heatRows: number; charts: number; banner: boolean };
      const file = resolve(shots, `explorer-${preset}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`explorer ${preset}: ${JSON.stringify(state)}; screenshot ${file}`);
      expect(errors).toEqual([]);
      expect(state.iterations).toBe(12);
      expect(state.losses).toBe(12);
      expect(state.heatRows).toBe(12);
      expect(state.charts).toBe(4);
      await page.close();
      return state;
    });

  it('exploding preset: the guard fires and the banner shows', async () => {
    const s = await explorer('exploding');
    expect(s.skipped).toBeGreaterThan(0);
    expect(s.banner).toBe(true);
  });

  it('the same with clipping: no step skipped', async () => {
    const s = await explorer('clipped');
    expect(s.skipped).toBe(0);
    expect(s.banner).toBe(false);
  });

  it.each(['vanishing', 'lstm'])('%s preset runs with every chart filled', async (preset) => {
    await explorer(preset);
  });

  it('CO2: trains an LSTM, forecasts the held-out tail, exports and reloads the weights', async () => {
    const { page, errors } = await open('/co2.html?epochs=2&autorun=1', 'window.__co2 && window.__co2.done');
    const s = (await page.evaluate(`({
      epochs: window.__co2.epochs, losses: window.__co2.losses, forecast: window.__co2.forecast.length,
      exported: window.__co2.exported, reloaded: window.__co2.reloadedMatches, charts: document.querySelectorAll('.charts canvas').length,
    })`)) as { epochs: number; losses: number[]; forecast: number; exported: number; reloaded: boolean; charts: number };
    const file = resolve(shots, 'co2.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`co2: ${JSON.stringify(s)}; screenshot ${file}`);
    expect(errors).toEqual([]);
    expect(s.epochs).toBe(2);
    expect(s.losses[1]).toBeLessThan(s.losses[0]);
    expect(s.forecast).toBeGreaterThan(100);
    expect(s.exported).toBeGreaterThan(1000);
    expect(s.reloaded).toBe(true);
    expect(s.charts).toBe(2);
  });
});
