// npm run bench:kernels — kernel variants on the default adapter: validate, time, print JSON lines and a table.
// Matmul (default): --sizes 256,512,1024  --reps 5
// Recurrent step kernels: --recurrent [--only lstm,elman-tanh] [--large] [--variants blocked,split] [--reps 5]
import { createContext, type WebGpuBackend } from '../src/index.js';
import type { RecurrentVariant } from '../src/webgpu/ops/recurrent.js';
import { runMatmulBench, type MatmulRow } from './matmul_harness.js';
import { RECURRENT_SIZES, recurrentTable, runRecurrentBench } from './recurrent_harness.js';
import { provenance } from './provenance.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const reps = Number(flag('reps', '5'));
const prov = provenance();
const ctx = await createContext({ backend: 'webgpu' });
console.error(`adapter: ${ctx.adapter.description || ctx.adapter.device} (${ctx.adapter.vendor}), commit ${prov.commit.slice(0, 10)}${prov.dirty ? '+dirty' : ''}`);
if (process.argv.includes('--recurrent')) await recurrent(ctx);
else await matmul(ctx);
ctx.destroy();

async function recurrent(ctx: WebGpuBackend): Promise<void> {
  const only = process.argv.includes('--only') ? flag('only', '').split(',') : undefined;
  const sizes = RECURRENT_SIZES.filter((s) => (only ? only.includes(s.name) : !s.large || process.argv.includes('--large')));
  const variants = process.argv.includes('--variants') ? (flag('variants', '').split(',') as RecurrentVariant[]) : undefined;
  const rows = await runRecurrentBench(ctx, { sizes, reps, variants }, (row) => console.log(JSON.stringify({ ...row, adapter: ctx.adapter, ...prov })));
  console.log(`\nrecurrent layer calls (forward, backward incl. weight-gradient GEMMs), median of ${reps}; * = the path 'auto' picks`);
  console.log(recurrentTable(rows));
}

async function matmul(ctx: WebGpuBackend): Promise<void> {
  const sizes = flag('sizes', '128,256,512,1024').split(',').map(Number);
  const rows = await runMatmulBench(ctx, { sizes, reps }, (row) => console.log(JSON.stringify({ ...row, adapter: ctx.adapter, ...prov })));
  console.log('\nvariant  | size  | ms (median) | GFLOP/s');
  console.log('---------|-------|-------------|--------');
  for (const r of rows) console.log(`${r.variant.padEnd(8)} | ${String(r.M).padEnd(5)} | ${r.ms_median.toFixed(1).padStart(11)} | ${r.gflops.toFixed(2)}`);
  const largest = Math.max(...sizes);
  const atLargest = rows.filter((r: MatmulRow) => r.M === largest);
  const baseline = atLargest.find((r) => r.variant === 'tiled');
  const best = atLargest.reduce((x, y) => (y.gflops > x.gflops ? y : x));
  if (baseline) {
    console.log(`\nbest at ${largest}³: ${best.variant} ${best.gflops} GFLOP/s = ${(best.gflops / baseline.gflops).toFixed(2)}x the tiled baseline (${baseline.gflops} GFLOP/s)`);
  }
}
