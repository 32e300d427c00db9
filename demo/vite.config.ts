// The demo: `npm run demo` serves demo/ — the gradient-flow explorer (index.html), LSTM on CO2 (co2.html)
// and the names GRU (names.html).
// The static build of these pages and the benchmarks page is demo/pages.config.ts (npm run build:pages).
import { defineConfig } from 'vite';
import { linksToOtherDevServer } from './dev_links.js';

export default defineConfig({
  root: __dirname,
  plugins: [linksToOtherDevServer()],
  server: { fs: { allow: ['..'] } },
  optimizeDeps: { include: ['uplot'] },
});
