// npm run bench — every workload on the default WebGPU adapter (validated against the CPU reference
// first), training and inference rows; then, in the same run and on the same adapter, TensorFlow.js
// (webgpu and wasm backends) and this library's CPU reference as peers. JSON lines, then a table with
// the speed-up of ours over each peer. While a run is timed, a progress line on stderr (redrawn in a
// terminal; in a log, one finished line per run) says which run of how many, its step and the time left.
// Flags: npm run bench -- --help.
import { create, globals } from 'webgpu';
import { ProgressLine, createContext, type MatmulVariant, type RecurrentVariant } from '../src/index.js';
import { MATMUL_VARIANTS } from '../src/ops/matmul/webgpu.js';
import { RECURRENT_VARIANTS } from '../src/ops/recurrent/webgpu.js';
import { cli } from '../scripts/cli.js';
import { provenance } from './provenance.js';
import { timeTfjs, timeTfjsGenerate, type TfjsBackend } from './tfjs_peer.js';
import {
  WORKLOADS,
  modesOf,
  peerRow,
  timeWorkload,
  validate,
  type BenchRow,
  type StepProgress,
  type UnsupportedRow,
  type Workload,
} from './workloads.js';

const args = cli({
  name: 'bench/run.ts',
  usage: 'npm run bench -- [flags]   (or: npx vite-node bench/run.ts [flags])',
  about:
    'Times every workload on the default WebGPU adapter (validated against the CPU reference first), then the\n' +
    'peers on the same adapter in the same run; JSON lines on stdout, then a table of speed-ups.',
  flags: {
    reps: { type: 'int', min: 1, default: 5, help: 'timed steps per row' },
    warmup: { type: 'int', min: 0, default: 2, help: 'untimed steps before them' },
    only: {
      type: 'list',
      choices: WORKLOADS.map((w) => w.name),
      help: 'these workloads alone; default: all but the tiny and large ones',
    },
    large: { type: 'boolean', help: 'include the large workloads (lstm-large)' },
    peers: {
      type: 'list',
      choices: ['webgpu', 'wasm', 'cpu', 'ref', 'none'],
      default: ['webgpu', 'wasm', 'ref'],
      help: 'peers: tfjs webgpu, wasm, cpu backends; ref = our f64 CPU reference; none',
    },
    recurrent: {
      type: 'string',
      choices: ['auto', ...RECURRENT_VARIANTS],
      default: 'auto',
      help: 'force the recurrent kernel variant',
    },
    matmul: {
      type: 'string',
      choices: ['auto', ...MATMUL_VARIANTS],
      default: 'auto',
      help: 'force the matmul variant',
    },
  },
});
const { reps, warmup, only, peers } = args;
const workloads = WORKLOADS.filter((w) => (only ? only.includes(w.name) : !w.tiny && (!w.large || args.large)));
const prov = provenance();
const gpu = await createContext({
  backend: 'webgpu',
  recurrentVariant: args.recurrent as RecurrentVariant | 'auto',
  matmulVariant: args.matmul as MatmulVariant | 'auto',
});
const adapter = gpu.adapter;
console.error(
  `adapter: ${adapter.description || adapter.device} (${adapter.vendor}); commit ${prov.commit.slice(0, 10)}${prov.dirty ? '+dirty' : ''}`,
);
const tfjsBackends = (['webgpu', 'wasm', 'cpu'] as TfjsBackend[]).filter((b) => peers.includes(b));
// Peers: a variable-length workload is ours alone (its point is our masking overhead); generation and
// decoding run on tfjs-webgpu only (a seq2seq row there: unsupported, with the reason); the slow CPU peers
// (tfjs wasm / cpu, our f64 reference) time training alone.
const peerModes = (w: Workload, backend: TfjsBackend | 'ref'): BenchRow['mode'][] =>
  w.varlen ? [] : backend === 'webgpu' ? modesOf(w) : modesOf(w).filter((m) => m === 'train');
