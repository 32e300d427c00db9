// The README's screenshots (docs/*.png): builds the static pages, serves them on localhost and clicks
// through them in headless Chromium as a visitor would: every explorer preset run to the end, the CO2
// page trained with its default epochs, the names page trained with its default settings and sampled,
// the benchmarks page on two small workloads. Not part of CI
// (several minutes on SwiftShader).   npx vite-node scripts/screenshots.ts
import { resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { PRESETS } from '../demo/session.js';
import { buildAndServePages, launchChromium, openPage, runExplorerPreset, typeInto } from '../test/browser_helpers.js';

const root = resolve(__dirname, '..');
const docs = resolve(root, 'docs');
const TIMEOUT = 600_000;
// A run longer than Puppeteer's protocol timeout (3 minutes; waitForFunction is one protocol call) is polled from here.
const poll = async (page: Page, done: string) => {
  while (!(await page.evaluate(done))) await new Promise((r) => setTimeout(r, 1000));
};

const server = await buildAndServePages(resolve(root, 'demo-dist'));
const browser = await launchChromium();
try {
  const explorer = await openPage(browser, `${server.url}/demo/index.html`);
  for (const name of Object.keys(PRESETS)) {
    const start = performance.now();
    const state = await runExplorerPreset(explorer.page, name, TIMEOUT);
    await explorer.page.screenshot({ path: resolve(docs, `explorer-${name}.png`), fullPage: true });
    const status = await explorer.page.$eval('#status', (e) => e.textContent);
    console.log(
      `explorer ${name}: ${JSON.stringify(state)} in ${((performance.now() - start) / 1000).toFixed(0)} s; ${status}`,
    );
  }

  const co2 = await openPage(browser, `${server.url}/demo/co2.html`);
  await co2.page.waitForFunction(`!document.getElementById('adapter').textContent.includes('…')`);
  await co2.page.click('#start');
  await co2.page.waitForFunction('window.__co2.done', { timeout: TIMEOUT });
  await co2.page.screenshot({ path: resolve(docs, 'co2.png'), fullPage: true });
  console.log(`co2: ${await co2.page.$eval('#status', (e) => e.textContent)}`);

  const names = await openPage(browser, `${server.url}/demo/names.html`);
  await names.page.waitForFunction(`!document.getElementById('adapter').textContent.includes('…')`);
  await names.page.click('#start');
  await poll(names.page, 'window.__names.done');
  await names.page.click('#generate');
  await names.page.waitForFunction('window.__names.generated.length > 0', { timeout: TIMEOUT });
  await names.page.screenshot({ path: resolve(docs, 'names.png'), fullPage: true });
  console.log(
    `names: ${await names.page.$eval('#status', (e) => e.textContent)} ${(await names.page.evaluate('window.__names.generated.map((g) => g.name).join(" ")')) as string}`,
  );

  const bench = await openPage(browser, `${server.url}/bench/index.html`);
  for (const box of await bench.page.$$('input[name="workload"]:checked')) await box.click();
  for (const name of ['elman-tiny', 'mlp']) await bench.page.click(`input[value="${name}"]`);
  await typeInto(bench.page, '#reps', '3');
  await typeInto(bench.page, '#warmup', '1');
  await bench.page.click('#run');
  await bench.page.waitForFunction('window.__bench && window.__bench.done', { timeout: TIMEOUT });
  await bench.page.screenshot({ path: resolve(docs, 'bench-page.png'), fullPage: true });
  console.log(
    `bench: ${await bench.page.$eval('#status', (e) => e.textContent)} ${await bench.page.$eval('#error', (e) => e.textContent)}`,
  );
  for (const p of [explorer, co2, names, bench])
    if (p.errors.length) throw new Error(`console errors: ${p.errors.join('\n')}`);
} finally {
  await browser.close();
  await server.close();
}
