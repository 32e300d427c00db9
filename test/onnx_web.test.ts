// An exported model run by onnxruntime-web in headless Chromium, on the page: its WebAssembly files come
// from the package's dist/ on a localhost server through `wasmPaths` (no CDN, as in an offline app), and
// its outputs equal ours (the f64 CPU backend) within 1e-5 + 1e-4·|ours|, as onnxruntime-node's do.
import { fileURLToPath } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuBackend, Embedding, LastStep, Linear, LSTM, Sequential } from '../src/index.js';
import { exportOnnx } from '../src/onnx/index.js';
import { launchChromium, serveStatic } from './browser_helpers.js';
import { expectClose } from './helpers.js';

const ORT_DIST = fileURLToPath(new URL('../node_modules/onnxruntime-web/dist/', import.meta.url));

/** The page: ORT-Web's wasm build from this server, the model and inputs inline; the outputs land on window.result. */
function page(model: Uint8Array, ids: number[], shape: number[], lengths: number[]): string {
  return `<!doctype html><html><body><script type="module">
import * as ort from '/ort.wasm.min.mjs';
ort.env.wasm.wasmPaths = '/';
ort.env.wasm.numThreads = 1; // no cross-origin isolation here, so no threads
try {
  const bytes = Uint8Array.from(atob('${Buffer.from(model).toString('base64')}'), (c) => c.charCodeAt(0));
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const out = await session.run({
    ids: new ort.Tensor('int64', BigInt64Array.from(${JSON.stringify(ids)}, BigInt), ${JSON.stringify(shape)}),
    lengths: new ort.Tensor('int32', Int32Array.from(${JSON.stringify(lengths)}), [${lengths.length}]),
  });
  window.result = { output: Array.from(out.output.data), dims: out.output.dims };
} catch (e) {
  window.result = { error: String(e) };
}
</script></body></html>`;
}

describe('exportOnnx → onnxruntime-web in headless Chromium', () => {
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof serveStatic>> | undefined;
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('Embedding → bidirectional batch-first LSTM → LastStep → Linear with lengths: the page’s outputs equal ours', async () => {
    const cpu = new CpuBackend();
    const [V, B, T] = [13, 3, 7];
    const model = new Sequential(
      cpu,
      [
        new Embedding(V, 5),
        new LSTM({ inputSize: 5, hiddenSize: 6, bidirectional: true, batchFirst: true }),
        new LastStep(),
        new Linear(12, 4),
      ],
      { seed: 4 },
    ).eval();
    const ids = Array.from({ length: B * T }, (_, i) => (i * 7 + 2) % V);
    const lengths = [7, 3, 5];
    const ours = await cpu.read(model.forward(cpu.tensor(ids, [B, T]), { lengths }));
    const bytes = await exportOnnx(model, { lengths: true });
    model.release();

    server = await serveStatic(ORT_DIST, { '/': page(bytes, ids, [B, T], lengths) });
    browser = await launchChromium();
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`${server.url}/`);
    await tab.waitForFunction('window.result !== undefined', { timeout: 60_000 });
    const result = (await tab.evaluate('window.result')) as { output?: number[]; dims?: number[]; error?: string };
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.dims).toEqual([B, 4]);
    expectClose(result.output!, ours, { atol: 1e-5, rtol: 1e-4, label: 'onnxruntime-web output' });
    const maxDiff = Math.max(...result.output!.map((v, i) => Math.abs(v - ours[i])));
    console.log(`max |onnxruntime-web − ours|: ${maxDiff.toExponential(2)}`);
  }, 120_000);
});
