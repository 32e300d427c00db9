import { defineConfig } from 'vite';

// Library build: one ES module with the WGSL shaders inlined (imported as ?raw strings).
// Shipped unminified: the app that imports it minifies its own bundle, and stack traces stay readable.
// keepNames writes every class name as a string (`__name(ShapeError, "ShapeError")`), so `err.name`
// stays 'ShapeError' even after an app's minifier renames the class.
export default defineConfig({
  esbuild: { keepNames: true },
  build: {
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: () => 'webgpu-rnn.js' },
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    minify: false,
  },
});
