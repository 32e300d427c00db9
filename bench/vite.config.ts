import { defineConfig } from 'vite';
import { linksToOtherDevServer } from '../demo/dev_links.js';

// The benchmarks page: `npm run bench:page` serves bench/ (index.html + page.ts) with the library from src/.
export default defineConfig({
  root: __dirname,
  plugins: [linksToOtherDevServer()],
  server: { fs: { allow: ['..'] } },
  // Pre-bundled at start-up, so the first visit does not reload the page halfway.
  optimizeDeps: {
    include: ['uplot', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'],
  },
});
