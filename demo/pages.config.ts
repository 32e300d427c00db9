import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// `npm run build:pages`: the demo pages and the benchmarks page as static files in demo-dist/ (demo/index.html,
// demo/co2.html, bench/index.html, assets/) with relative asset paths, so any static HTTPS host serves the
// folder as is. WebGPU needs a secure context: https, or http://localhost.
export default defineConfig({
  root: resolve(__dirname, '..'),
  base: './',
  build: {
    outDir: resolve(__dirname, '../demo-dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: [resolve(__dirname, 'index.html'), resolve(__dirname, 'co2.html'), resolve(__dirname, '../bench/index.html')] },
  },
});
