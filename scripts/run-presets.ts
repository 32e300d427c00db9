// Runs every explorer preset to the end in Node on the default WebGPU adapter (lavapipe without a GPU)
// and prints the final losses: the check that each preset shows its lesson. Not part of CI (minutes).
//   npm run presets [-- --only lstm,vanishing --iterations 300]
import { parseArgs } from 'node:util';
import { createContext } from '../src/index.js';
import { CHANCE_LOSS, DEFAULT_ITERATIONS, PRESETS, trainSession } from '../demo/session.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, iterations: { type: 'string' } } });
const names = values.only ? values.only.split(',') : Object.keys(PRESETS);
const iterations = Number(values.iterations ?? DEFAULT_ITERATIONS);
const ctx = await createContext({ backend: 'webgpu' });
console.log(
  `adapter: ${ctx.adapter.description || ctx.adapter.device} (${ctx.adapter.vendor}${ctx.adapter.software ? ', software' : ''}); ${iterations} iterations; chance loss ${CHANCE_LOSS.toFixed(3)}`,
);
console.log(
  'preset     | loss, mean of the last 50 | finite losses / iterations run | skipped by the guard | max finite ‖g‖ | ρ(W) at the end | seconds',
);
for (const name of names) {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`unknown preset ${name}; known: ${Object.keys(PRESETS).join(', ')}`);
  const start = performance.now();
  const losses: number[] = [];
  let [skipped, maxNorm, rho] = [0, 0, NaN];
  for await (const r of trainSession(ctx, { ...preset.settings, iterations })) {
    losses.push(r.loss);
    if (r.skipped) skipped++;
    if (Number.isFinite(r.gradNorm)) maxNorm = Math.max(maxNorm, r.gradNorm);
    rho = r.rho ?? rho;
  }
  const last = losses.slice(-50);
  const mean = last.reduce((a, b) => a + b, 0) / last.length; // NaN when a step blew up
  const finite = losses.filter(Number.isFinite).length;
  const cols = [
    name.padEnd(10),
    mean.toFixed(4).padStart(25),
    `${finite}/${losses.length}`.padStart(30),
    String(skipped).padStart(20),
    maxNorm.toExponential(1).padStart(14),
    rho.toFixed(2).padStart(15),
    ((performance.now() - start) / 1000).toFixed(0).padStart(7),
  ];
  console.log(cols.join(' | '));
}
ctx.destroy();
