import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// `npm run build:pages`: the demo pages and the benchmarks page as static files in demo-dist/ (demo/index.html,
// demo/co2.html, demo/names.html, demo/dates.html, bench/index.html, assets/) with relative asset paths, so any static HTTPS host serves the
// folder as is. WebGPU needs a secure context: https, or http://localhost. The folder's own index.html links the pages
// (keeping ?backend=cpu when a visitor chose it, as the pages' nav bars do: demo/shared.ts).
const LANDING = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>webgpu-rnn demos</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<h1>webgpu-rnn</h1>
<p>Recurrent networks trained on WebGPU compute shaders, in this tab. The pages run on WebGPU where the browser has it; without it, each page offers the CPU backend (slower).</p>
<ul>
<li><a href="demo/index.html">Gradient-flow explorer</a>: watch gradients vanish and explode, and fix them</li>
<li><a href="demo/co2.html">LSTM on real data</a>: the Mauna Loa CO2 series, forecast and weights export</li>
<li><a href="demo/names.html">A GRU writes first names</a>: a character-level model against a bigram baseline, sampled at a temperature</li>
<li><a href="demo/dates.html">Attention reads dates</a>: an encoder–decoder rewrites dates as YYYY-MM-DD; its attention as a heat map</li>
<li><a href="bench/index.html">Benchmarks</a>: this library against TensorFlow.js on your GPU</li>
</ul>
<script>if (new URLSearchParams(location.search).get('backend') === 'cpu') for (const a of document.querySelectorAll('a')) a.search = '?backend=cpu';</script>
</body></html>
`;

export default defineConfig({
  root: resolve(__dirname, '..'),
  base: './',
  // As the library build does (vite.config.ts): minified classes keep their names, so an error the pages
  // show reads "ShapeError: …", not "ie: …".
  esbuild: { keepNames: true },
  // Workers as ES modules (the pages start them with { type: 'module' }): the benchmarks worker imports
  // TensorFlow.js only when a run asks for it, a dynamic import that Vite's default 'iife' cannot split off.
  worker: { format: 'es' },
  plugins: [
    {
      name: 'landing-page',
      generateBundle() {
        this.emitFile({ type: 'asset', fileName: 'index.html', source: LANDING });
      },
    },
  ],
  build: {
    outDir: resolve(__dirname, '../demo-dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: [
        resolve(__dirname, 'index.html'),
        resolve(__dirname, 'co2.html'),
        resolve(__dirname, 'names.html'),
        resolve(__dirname, 'dates.html'),
        resolve(__dirname, '../bench/index.html'),
      ],
    },
  },
});
