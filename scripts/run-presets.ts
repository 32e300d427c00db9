// Runs every explorer preset to the end in Node on the default WebGPU adapter (lavapipe without a GPU)
// and prints the final losses: the check that each preset shows its lesson. Not part of CI (minutes).
//   npm run presets [-- --only lstm,vanishing --iterations 300]
import { createWorkerTrainer, serveTrainer } from '../src/index.js';
import { CHANCE_LOSS, DEFAULT_ITERATIONS, PRESETS, sessionSpec, trainSession } from '../demo/session.js';
import { cli } from './cli.js';

const values = cli({
  name: 'scripts/run-presets.ts',
  usage: 'npm run presets -- [flags]   (or: npx vite-node scripts/run-presets.ts [flags])',
  about: 'Runs every explorer preset to the end on the default WebGPU adapter and prints the final losses.',
  flags: {
    only: { type: 'list', choices: Object.keys(PRESETS), help: 'these presets alone (default: all)' },
    iterations: { type: 'int', min: 1, default: DEFAULT_ITERATIONS, help: 'training iterations per preset' },
  },
});
const names = values.only ?? Object.keys(PRESETS);
const iterations = values.iterations;
// The page's trainer protocol, served in this process over a MessageChannel (the page runs it in a Web Worker).
const { port1, port2 } = new MessageChannel();
serveTrainer(port1);
const worker = Object.assign(port2, { terminate: () => port1.close() });
const trainer = await createWorkerTrainer({ worker, ...sessionSpec({ ...PRESETS[names[0]].settings, iterations }) });
const { adapter } = trainer;
console.log(
  `adapter: ${adapter.description || adapter.device} (${adapter.vendor}${adapter.software ? ', software' : ''}); ${iterations} iterations; chance loss ${CHANCE_LOSS.toFixed(3)}`,
);
console.log(
  'preset     | loss, mean of the last 50 | finite losses / iterations run | skipped by the guard | max finite ‖g‖ | ρ(W) at the end | seconds',
);
for (const name of names) {
  const preset = PRESETS[name];
  const start = performance.now();
  const losses: number[] = [];
  let [skipped, maxNorm, rho] = [0, 0, NaN];
  for await (const r of trainSession(trainer, { ...preset.settings, iterations })) {
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
trainer.terminate();
