// npm run bench:kernels — kernel variants on the default adapter: validate, time, print JSON lines and a table.
// Matmul (default): --sizes 256,512,1024  --reps 5
// Recurrent step kernels: --recurrent [--only lstm,elman-tanh] [--large] [--variants blocked,split] [--reps 5]
// Profiling mode, GPU time per kernel of one training step per variant: --profile [--only lstm,mlp] [--large] [--variants …]
// While the matmul and recurrent harnesses time, a progress line on stderr says which run of how many and its repetition.
// Flags: npm run bench:kernels -- --help.
import { ProgressLine, createContext, type WebGpuBackend } from '../src/index.js';
import { runMatmulBench, type MatmulRow } from './matmul_harness.js';
import { RECURRENT_SIZES, availableVariants, recurrentTable, runRecurrentBench } from './recurrent_harness.js';
import { provenance } from './provenance.js';
import { WORKLOADS, kernelsOf, profileWorkload } from './workloads.js';
import { MATMUL_VARIANTS } from '../src/ops/matmul/webgpu.js';
import { RECURRENT_VARIANTS, type RecurrentVariant } from '../src/ops/recurrent/webgpu.js';
import { cli } from '../scripts/cli.js';

const args = cli({
  name: 'bench/kernels.ts',
  usage: 'npm run bench:kernels -- [--recurrent | --profile] [flags]   (or: npx vite-node bench/kernels.ts [flags])',
  about:
    'Kernel variants on the default adapter: validate, time, print JSON lines and a table. Matmul by default;\n' +
    '--recurrent: the recurrent step kernels; --profile: GPU time per kernel of one training step per variant.',
  flags: {
    recurrent: { type: 'boolean', help: 'time the recurrent layer kernels' },
    profile: { type: 'boolean', help: "GPU time per kernel (needs the adapter's timestamp-query)" },
    sizes: { type: 'ints', min: 1, help: 'matmul: square sizes (default 128,256,512,1024)' },
    reps: { type: 'int', min: 1, default: 5, help: 'timed repetitions' },
    only: {
      type: 'list',
      help:
        `--recurrent: these layer sizes (${RECURRENT_SIZES.map((w) => w.name).join(', ')}); ` +
        `--profile: these workloads (${WORKLOADS.map((w) => w.name).join(', ')})`,
    },
    large: { type: 'boolean', help: '--recurrent / --profile: include the large ones' },
    variants: { type: 'list', choices: RECURRENT_VARIANTS, help: '--recurrent / --profile: these recurrent variants' },
  },
  check(v) {
    if (v.recurrent && v.profile) return '--recurrent and --profile: choose one';
    const mode = v.recurrent ? '--recurrent' : v.profile ? '--profile' : 'matmul (the default)';
    const names = (v.recurrent ? RECURRENT_SIZES : WORKLOADS).map((w) => w.name);
    const bad = v.only?.filter((n) => !names.includes(n)) ?? [];
    if ((v.recurrent || v.profile) && bad.length)
      return `--only: unknown ${bad.map((b) => `'${b}'`).join(', ')} for ${mode}; valid: ${names.join(', ')}`;
    if (!v.recurrent && !v.profile && (v.only || v.large || v.variants))
      return '--only, --large and --variants apply to --recurrent and --profile, not to the matmul mode';
    if ((v.recurrent || v.profile) && v.sizes) return `--sizes applies to the matmul mode, not to ${mode}`;
    return undefined;
  },
});

const reps = args.reps;
const prov = provenance();
const ctx = await createContext({ backend: 'webgpu' });
console.error(
  `adapter: ${ctx.adapter.description || ctx.adapter.device} (${ctx.adapter.vendor}), commit ${prov.commit.slice(0, 10)}${prov.dirty ? '+dirty' : ''}`,
);
if (args.recurrent) await recurrent(ctx);
else if (args.profile) await profile(ctx);
else await matmul(ctx);
ctx.destroy();

function selected<T extends { name: string; large?: boolean; tiny?: boolean }>(all: T[]): T[] {
  const only = args.only;
  return all.filter((s) => (only ? only.includes(s.name) : !s.tiny && (!s.large || args.large)));
}

function variantsFlag(): RecurrentVariant[] | undefined {
  return args.variants as RecurrentVariant[] | undefined;
}

