// npm run bench — every workload on the default WebGPU adapter (validated against the CPU reference
// first), training and inference rows, then the CPU reference backend as a peer; JSON lines and a table.
// Flags: --reps 5  --warmup 2  --only lstm,mlp  --large (include lstm-large)  --no-cpu
import { createContext } from '../src/index.js';
import { provenance } from './provenance.js';
import { WORKLOADS, timeWorkload, validate, type BenchRow } from './workloads.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const reps = Number(arg('reps') ?? 5);
const warmup = Number(arg('warmup') ?? 2);
const only = arg('only')?.split(',');
const workloads = WORKLOADS.filter((w) => (only ? only.includes(w.name) : !w.large || process.argv.includes('--large')));
const prov = provenance();
const gpu = await createContext({ backend: 'webgpu' });
const adapter = gpu.adapter;
console.error(`adapter: ${adapter.description || adapter.device} (${adapter.vendor}); commit ${prov.commit.slice(0, 10)}${prov.dirty ? '+dirty' : ''}`);
const rows: Array<BenchRow & { peer?: string }> = [];
const emit = (row: BenchRow) => {
  rows.push(row);
  console.log(JSON.stringify({ ...row, adapter, ...prov }));
};
for (const w of workloads) {
  const check = await validate(gpu, w);
  console.error(`${w.name}: validated against the CPU reference (loss rel. err ${check.lossError.toExponential(1)}, grad norm ${check.normError.toExponential(1)})`);
  emit(await timeWorkload(gpu, w, 'train', reps, warmup));
  if (w.kind !== 'mlp') emit(await timeWorkload(gpu, w, 'infer', reps, warmup));
}
gpu.destroy();
if (!process.argv.includes('--no-cpu')) {
  const cpu = await createContext({ backend: 'cpu' });
  for (const w of workloads) emit(await timeWorkload(cpu, w, 'train', 1, 0)); // f64 reference: one step is plenty
}

console.log('\nworkload          | mode  | backend | ms (median) | steps/s | GFLOP/s | dispatches | submits | readbacks | vs cpu');
console.log('------------------|-------|---------|-------------|---------|---------|------------|---------|-----------|-------');
for (const r of rows) {
  const cpuRow = rows.find((c) => c.backend === 'cpu' && c.workload === r.workload && c.mode === r.mode);
  const ratio = cpuRow && r.backend !== 'cpu' ? `${(cpuRow.ms_median / r.ms_median).toFixed(1)}x` : '';
  console.log(
    `${r.workload.padEnd(17)} | ${r.mode.padEnd(5)} | ${r.backend.padEnd(7)} | ${r.ms_median.toFixed(1).padStart(11)} | ${r.steps_per_s.toFixed(2).padStart(7)} | ${r.gflops.toFixed(2).padStart(7)} | ${String(r.dispatches).padStart(10)} | ${String(r.submits).padStart(7)} | ${String(r.readbacks).padStart(9)} | ${ratio}`,
  );
}
