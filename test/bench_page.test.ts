// The benchmarks page in headless Chromium (WebGPU on SwiftShader): run the smallest workload against
// TensorFlow.js and check that a result row per backend and the chart appear, with no console error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import type { Browser } from 'puppeteer-core';
import { launchChromium } from './browser_helpers.js';

const root = resolve(__dirname, '..');

describe('benchmarks page', () => {
  let server: ViteDevServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await createServer({ configFile: resolve(root, 'bench/vite.config.ts'), server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
    await server.listen();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs elman-tiny against tfjs-webgpu: two result rows and a chart, no console error', async () => {
    const address = server.httpServer!.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://localhost:${port}/?only=elman-tiny&reps=1&warmup=0&autorun=1`);
    await page.waitForFunction('window.__bench && window.__bench.done', { timeout: 150_000 });
    const result = (await page.evaluate(`({
      rows: window.__bench.rows,
      tableRows: document.querySelectorAll('#results tr.result').length,
      chart: !!document.querySelector('#chart canvas'),
      error: document.getElementById('error').textContent,
      adapter: document.getElementById('adapter').textContent,
    })`)) as { rows: Array<{ backend: string; ms_median: number; invalid?: string; readbacks: number }>; tableRows: number; chart: boolean; error: string; adapter: string };
    const dir = resolve(root, 'test-results/screenshots');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: resolve(dir, 'bench-page.png'), fullPage: true });
    console.log(`bench page: ${result.adapter}; rows ${JSON.stringify(result.rows.map((r) => [r.backend, r.ms_median]))}; screenshot ${resolve(dir, 'bench-page.png')}`);
    expect(result.error).toBe('');
    expect(result.rows.map((r) => r.backend)).toEqual(['webgpu', 'tfjs-webgpu']);
    expect(result.rows.every((r) => r.ms_median > 0 && !r.invalid)).toBe(true);
    expect(result.rows[0].readbacks).toBe(1);
    expect(result.tableRows).toBe(2);
    expect(result.chart).toBe(true);
    expect(errors).toEqual([]);
  });
});
