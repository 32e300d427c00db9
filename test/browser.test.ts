// The built library in headless Chromium: a matmul on WebGPU compared with the CPU reference in the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { launchChromium, serveStatic } from './browser_helpers.js';

const root = resolve(__dirname, '..');

const PAGE = `<!doctype html><meta charset="utf-8"><title>webgpu-rnn browser test</title><link rel="icon" href="data:,">
<script type="module">
import { createContext, Rng } from '/dist/webgpu-rnn.js';
try {
  const gpu = await createContext({ backend: 'webgpu' });
  const cpu = await createContext({ backend: 'cpu' });
  const rng = new Rng(3);
  const [M, N, K] = [37, 29, 71];
  const a = rng.uniformArray(M * K), b = rng.uniformArray(N * K), bias = rng.uniformArray(N);
  const run = async (be) => {
    const c = be.matmul(be.tensor(a, [M, K]), be.tensor(b, [N, K]), { transB: true, bias: be.tensor(bias, [N]), activation: 'tanh' });
    return be.read(c);
  };
  const [g, c] = [await run(gpu), await run(cpu)];
  let maxErr = 0, bad = 0;
  for (let i = 0; i < c.length; i++) {
    const err = Math.abs(g[i] - c[i]);
    maxErr = Math.max(maxErr, err);
    if (!(err <= 2e-5 + 1e-4 * Math.abs(c[i]))) bad++;
  }
  window.__result = { adapter: gpu.adapter, maxErr, bad, n: c.length, counters: gpu.counters() };
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
}
</script>`;

describe('browser (headless Chromium, WebGPU)', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveStatic>>;

  beforeAll(async () => {
    if (!existsSync(resolve(root, 'dist/webgpu-rnn.js')))
      throw new Error('dist/webgpu-rnn.js missing: run `npm run build` first (scripts/test.sh does)');
    server = await serveStatic(root, { '/': PAGE });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs a matmul through the built library and matches the CPU reference', async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(`${server.url}/`);
    await page.waitForFunction('window.__result !== undefined', { timeout: 90_000 });
    const result = (await page.evaluate('window.__result')) as {
      error?: string;
      bad: number;
      n: number;
      maxErr: number;
      adapter: unknown;
      counters: { dispatches: number };
    };
    console.log(`browser adapter: ${JSON.stringify(result.adapter)}; max abs err ${result.maxErr}`);
    expect(result.error).toBeUndefined();
    expect(result.n).toBe(37 * 29);
    expect(result.bad).toBe(0);
    expect(result.counters.dispatches).toBe(1);
    expect(consoleErrors).toEqual([]);
  });
});
