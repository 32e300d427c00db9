import { defineConfig } from 'vite';

// Library build: one ES module with the WGSL shaders inlined (imported as ?raw strings).
export default defineConfig({
  build: {
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: () => 'webgpu-rnn.js' },
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
});
