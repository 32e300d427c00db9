import { defineConfig } from 'vite';

// Library build: ES modules with the WGSL shaders inlined (imported as ?raw strings): the main entry, and
// the worker script (webgpu-rnn/worker) that createWorkerTrainer's worker runs; code they share sits in a chunk.
// Shipped unminified: the app that imports it minifies its own bundle, and stack traces stay readable.
// keepNames writes every class name as a string (`__name(ShapeError, "ShapeError")`), so `err.name`
// stays 'ShapeError' even after an app's minifier renames the class.
export default defineConfig({
  esbuild: { keepNames: true },
  build: {
    lib: {
      entry: { 'webgpu-rnn': 'src/index.ts', worker: 'src/worker/entry.ts' },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    minify: false,
    rollupOptions: { output: { chunkFileNames: 'webgpu-rnn-[hash].js' } },
  },
});
