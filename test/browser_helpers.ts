// Headless Chromium (Debian's /usr/bin/chromium, never a downloaded one) and a static localhost server:
// navigator.gpu exists only in a secure context, so pages come from http://localhost, not file://.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { launch, type Browser, type Page, type Viewport } from 'puppeteer-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * `webgpu: false` starts it with --disable-webgpu alone, as a browser with WebGPU turned off
 * (navigator.gpu gives no adapter): with --enable-unsafe-webgpu beside it, Chromium still offers WebGPU.
 */
export async function launchChromium({ webgpu = true } = {}): Promise<Browser> {
  return launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      webgpu ? '--enable-unsafe-webgpu' : '--disable-webgpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.json': 'application/json',
  '.css': 'text/css',
  '.png': 'image/png',
};

/** Serves files under `root`, plus in-memory `pages` by exact path, on 127.0.0.1 at a free port. */
export async function serveStatic(
  root: string,
  pages: Record<string, string> = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (pages[path] !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(pages[path]);
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path)); // as static hosts do
    if (!file.startsWith(normalize(root))) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // a browser still open keeps idle keep-alive connections, and close() waits for them
      }),
  };
}

/** Builds the static pages (demo/pages.config.ts, as `npm run build:pages` does) into `outDir` and serves them on localhost. */
export async function buildAndServePages(outDir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const { build } = await import('vite');
  await build({
    configFile: join(__dirname, '../demo/pages.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  return serveStatic(outDir);
}

/** A phone held upright: 390 CSS pixels wide, touch, and the page's meta viewport honoured (isMobile). */
export const PHONE: Viewport = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

/** Opens a page (on a 1240 × 900 desktop viewport unless told otherwise) and collects its console errors and uncaught exceptions. */
export async function openPage(
  browser: Browser,
  url: string,
  viewport: Viewport = { width: 1240, height: 900 },
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, errors };
}

/** Replaces a number field's value as a person would: select all, type. */
export async function typeInto(page: Page, selector: string, value: string): Promise<void> {
  await page.click(selector, { count: 3 });
  await page.type(selector, value);
}

export interface ExplorerState {
  runs: number;
  running: boolean;
  iterations: number;
  skipped: number;
  finiteLosses: number;
  heatRows: number;
  done: boolean;
}

/**
 * Clicks a preset button of the explorer (which fills every field, its iteration count included, and
 * trains) and waits for the run to end; with `iterations`, types that count once the preset's run has
 * started and clicks Train, which stops the preset's run after its current step and trains that many.
 */
export async function runExplorerPreset(
  page: Page,
  preset: string,
  timeout: number,
  iterations?: number,
): Promise<ExplorerState> {
  const click = () => page.click(`button[data-preset="${preset}"]`);
  if (iterations === undefined) return finishRun(page, click, timeout);
  await startRun(page, click, timeout);
  await typeInto(page, '#iterations', String(iterations));
  return finishRun(page, () => page.click('#start'), timeout);
}

/** Does what starts a run (a click) and waits until that run has started. */
export async function startRun(page: Page, click: () => Promise<void>, timeout: number): Promise<void> {
  const runs = (await page.evaluate('window.__demo.runs')) as number;
  await click();
  await page.waitForFunction(`window.__demo.runs > ${runs}`, { timeout });
}

/** Does what starts a run (a click) and waits until that run has ended. */
export async function finishRun(page: Page, click: () => Promise<void>, timeout: number): Promise<ExplorerState> {
  const runs = (await page.evaluate('window.__demo.runs')) as number;
  await click();
  await page.waitForFunction(`window.__demo.runs > ${runs} && window.__demo.done`, { timeout });
  return (await page.evaluate('window.__demo')) as ExplorerState;
}

/**
 * What makes a page wider than its viewport: the document's scroll width, and every element that reaches
 * past the viewport's right (or left) edge and is not inside a box that scrolls or clips it (such a box
 * is itself an element and must fit).
 */
export async function horizontalOverflow(
  page: Page,
): Promise<{ viewport: number; scrollWidth: number; wide: string[] }> {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const insideClippingBox = (e: Element) => {
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
        if (getComputedStyle(a).overflowX !== 'visible') return true;
      return false;
    };
    const wide: string[] = [];
    for (const e of Array.from(document.body.querySelectorAll('*'))) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || (r.right <= vw + 0.5 && r.left >= -0.5) || insideClippingBox(e)) continue;
      const cls = typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).join('.')}` : '';
      wide.push(
        `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${cls} (${Math.round(r.left)}–${Math.round(r.right)} px)`,
      );
    }
    return { viewport: vw, scrollWidth: document.scrollingElement!.scrollWidth, wide };
  });
}
