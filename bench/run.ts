// npm run bench — every workload on the default WebGPU adapter (validated against the CPU reference
// first), training and inference rows; then, in the same run and on the same adapter, TensorFlow.js
// (webgpu and wasm backends) and this library's CPU reference as peers. JSON lines, then a table with
// the speed-up of ours over each peer.
// Flags: --reps 5  --warmup 2  --only lstm,mlp  --large (include lstm-large)  --peers webgpu,wasm,cpu,ref (or none)
//        --recurrent blocked|split|split-subgroup  --matmul tiled|blocked (force kernel variants; default: per adapter)
import { create, globals } from 'webgpu';
import { createContext, type MatmulVariant, type RecurrentVariant } from '../src/index.js';
import { provenance } from './provenance.js';
import { timeTfjs, type TfjsBackend } from './tfjs_peer.js';
import { WORKLOADS, timeWorkload, validate, type BenchRow } from './workloads.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const reps = Number(arg('reps') ?? 5);
const warmup = Number(arg('warmup') ?? 2);
const only = arg('only')?.split(',');
const peers = (arg('peers') ?? 'webgpu,wasm,ref').split(',');
const workloads = WORKLOADS.filter((w) => (only ? only.includes(w.name) : !w.tiny && (!w.large || process.argv.includes('--large'))));
const prov = provenance();
const gpu = await createContext({
  backend: 'webgpu',
  recurrentVariant: (arg('recurrent') ?? 'auto') as RecurrentVariant | 'auto',
  matmulVariant: (arg('matmul') ?? 'auto') as MatmulVariant | 'auto',
});
const adapter = gpu.adapter;
console.error(`adapter: ${adapter.description || adapter.device} (${adapter.vendor}); commit ${prov.commit.slice(0, 10)}${prov.dirty ? '+dirty' : ''}`);
const rows: Array<BenchRow & { invalid?: string }> = [];
const emit = (row: BenchRow & { invalid?: string }) => {
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
// TensorFlow.js looks for navigator.gpu: give it Dawn, as a browser gives it its GPU.
Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]), userAgent: 'node' }, configurable: true });
for (const backend of ['webgpu', 'wasm', 'cpu'] as TfjsBackend[]) {
  if (!peers.includes(backend)) continue;
  for (const w of workloads) {
    // The slow CPU peers get one timed step: enough for a ratio of this size.
    const slow = backend !== 'webgpu';
    emit(await timeTfjs(backend, w, 'train', slow ? 1 : reps, slow ? 1 : warmup));
    if (backend === 'webgpu' && w.kind !== 'mlp') emit(await timeTfjs(backend, w, 'infer', reps, warmup));
  }
}
if (peers.includes('ref')) {
  const cpu = await createContext({ backend: 'cpu' });
  for (const w of workloads) emit(await timeWorkload(cpu, w, 'train', 1, 0)); // f64 reference: one step is plenty
}

const ours = rows.filter((r) => r.backend === 'webgpu');
const peerNames = [...new Set(rows.filter((r) => r.backend !== 'webgpu').map((r) => r.backend))];
console.log(`\nours (webgpu) vs peers, same run, ${adapter.description || adapter.device}; "×" = peer time / our time`);
console.log(['workload', 'mode', 'kernels', 'ms', 'GFLOP/s', 'dispatches', 'submits', 'readbacks', ...peerNames.map((p) => `× ${p}`)].join(' | '));
for (const r of ours) {
  const ratios = peerNames.map((p) => {
    const peer = rows.find((q) => q.backend === p && q.workload === r.workload && q.mode === r.mode);
    if (!peer) return '';
    const extra = p === 'tfjs-webgpu' ? ` (${peer.dispatches} disp, ${peer.readbacks} rb)` : '';
    return `${(peer.ms_median / r.ms_median).toFixed(1)}×${extra}${peer.invalid ? ' INVALID' : ''}${peer.note ? ' †' : ''}`;
  });
  const k = r.kernels;
  const kernels = k ? (k.recurrent ? `${k.recurrent} ${k.path}, matmul ${k.matmul}` : `matmul ${k.matmul}`) : '';
  console.log([r.workload, r.mode, kernels, r.ms_median.toFixed(1), r.gflops.toFixed(2), r.dispatches, r.submits, r.readbacks, ...ratios].join(' | '));
}
for (const r of rows.filter((q) => q.note && q.mode === 'train')) console.log(`† ${r.workload} ${r.backend}: ${r.note}`);
process.exit(0); // the peers' GPU object would keep Node alive
