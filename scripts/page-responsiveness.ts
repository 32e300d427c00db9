// How responsive the demo pages stay while they train and evaluate: builds the static pages (or takes a
// folder of pages already built), serves them on localhost and runs each page's scenario
// (test/responsiveness.ts) in headless Chromium, on WebGPU (SwiftShader) and on the CPU backend, then
// prints a Markdown table of long tasks, the longest task and the longest time without a frame.
// test/page_responsiveness.test.ts holds the same scenarios to thresholds; this prints the numbers.
//   npm run responsiveness [-- --dist demo-dist --json responsiveness.json]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { provenance } from '../bench/provenance.js';
import { buildAndServePages, launchChromium, serveStatic } from '../test/browser_helpers.js';
import {
  BACKENDS,
  PAGES,
  markdownTable,
  measurePage,
  worstOf,
  type BackendName,
  type PageName,
  type PageResponsiveness,
} from '../test/responsiveness.js';
import { cli } from './cli.js';

const args = cli({
  name: 'scripts/page-responsiveness.ts',
  usage: 'npm run responsiveness -- [flags]   (or: npx vite-node scripts/page-responsiveness.ts [flags])',
  about:
    'Builds the demo pages (or serves --dist), clicks through each in headless Chromium on WebGPU and on the CPU\n' +
    'backend, and prints per page and backend: long tasks (> 50 ms), the longest task, tasks > 200 ms and the\n' +
    'longest time without a frame, measured from the click that starts training until the page is done.',
  flags: {
    dist: { type: 'string', help: 'serve these already built pages (npm run build:pages) instead of building them' },
    json: { type: 'string', help: 'also write the numbers to this JSON file' },
    only: { type: 'list', choices: PAGES, help: 'these pages alone (default: all)' },
    backend: { type: 'list', choices: BACKENDS, help: 'these backends alone (default: both)' },
    repeat: {
      type: 'int',
      min: 1,
      default: 1,
      help: 'measure each page and backend this many times; the table gives the worst of each column',
    },
  },
});

const root = resolve(__dirname, '..');
const missing =
  args.dist &&
  ['demo/index.html', 'demo/co2.html', 'demo/names.html', 'demo/dates.html'].find(
    (f) => !existsSync(resolve(args.dist!, f)),
  );
if (missing) {
  console.error(
    `scripts/page-responsiveness.ts: --dist ${args.dist}: no ${missing} there (build the pages with npm run build:pages, or leave --dist out)`,
  );
  process.exit(2);
}
const source = provenance();
const server = args.dist
  ? await serveStatic(resolve(args.dist))
  : await buildAndServePages(resolve(root, 'test-results/responsiveness-pages'));
const browser = await launchChromium();
const chromium = await browser.version();
const runs: PageResponsiveness[] = [];
const results: PageResponsiveness[] = [];
const load = loadavg()[0];
try {
  for (const page of (args.only ?? PAGES) as PageName[])
    for (const backend of (args.backend ?? BACKENDS) as BackendName[]) {
      const these: PageResponsiveness[] = [];
      for (let k = 0; k < args.repeat; k++) {
        const r = await measurePage(browser, server.url, page, backend);
        console.error(`${page} on ${backend}: ${JSON.stringify(r)}`);
        these.push(r);
      }
      runs.push(...these);
      results.push(worstOf(these));
    }
} finally {
  await browser.close();
  await server.close();
}
console.log(markdownTable(results));
if (args.repeat > 1) console.log(`\nThe worst of ${args.repeat} runs in each column (every run: --json).`);
const machine = `${cpus().length} cores, load average ${load.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`;
console.log(`\n${machine}; ${chromium}`);
if (args.json) {
  const file = resolve(args.json);
  mkdirSync(dirname(file), { recursive: true });
  const pages = args.dist ? { dist: resolve(args.dist) } : { built: source.commit, dirty: source.dirty };
  writeFileSync(
    file,
    `${JSON.stringify({ ...source, pages, machine, chromium, repeat: args.repeat, results, runs }, null, 2)}\n`,
  );
  console.error(`wrote ${file}`);
}