const runs = workloads.reduce(
  (n, w) =>
    n +
    modesOf(w).length +
    [...tfjsBackends, ...(peers.includes('ref') ? ['ref' as const] : [])].reduce(
      (k, b) => k + peerModes(w, b).length,
      0,
    ),
  0,
);
const progress = new ProgressLine({ epochs: Math.max(runs, 1), stream: process.stderr, label: 'run' });
let run = 0;
let step = 0;
/** The progress callback of the next run (one "epoch" of the progress line per run). */
const track = (): StepProgress => {
  const epoch = run++;
  return (e) =>
    progress.onStep({ epoch, step: step++, batch: Math.min(e.step, e.of - 1), batches: e.of, loss: e.loss });
};
type Row = BenchRow & { invalid?: string };
const rows: Row[] = [];
const unsupported: UnsupportedRow[] = [];
const emit = (row: Row | UnsupportedRow) => {
  if ('unsupported' in row) {
    unsupported.push(row);
    progress.print(`${row.workload} ${row.mode} ${row.backend}: unsupported — ${row.unsupported}`);
    console.log(JSON.stringify({ ...row, adapter, ...prov }));
    return;
  }
  rows.push(row);
  const speed = row.tokens_per_s === undefined ? `${row.steps_per_s} steps/s` : `${row.tokens_per_s} tokens/s`;
  progress.print(
    `${row.workload} ${row.mode} ${row.backend}: ${row.ms_median} ms (${speed})${row.invalid ? ' INVALID' : ''}`,
  ); // clears the line first
  console.log(JSON.stringify({ ...row, adapter, ...prov }));
};
for (const w of workloads) {
  const check = await validate(gpu, w);
  progress.print(
    `${w.name}: validated against the CPU reference (loss rel. err ${check.lossError.toExponential(1)}, grad norm ${check.normError.toExponential(1)}${w.generate || w.seq2seq?.beamWidth ? ', same tokens' : ''})`,
  );
  for (const mode of modesOf(w)) emit(await timeWorkload(gpu, w, mode, reps, warmup, track()));
}
gpu.destroy();
// TensorFlow.js looks for navigator.gpu: give it Dawn, as a browser gives it its GPU.
Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]), userAgent: 'node' }, configurable: true });
for (const backend of tfjsBackends) {
  for (const w of workloads) {
    // The slow CPU peers get one timed step: enough for a ratio of this size.
    const [r, wu] = backend === 'webgpu' ? [reps, warmup] : [1, 1];
    for (const mode of peerModes(w, backend)) {
      const onStep = track();
      emit(
        await peerRow(`tfjs-${backend}`, w, mode, () =>
          mode === 'generate' ? timeTfjsGenerate(backend, w, r, wu, onStep) : timeTfjs(backend, w, mode, r, wu, onStep),
        ),
      );
    }
  }
}
if (peers.includes('ref')) {
  const cpu = await createContext({ backend: 'cpu' });
  for (const w of workloads)
    for (const mode of peerModes(w, 'ref')) {
      const onStep = track();
      emit(await peerRow('cpu', w, mode, () => timeWorkload(cpu, w, mode, 1, 0, onStep))); // f64 reference: one step is plenty
    }
}

const ours = rows.filter((r) => r.backend === 'webgpu');
const peerNames = [...new Set([...rows, ...unsupported].filter((r) => r.backend !== 'webgpu').map((r) => r.backend))];
console.log(`\nours (webgpu) vs peers, same run, ${adapter.description || adapter.device}; "×" = peer time / our time`);
console.log(
  [
    'workload',
    'mode',
    'kernels',
    'ms',
    'GFLOP/s',
    'dispatches',
    'submits',
    'readbacks',
    ...peerNames.map((p) => `× ${p}`),
  ].join(' | '),
);
for (const r of ours) {
  const ratios = peerNames.map((p) => {
    const peer = rows.find((q) => q.backend === p && q.workload === r.workload && q.mode === r.mode);
    if (!peer)
      return unsupported.some((q) => q.backend === p && q.workload === r.workload && q.mode === r.mode)
        ? 'unsupported ‡'
        : '';
    const extra = p === 'tfjs-webgpu' ? ` (${peer.dispatches} disp, ${peer.readbacks} rb)` : '';
    return `${(peer.ms_median / r.ms_median).toFixed(1)}×${extra}${peer.invalid ? ' INVALID' : ''}${peer.note ? ' †' : ''}`;
  });
  const k = r.kernels;
  const kernels = k ? (k.recurrent ? `${k.recurrent} ${k.path}, matmul ${k.matmul}` : `matmul ${k.matmul}`) : '';
  console.log(
    [
      r.workload,
      r.mode,
      kernels,
      r.ms_median.toFixed(1),
      r.gflops.toFixed(2),
      r.dispatches,
      r.submits,
      r.readbacks,
      ...ratios,
    ].join(' | '),
  );
}
for (const r of rows.filter((q) => q.note && q.mode !== 'infer'))
  console.log(`† ${r.workload} ${r.backend}: ${r.note}`);
for (const r of unsupported) console.log(`‡ ${r.workload} ${r.mode} ${r.backend}: unsupported — ${r.unsupported}`);
for (const r of ours.filter((q) => q.workload.endsWith('-varlen'))) {
  const padded = ours.find((q) => q.workload === r.workload.replace(/-varlen$/, '') && q.mode === r.mode);
  if (padded)
    console.log(
      `${r.workload} ${r.mode}: ${r.ms_median} ms masked vs ${padded.ms_median} ms for the same batch unmasked (${padded.workload}; padded, the upper bound) = ${(r.ms_median / padded.ms_median).toFixed(2)}×`,
    );
}
for (const r of ours.filter((q) => q.tokens_per_s !== undefined)) {
  const peer = rows.find((q) => q.backend === 'tfjs-webgpu' && q.workload === r.workload && q.mode === r.mode);
  const what =
    r.mode === 'decode'
      ? `${r.sources_per_s} sources/s; B ${r.B} sources × beam ${r.beam_width} × ${r.T} steps`
      : r.mode === 'train'
        ? `target tokens; B ${r.B} × ${r.T}, source ${r.S}`
        : `B ${r.B} × ${r.T} tokens`;
  console.log(
    `${r.workload}: ${r.tokens_per_s} tokens/s (${what}, ${r.readbacks === 1 ? 'one readback' : `${r.readbacks} readbacks`})${peer ? `; tfjs-webgpu ${peer.tokens_per_s} tokens/s` : ''}`,
  );
}
process.exit(0); // the peers' GPU object would keep Node alive