/** One training step per workload and variant in profiling mode: `variant | workload | kernel | dispatches | GPU ms | share`. */
async function profile(ctx: WebGpuBackend): Promise<void> {
  if (!ctx.device.features.has('timestamp-query'))
    throw new Error("--profile needs the adapter's 'timestamp-query' feature");
  console.log(
    '\nGPU time per kernel, one training step (profiling mode: one dispatch per pass, so the sum exceeds a timed step)',
  );
  console.log(
    'variant        | workload           | kernel                              | dispatches | GPU ms   | share',
  );
  console.log(
    '---------------|--------------------|-------------------------------------|------------|----------|------',
  );
  for (const w of selected(WORKLOADS)) {
    for (const variant of w.kind === 'mlp' ? [ctx.recurrentVariant] : (variantsFlag() ?? availableVariants(ctx))) {
      ctx.recurrentVariant = variant;
      const times = await profileWorkload(ctx, w);
      const total = times.reduce((s, k) => s + k.ms, 0);
      console.log(
        JSON.stringify({
          kind: 'profile',
          workload: w.name,
          kernels: kernelsOf(ctx, w),
          times,
          adapter: ctx.adapter,
          ...prov,
        }),
      );
      for (const k of times) {
        console.log(
          `${variant.padEnd(14)} | ${w.name.padEnd(18)} | ${k.kernel.padEnd(35)} | ${String(k.dispatches).padStart(10)} | ${k.ms.toFixed(3).padStart(8)} | ${((100 * k.ms) / total).toFixed(1).padStart(4)}%`,
        );
      }
    }
  }
}

async function recurrent(ctx: WebGpuBackend): Promise<void> {
  const sizes = selected(RECURRENT_SIZES);
  const variants = variantsFlag();
  // One run per size and variant: both paths' rounds (reps + 1 each; a skipped persistent path ends it early).
  const progress = new ProgressLine({
    epochs: Math.max(sizes.length * (variants ?? availableVariants(ctx)).length, 1),
    stream: process.stderr,
    label: 'run',
  });
  let [run, step, last] = [-1, 0, ''];
  const onRep = (e: { size: string; variant: string; path: string; rep: number }) => {
    if (`${e.size} ${e.variant}` !== last) [run, last] = [run + 1, `${e.size} ${e.variant}`];
    progress.onStep({
      epoch: run,
      step: step++,
      batch: (e.path === 'persistent' ? reps + 1 : 0) + e.rep,
      batches: 2 * (reps + 1),
    });
  };
  const log = (line: string) => progress.print(line);
  const rows = await runRecurrentBench(ctx, { sizes, reps, variants, onRep, log }, (row) => {
    progress.print(`${row.variant} ${row.size} ${row.path}: fwd ${row.fwd_ms} ms, bwd ${row.bwd_ms} ms`);
    console.log(JSON.stringify({ ...row, adapter: ctx.adapter, ...prov }));
  });
  console.log(
    `\nrecurrent layer calls (forward, backward incl. weight-gradient GEMMs), median of ${reps}; * = the path 'auto' picks`,
  );
  console.log(recurrentTable(rows));
}

async function matmul(ctx: WebGpuBackend): Promise<void> {
  const sizes = args.sizes ?? [128, 256, 512, 1024];
  // One run per size and variant, `reps` timed repetitions each.
  const progress = new ProgressLine({
    epochs: sizes.length * MATMUL_VARIANTS.length,
    stream: process.stderr,
    label: 'run',
  });
  let [run, step] = [0, 0];
  const onRep = (e: { rep: number }) => progress.onStep({ epoch: run, step: step++, batch: e.rep, batches: reps });
  const rows = await runMatmulBench(ctx, { sizes, reps, onRep }, (row) => {
    run++;
    progress.print(`${row.variant} ${row.M}³: ${row.ms_median} ms, ${row.gflops} GFLOP/s`);
    console.log(JSON.stringify({ ...row, adapter: ctx.adapter, ...prov }));
  });
  console.log('\nvariant  | size  | ms (median) | GFLOP/s');
  console.log('---------|-------|-------------|--------');
  for (const r of rows)
    console.log(
      `${r.variant.padEnd(8)} | ${String(r.M).padEnd(5)} | ${r.ms_median.toFixed(1).padStart(11)} | ${r.gflops.toFixed(2)}`,
    );
  const largest = Math.max(...sizes);
  const atLargest = rows.filter((r: MatmulRow) => r.M === largest);
  const baseline = atLargest.find((r) => r.variant === 'tiled');
  const best = atLargest.reduce((x, y) => (y.gflops > x.gflops ? y : x));
  if (baseline) {
    console.log(
      `\nbest at ${largest}³: ${best.variant} ${best.gflops} GFLOP/s = ${(best.gflops / baseline.gflops).toFixed(2)}x the tiled baseline (${baseline.gflops} GFLOP/s)`,
    );
  }
}
