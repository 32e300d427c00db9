// The README's screenshots (docs/*.png): builds the static pages, serves them on localhost and clicks
// through them in headless Chromium as a visitor would: every explorer preset run to the end, the CO2
// page trained with its default epochs, the names page trained with its default settings and sampled,
// the dates page trained with its default epochs (its last date decoded: the heat map), the benchmarks page
// on two small workloads. Not part of CI
// (several minutes on SwiftShader). Each page's line gives its training time; the lines also go to
// docs/screenshots.txt with the date, commit and load average: the source of the README's times.
//   npm run screenshots [-- --only names]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { PRESETS } from '../demo/session.js';
import { provenance } from '../bench/provenance.js';
import { buildAndServePages, launchChromium, openPage, runExplorerPreset, typeInto } from '../test/browser_helpers.js';
import { cli } from './cli.js';

const PAGES = ['explorer', 'co2', 'names', 'dates', 'bench'] as const;
const { only } = cli({
  name: 'scripts/screenshots.ts',
  usage: 'npm run screenshots -- [flags]   (or: npx vite-node scripts/screenshots.ts [flags])',
  about:
    "Builds the static pages, clicks through them in headless Chromium and saves the README's screenshots\n" +
    '(docs/*.png), printing each training time. Several minutes.',
  flags: { only: { type: 'list', choices: PAGES, help: 'these pages alone (default: all)' } },
});
const wanted = (p: (typeof PAGES)[number]) => !only || only.includes(p);
const lines: string[] = [];
const say = (line: string) => {
  console.log(line);
  lines.push(line);
};
const seconds = (start: number) => `${((performance.now() - start) / 1000).toFixed(0)} s`;

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
  const opened: Array<{ errors: string[] }> = [];
  if (wanted('explorer')) {
    const explorer = await openPage(browser, `${server.url}/demo/index.html`);
    opened.push(explorer);
    for (const name of Object.keys(PRESETS)) {
      const start = performance.now();
      const state = await runExplorerPreset(explorer.page, name, TIMEOUT);
      await explorer.page.screenshot({ path: resolve(docs, `explorer-${name}.png`), fullPage: true });
      const status = await explorer.page.$eval('#status', (e) => e.textContent);
      say(
        `explorer ${name}: ${JSON.stringify(state)} in ${((performance.now() - start) / 1000).toFixed(0)} s; ${status}`,
      );
    }
  }

  if (wanted('co2')) {
    const co2 = await openPage(browser, `${server.url}/demo/co2.html`);
    opened.push(co2);
    await co2.page.waitForFunction(`!document.getElementById('adapter').textContent.includes('…')`);
    const co2Start = performance.now();
    await co2.page.click('#start');
    await co2.page.waitForFunction('window.__co2.done', { timeout: TIMEOUT });
    const co2Time = seconds(co2Start);
    await co2.page.screenshot({ path: resolve(docs, 'co2.png'), fullPage: true });
    say(`co2: trained in ${co2Time}; ${await co2.page.$eval('#status', (e) => e.textContent)}`);
  }

  if (wanted('names')) {
    const names = await openPage(browser, `${server.url}/demo/names.html`);
    opened.push(names);
    await names.page.waitForFunction(`!document.getElementById('adapter').textContent.includes('…')`);
    const namesStart = performance.now();
    await names.page.click('#start');
    await poll(names.page, 'window.__names.done'); // polled each second: the time is rounded up to it
    const namesTime = seconds(namesStart);
    await names.page.click('#generate');
    await names.page.waitForFunction('window.__names.generated.length > 0', { timeout: TIMEOUT });
    await names.page.screenshot({ path: resolve(docs, 'names.png'), fullPage: true });
    say(
      `names: trained in ${namesTime}; ${await names.page.$eval('#status', (e) => e.textContent)} ${(await names.page.evaluate('window.__names.generated.map((g) => g.name).join(" ")')) as string}`,
    );
  }

  if (wanted('dates')) {
    const dates = await openPage(browser, `${server.url}/demo/dates.html`);
    opened.push(dates);
    await dates.page.waitForFunction(`!document.getElementById('adapter').textContent.includes('…')`);
    const datesStart = performance.now();
    await dates.page.click('#start');
    await poll(dates.page, 'window.__dates.done && window.__dates.decodes > 0');
    const datesTime = seconds(datesStart);
    await dates.page.screenshot({ path: resolve(docs, 'dates.png'), fullPage: true });
    const model = await dates.page.$eval('#model-state', (e) => e.textContent);
    say(`dates: trained in ${datesTime}; ${model} ${await dates.page.$eval('#status', (e) => e.textContent)}`);
  }

  if (wanted('bench')) {
    const bench = await openPage(browser, `${server.url}/bench/index.html`);
    opened.push(bench);
    for (const box of await bench.page.$$('input[name="workload"]:checked')) await box.click();
    for (const name of ['elman-tiny', 'mlp']) await bench.page.click(`input[value="${name}"]`);
    await typeInto(bench.page, '#reps', '3');
    await typeInto(bench.page, '#warmup', '1');
    await bench.page.click('#run');
    await bench.page.waitForFunction('window.__bench && window.__bench.done', { timeout: TIMEOUT });
    await bench.page.screenshot({ path: resolve(docs, 'bench-page.png'), fullPage: true });
    say(
      `bench: ${await bench.page.$eval('#status', (e) => e.textContent)} ${await bench.page.$eval('#error', (e) => e.textContent)}`,
    );
  }
  for (const p of opened) if (p.errors.length) throw new Error(`console errors: ${p.errors.join('\n')}`);
  const prov = provenance();
  const load = loadavg().map((l) => l.toFixed(1));
  const log = resolve(docs, 'screenshots.txt');
  const run =
    `npm run screenshots${only ? ` -- --only ${only.join(',')}` : ''}: ${prov.date}, commit ${prov.commit.slice(0, 10)}${prov.dirty ? '+dirty' : ''}, ` +
    `headless Chromium (SwiftShader), load average ${load.join(' / ')} (1 / 5 / 15 min) at the end\n${lines.join('\n')}\n`;
  writeFileSync(log, keptRuns(existsSync(log) ? readFileSync(log, 'utf8') : '', lines) + run);
} finally {
  await browser.close();
  await server.close();
}

/**
 * The earlier runs in docs/screenshots.txt less the pages measured again now (`lines`, each "<page>: …"):
 * a run of some pages keeps the others' measurements with their own date and commit.
 */
function keptRuns(previous: string, lines: string[]): string {
  const redone = new Set(lines.map((l) => l.split(':')[0]));
  return previous
    .split(/^(?=npm run screenshots)/m)
    .map((run) => {
      const [header, ...rest] = run.trimEnd().split('\n');
      const kept = rest.filter((l) => !redone.has(l.split(':')[0]));
      return kept.length ? `${[header, ...kept].join('\n')}\n` : '';
    })
    .join('');
}
