// Runs every explorer preset to the end in Node on the default WebGPU adapter (lavapipe without a GPU)
// and prints the final losses: the check that each preset shows its lesson. Not part of CI (minutes).
//   bash scripts/with-vulkan.sh npx vite-node scripts/run-presets.ts [-- --only lstm,vanishing --iterations 300]
import { parseArgs } from 'node:util';
import { createContext } from '../src/index.js';
import { CHANCE_LOSS, DEFAULT_ITERATIONS, PRESETS, trainSession } from '../demo/session.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, iterations: { type: 'string' } } });
const names = values.only ? values.only.split(',') : Object.keys(PRESETS);
const iterations = Number(values.iterations ?? DEFAULT_ITERATIONS);
const ctx = await createContext({ backend: 'webgpu' });
console.log(`adapter: ${ctx.adapter.description || ctx.adapter.device} (${ctx.adapter.vendor}${ctx.adapter.software ? ', software' : ''}); ${iterations} iterations; chance loss ${CHANCE_LOSS.toFixed(3)}`);
console.log('preset     | final loss (mean of the last 50 finite) | min loss | skipped by the guard | max ‖g‖ | ρ(W) end | s');
for (const name of names) {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`unknown preset ${name}; known: ${Object.keys(PRESETS).join(', ')}`);
  const start = performance.now();
  const losses: number[] = [];
  let [skipped, maxNorm, rho] = [0, 0, NaN];
  for await (const r of trainSession(ctx, { ...preset.settings, iterations })) {
    if (Number.isFinite(r.loss)) losses.push(r.loss);
    if (r.skipped) skipped++;
    maxNorm = Math.max(maxNorm, r.gradNorm);
    rho = r.rho ?? rho;
  }
  const tail = losses.slice(-50);
  const final = tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : NaN;
  const cols = [name.padEnd(10), final.toFixed(4).padStart(39), Math.min(...losses).toFixed(4).padStart(8), String(skipped).padStart(20), maxNorm.toExponential(1).padStart(7), rho.toFixed(2).padStart(8), ((performance.now() - start) / 1000).toFixed(0).padStart(3)];
  console.log(cols.join(' | '));
}
ctx.destroy();
