// npm run bench — every workload on the default WebGPU adapter (validated against the CPU reference
// first), training and inference rows; then, in the same run and on the same adapter, TensorFlow.js
// (webgpu and wasm backends) and this library's CPU reference as peers. JSON lines, then a table with
// the speed-up of ours over each peer. While a run is timed, a progress line on stderr (redrawn in a
// terminal; in a log, one finished line per run) says which run of how many, its step and the time left.
// Flags: --reps 5  --warmup 2  --only lstm,mlp  --large (include lstm-large)  --peers webgpu,wasm,cpu,ref (or none)
//        --recurrent blocked|split|split-subgroup  --matmul tiled|blocked (force kernel variants; default: per adapter)
import { create, globals } from 'webgpu';
import { ProgressLine, createContext, type MatmulVariant, type RecurrentVariant } from '../src/index.js';
import { provenance } from './provenance.js';
import { timeTfjs, timeTfjsGenerate, type TfjsBackend } from './tfjs_peer.js';
import {
  WORKLOADS,
  modesOf,
  timeWorkload,
  validate,
  type BenchRow,
  type StepProgress,
  type Workload,
} from './workloads.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const reps = Number(arg('reps') ?? 5);
const warmup = Number(arg('warmup') ?? 2);
const only = arg('only')?.split(',');
const peers = (arg('peers') ?? 'webgpu,wasm,ref').split(',');
const workloads = WORKLOADS.filter((w) =>
  only ? only.includes(w.name) : !w.tiny && (!w.large || process.argv.includes('--large')),
);
const prov = provenance();
const gpu = await createContext({
  backend: 'webgpu',
  recurrentVariant: (arg('recurrent') ?? 'auto') as RecurrentVariant | 'auto',
  matmulVariant: (arg('matmul') ?? 'auto') as MatmulVariant | 'auto',
});
const adapter = gpu.adapter;
console.error(
  `adapter: ${adapter.description || adapter.device} (${adapter.vendor}); commit ${prov.commit.slice(0, 10)}${prov.dirty ? '+dirty' : ''}`,
);
const tfjsBackends = (['webgpu', 'wasm', 'cpu'] as TfjsBackend[]).filter((b) => peers.includes(b));
// Peers: a variable-length workload is ours alone (its point is our masking overhead); generation runs on
// tfjs-webgpu only; the slow CPU peers (tfjs wasm / cpu, our f64 reference) time training alone.
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
const rows: Array<BenchRow & { invalid?: string }> = [];
const emit = (row: BenchRow & { invalid?: string }) => {
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
    `${w.name}: validated against the CPU reference (loss rel. err ${check.lossError.toExponential(1)}, grad norm ${check.normError.toExponential(1)}${w.generate ? ', same tokens' : ''})`,
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
      emit(
        await (mode === 'generate'
          ? timeTfjsGenerate(backend, w, r, wu, track())
          : timeTfjs(backend, w, mode, r, wu, track())),
      );
    }
  }
}
if (peers.includes('ref')) {
  const cpu = await createContext({ backend: 'cpu' });
  for (const w of workloads)
    for (const mode of peerModes(w, 'ref')) emit(await timeWorkload(cpu, w, mode, 1, 0, track())); // f64 reference: one step is plenty
}

const ours = rows.filter((r) => r.backend === 'webgpu');
const peerNames = [...new Set(rows.filter((r) => r.backend !== 'webgpu').map((r) => r.backend))];
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
    if (!peer) return '';
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
for (const r of ours.filter((q) => q.workload.endsWith('-varlen'))) {
  const padded = ours.find((q) => q.workload === r.workload.replace(/-varlen$/, '') && q.mode === r.mode);
  if (padded)
    console.log(
      `${r.workload} ${r.mode}: ${r.ms_median} ms masked vs ${padded.ms_median} ms for the same batch unmasked (${padded.workload}; padded, the upper bound) = ${(r.ms_median / padded.ms_median).toFixed(2)}×`,
    );
}
for (const r of ours.filter((q) => q.tokens_per_s !== undefined)) {
  const peer = rows.find((q) => q.backend === 'tfjs-webgpu' && q.workload === r.workload && q.mode === r.mode);
  console.log(
    `${r.workload}: ${r.tokens_per_s} tokens/s (B ${r.B} × ${r.T} tokens, one readback)${peer ? `; tfjs-webgpu ${peer.tokens_per_s} tokens/s` : ''}`,
  );
}
process.exit(0); // the peers' GPU object would keep Node alive
