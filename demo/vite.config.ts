import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The demo: `npm run demo` serves demo/ — the gradient-flow explorer (index.html) and LSTM on CO2 (co2.html).
export default defineConfig({
  root: __dirname,
  server: { fs: { allow: ['..'] } },
  optimizeDeps: { include: ['uplot'] },
  build: { outDir: resolve(__dirname, '../demo-dist'), emptyOutDir: true, rollupOptions: { input: [resolve(__dirname, 'index.html'), resolve(__dirname, 'co2.html')] } },
});
