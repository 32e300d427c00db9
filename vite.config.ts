import { defineConfig } from 'vite';

// Library build: ES modules with the WGSL shaders inlined (imported as ?raw strings), one per entry:
// webgpu-rnn.js (the main entry) and onnx.js (`webgpu-rnn/onnx`), which share the library's classes through
// chunks (ONNX export checks `instanceof LSTM` on the main entry's models), so an app that never imports
// the onnx entry bundles none of it. protobufjs, a dependency of the onnx entry only, stays an import.
// Shipped unminified: the app that imports it minifies its own bundle, and stack traces stay readable.
// keepNames writes every class name as a string (`__name(ShapeError, "ShapeError")`), so `err.name`
// stays 'ShapeError' even after an app's minifier renames the class.
export default defineConfig({
  esbuild: { keepNames: true },
  build: {
    lib: {
      entry: { 'webgpu-rnn': 'src/index.ts', onnx: 'src/onnx/index.ts' },
      formats: ['es'],
      fileName: (_format, entryName) => `${entryName}.js`,
    },
    rollupOptions: {
      external: [/^protobufjs(\/|$)/],
      output: { chunkFileNames: 'webgpu-rnn-[hash].js' }, // the classes both entries share
    },
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    minify: false,
  },
});
