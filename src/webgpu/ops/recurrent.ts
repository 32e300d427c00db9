// Recurrent layers (shaders/rnn_*.wgsl, shaders/lstm_*.wgsl with shaders/recurrent_grid.wgsl; CPU twins
// src/cpu/rnn.ts, src/cpu/lstm.ts): the hoisted input projection, the time loop (one fused dispatch per
// step or the persistent one-workgroup kernel), and the weight gradients as one product each over all steps.
// A cell is one row of RECURRENT_KERNELS plus the Params fields it adds to the shared ones.
import activationFns from '../../../shaders/activation_fns.wgsl?raw';
import recurrentGrid from '../../../shaders/recurrent_grid.wgsl?raw';
import rnnForward from '../../../shaders/rnn_forward.wgsl?raw';
import rnnBackward from '../../../shaders/rnn_backward.wgsl?raw';
import lstmForward from '../../../shaders/lstm_forward.wgsl?raw';
import lstmBackward from '../../../shaders/lstm_backward.wgsl?raw';
import type { CellKind, FinalStates, LayerStates, RecurrentConfig, RecurrentLayerCache, RecurrentWeights } from '../../backend.js';
import { ACTIVATION_IDS } from '../../activation.js';
import { gatesOf, recurrentChecks, type RnnLayerDims } from '../../checks.js';
import { ValueError } from '../../errors.js';
import { expectShape } from '../../shapes.js';
import type { Tensor } from '../../tensor.js';
import type { WebGpuBackend } from '../backend.js';
import { kernel, type KernelSpec, type ParamType } from '../kernel.js';
import type { Constants } from '../registry.js';

const RNN_STEP_WG = 64;
const RNN_SEQUENCE_WG = 256;
// The persistent (one-workgroup) time loop saves a dispatch per step but runs on one workgroup (one
// core on lavapipe): it wins while a step's recurrent work D·B·G·H² stays small. Measured on lavapipe
// with the register-blocked kernels (T = 64, forward + backward, persistent vs per-step, ms):
// LSTM B=8 H=32 (32K MACs/step) 6.8 vs 11.7; RNN B=8 H=64 (32K) 5.3 vs 10.4; LSTM B=16 H=32 (65K)
// 12.3 vs 14.6; LSTM B=4 H=64 (65K) 12.0 vs 9.8; LSTM B=1 H=128 (65K, T=256) 127 vs 83.
const RNN_PERSISTENT_MAX_WORK = 32768;

// Params fields and bindings shared by every cell, in WGSL order; a cell's own fields follow them.
const FORWARD_PARAMS = { T: 'u32', B: 'u32', H: 'u32', D: 'u32', s: 'u32', init_off: 'u32', final_off: 'u32', has_init: 'u32', h_off: 'u32' } as const;
const BACKWARD_PARAMS = { T: 'u32', B: 'u32', H: 'u32', D: 'u32', s: 'u32', dfinal_off: 'u32', dinit_off: 'u32', has_dfinal: 'u32', h_off: 'u32' } as const;
// At most 8 storage buffers, the WebGPU default limit.
const FORWARD_STORAGE = { proj: 'read', wt: 'read', bhh: 'read', init: 'read', seq: 'read_write', gates: 'read_write', fin: 'read_write' } as const;
const BACKWARD_STORAGE = { dout: 'read', whh: 'read', gates: 'read', seq: 'read', dfin: 'read', delta: 'read_write', dinit: 'read_write', dh_rec: 'read_write' } as const;

export type RecurrentPath = 'step' | 'sequence';
type PassKernels<S extends string> = Record<RecurrentPath, KernelSpec<string, S>>;

/** A cell's four kernels: forward and backward, each as a per-step kernel and the persistent `sequence` one. */
function cellKernels(cell: CellKind, forwardCode: string, backwardCode: string, forwardExtra: Record<string, ParamType>, backwardExtra: Record<string, ParamType>) {
  const pass = <S extends string>(suffix: string, code: string, params: Record<string, ParamType>, storage: Record<S, 'read' | 'read_write'>): PassKernels<S> => ({
    step: kernel({ name: `${cell}_step${suffix}`, code, entry: 'step', params, storage }),
    sequence: kernel({ name: `${cell}_sequence${suffix}`, code, entry: 'sequence', params, storage }),
  });
  return {
    forward: pass('', activationFns + recurrentGrid + forwardCode, { ...FORWARD_PARAMS, ...forwardExtra }, FORWARD_STORAGE),
    backward: pass('_backward', activationFns + recurrentGrid + backwardCode, { ...BACKWARD_PARAMS, ...backwardExtra }, BACKWARD_STORAGE),
  };
}

export const RECURRENT_KERNELS = {
  rnn: cellKernels('rnn', rnnForward, rnnBackward, { act_param: 'f32' }, { act_param: 'f32' }),
  // c_stride: elements from h to c in init/fin (an LSTM binds both as one buffer); c_off: the c sequence in seq.
  lstm: cellKernels('lstm', lstmForward, lstmBackward, { c_stride: 'u32', c_off: 'u32' }, { c_stride: 'u32', c_off: 'u32', carry_off: 'u32' }),
} satisfies Record<CellKind, unknown>;

export class GpuRecurrentCache implements RecurrentLayerCache {
  constructor(
    readonly x: Tensor,
    readonly w: RecurrentWeights,
    readonly config: RecurrentConfig,
    readonly dims: RnnLayerDims,
    readonly seq: Tensor, // padded h sequence (and, for an LSTM, the c sequence from cOff)
    readonly pad: number,
    readonly cOff: number,
    readonly gates: Tensor, // [T·B, D·G·H]: an RNN's pre-activations a_t (its one gate), an LSTM's activated i, f, g, o
    readonly output: Tensor, // view of the h sequence rows 1..T
  ) {}
  release(): void {
    this.seq.release();
    this.gates.release();
  }
}

export function recurrentLayerForward(gpu: WebGpuBackend, x: Tensor, w: RecurrentWeights, config: RecurrentConfig, init: LayerStates, final: FinalStates): RecurrentLayerCache {
  const G = gatesOf(config.cell);
  const dims = recurrentChecks(x, w, config.D, config.H, G, { h0: init.h, c0: init.c, hN: final.h, cN: final.c }, gpu.maxTensorElements);
  const lstm = config.cell === 'lstm';
  const { T, B, I, H, D } = dims;
  const DH = D * H;
  // An LSTM's h and c blocks share one binding: c sits c_stride elements after h, alike in init and final.
  const cStride = lstm ? pairedStride('final', final) : 0;
  if (lstm && init.h && pairedStride('init', init) !== cStride) {
    throw new ValueError('init.c', `the same h-to-c distance as final (${cStride})`, String(init.c!.offset - init.h.offset));
  }
  if (init.h) gpu.checkNoAlias(final.h.tensor, 'final', { init: init.h.tensor });
  // Input projection for all steps, all gates and both directions: ONE matmul, b_ih in its epilogue.
  const proj = gpu.matmul(x.view([T * B, I]), w.wih, { transB: true, bias: w.bih });
  // Padded sequences (see rnn_forward.wgsl); the start is padded so the output view is bindable.
  const align = gpu.limits.minStorageBufferOffsetAlignment / 4;
  const pad = (align - ((B * DH) % align)) % align;
  const seqLen = (T + 2) * B * DH;
  const seq = gpu.empty([pad + (lstm ? 2 : 1) * seqLen], lstm ? 'lstm h and c sequences' : 'rnn h sequence');
  const cOff = pad + seqLen;
  const gates = gpu.empty([T * B, D * G * H], lstm ? 'lstm gates' : 'rnn pre-activations');
  // The step kernels stream W_hh transposed ([D, H, G·H]: 4 consecutive units contiguous): one transpose per forward.
  const whh = gpu.transpose01(w.whh.view([D, G * H, H, 1]));
  const shared = { T, B, H, D, init_off: init.h?.offset ?? 0, final_off: final.h.offset, has_init: init.h ? 1 : 0, h_off: pad };
  const cellFields: Record<string, number> = lstm ? { c_stride: cStride, c_off: cOff } : { act_param: config.activation.param };
  const bindings = {
    proj: gpu.binding(proj, 'proj'),
    wt: gpu.binding(whh, 'weight_hh'),
    bhh: w.bhh ? gpu.binding(w.bhh, 'bias_hh') : gpu.unusedRead,
    init: init.h ? gpu.binding(init.h.tensor, 'init') : gpu.unusedRead,
    seq: gpu.binding(seq, 'sequence'),
    gates: gpu.binding(gates, 'gates'),
    fin: gpu.binding(final.h.tensor, 'final'),
  };
  timeLoop(gpu, RECURRENT_KERNELS[config.cell].forward, config, dims, { HAS_BIAS: !!w.bhh }, (s) => ({ ...shared, ...cellFields, s }), bindings, T);
  proj.release();
  whh.release();
  const output = gpu.viewAt(seq, pad + B * DH, [T, B, DH]);
  return new GpuRecurrentCache(x, w, config, dims, seq, pad, cOff, gates, output);
}

export function recurrentLayerBackward(
  gpu: WebGpuBackend,
  cache: RecurrentLayerCache,
  dOut: Tensor,
  dFinal: LayerStates,
  grads: RecurrentWeights,
  dInit: FinalStates,
  inputGrad: boolean,
  dhRecord?: Tensor,
): Tensor | null {
  if (!(cache instanceof GpuRecurrentCache)) throw new ValueError('cache', 'the cache of a WebGPU recurrentLayerForward', String(cache));
  const { dims, config } = cache;
  const lstm = config.cell === 'lstm';
  const G = gatesOf(config.cell);
  const { T, B, I, H, D } = dims;
  const DH = D * H;
  const GH = D * G * H;
  recurrentChecks(cache.x, grads, D, H, G, { dhN: dFinal.h, dcN: dFinal.c, dh0: dInit.h, dc0: dInit.c }, gpu.maxTensorElements);
  expectShape('dOut', dOut.shape, [T, B, DH]);
  const cStride = lstm ? pairedStride('dInit', dInit) : 0;
  if (lstm && dFinal.h && pairedStride('dFinal', dFinal) !== cStride) {
    throw new ValueError('dFinal.c', `the same h-to-c distance as dInit (${cStride})`, String(dFinal.c!.offset - dFinal.h.offset));
  }
  if (dFinal.h) gpu.checkNoAlias(dInit.h.tensor, 'dInit', { dFinal: dFinal.h.tensor });
  // δ for all steps [T·B, D·G·H]; an LSTM keeps its carried dc·f [D, B, H] after it.
  const carryOff = T * B * GH;
  const delta = gpu.empty([carryOff + (lstm ? D * B * H : 0)], 'recurrent delta');
  const deltaMat = lstm ? gpu.viewAt(delta, 0, [T * B, GH]) : delta.view([T * B, GH]);
  if (dhRecord) expectShape('dhRecord', dhRecord.shape, [T, B, DH]);
  const shared = { T, B, H, D, dfinal_off: dFinal.h?.offset ?? 0, dinit_off: dInit.h.offset, has_dfinal: dFinal.h ? 1 : 0, h_off: cache.pad };
  const cellFields: Record<string, number> = lstm ? { c_stride: cStride, c_off: cache.cOff, carry_off: carryOff } : { act_param: config.activation.param };
  const bindings = {
    dout: gpu.binding(dOut, 'dOut'),
    whh: gpu.binding(cache.w.whh, 'weight_hh'),
    gates: gpu.binding(cache.gates, 'gates'),
    seq: gpu.binding(cache.seq, 'sequence'),
    dfin: dFinal.h ? gpu.binding(dFinal.h.tensor, 'dFinal') : gpu.unusedRead,
    delta: gpu.binding(delta, 'delta'),
    dinit: gpu.binding(dInit.h.tensor, 'dInit'),
    dh_rec: dhRecord ? gpu.binding(dhRecord, 'dhRecord') : gpu.unusedWrite,
  };
  // T + 1 steps: the last writes the initial-state gradients.
  timeLoop(gpu, RECURRENT_KERNELS[config.cell].backward, config, dims, { RECORD: !!dhRecord }, (s) => ({ ...shared, ...cellFields, s }), bindings, T + 1);

  // Shared weights: each gradient is ONE matmul / reduction over all T·B rows of δ.
  gpu.matmul(deltaMat, cache.x.view([T * B, I]), { transA: true, out: grads.wih, beta: 1 }); // dW_ih += δᵀ X, both directions
  for (let d = 0; d < D; d++) {
    // dW_hh[d] += δ[:, d]ᵀ · h_prev[d]; h_prev is the h sequence shifted by one step (two rows for d = 1).
    gpu.gemm({
      a: deltaMat, b: cache.seq, out: grads.whh, M: G * H, N: H, K: T * B, transA: true,
      lda: GH, offsetA: d * G * H, ldb: DH, offsetB: cache.pad + (d === 0 ? 0 : 2) * B * DH + d * H, ldc: H, offsetOut: d * G * H * H, beta: 1,
    });
  }
  if (grads.bih) gpu.sumAxis(deltaMat, 0, { out: grads.bih, beta: 1 });
  if (grads.bhh) gpu.sumAxis(deltaMat, 0, { out: grads.bhh, beta: 1 });
  let dx: Tensor | null = null;
  if (inputGrad) {
    dx = gpu.empty([T, B, I], 'recurrent dInput');
    gpu.gemm({ a: deltaMat, b: cache.w.wih, out: dx, M: T * B, N: I, K: GH }); // Σ_d δ_d W_ih[d]
  }
  delta.release();
  return dx;
}

/** Records a recurrent layer's time loop: one dispatch per step, or the persistent kernel once. */
function timeLoop<S extends string>(
  gpu: WebGpuBackend,
  kernels: PassKernels<S>,
  config: RecurrentConfig,
  dims: RnnLayerDims,
  extra: Constants,
  params: (s: number) => Record<string, number>,
  bindings: Record<S, GPUBufferBinding>,
  steps: number,
): void {
  const persistent = usePersistent(config, dims);
  const constants: Constants = { ...extra, WG: persistent ? sequenceWorkgroup(config, dims) : RNN_STEP_WG, BB: batchBlock(config, dims.B) };
  if (config.cell === 'rnn') constants.ACT = ACTIVATION_IDS[config.activation.name];
  if (persistent) {
    gpu.dispatch(kernels.sequence, constants, params(0), bindings, [1]);
    return;
  }
  const groups = Math.ceil(recurrentInvocations(config, dims) / RNN_STEP_WG);
  for (let s = 0; s < steps; s++) gpu.dispatch(kernels.step, constants, params(s), bindings, [groups]);
}

/** Invocations of one recurrent step: each takes BB batch rows × 4 units. */
function recurrentInvocations(config: RecurrentConfig, dims: RnnLayerDims): number {
  return dims.D * Math.ceil(dims.B / batchBlock(config, dims.B)) * Math.ceil(dims.H / 4);
}

/** The persistent kernel's workgroup: as many invocations as blocks (idle ones still pay at every barrier), 32 to 256. */
function sequenceWorkgroup(config: RecurrentConfig, dims: RnnLayerDims): number {
  const blocks = recurrentInvocations(config, dims);
  return Math.min(RNN_SEQUENCE_WG, Math.max(32, 2 ** Math.ceil(Math.log2(blocks))));
}

function usePersistent(config: RecurrentConfig, dims: RnnLayerDims): boolean {
  const path = config.path ?? 'auto';
  if (path !== 'auto' && path !== 'step' && path !== 'persistent') throw new ValueError('path', "'auto', 'step' or 'persistent'", JSON.stringify(path));
  const work = dims.D * dims.B * gatesOf(config.cell) * dims.H * dims.H;
  return path === 'persistent' || (path === 'auto' && work <= RNN_PERSISTENT_MAX_WORK);
}

/**
 * Batch rows per invocation of the register-blocked recurrent kernels: up to 4 for the RNN (4 vec4
 * accumulators), up to 2 for the LSTM (4 gates × 2 rows = 8, as many as matmul_blocked keeps).
 */
function batchBlock(config: RecurrentConfig, B: number): number {
  const max = config.cell === 'lstm' ? 2 : 4;
  return Math.min(max, B >= 4 ? 4 : B >= 2 ? 2 : 1);
}

/** An LSTM's c slice sits in h's tensor, after it: the distance from h to c. */
function pairedStride(argument: string, st: LayerStates): number {
  if (!st.h || !st.c) throw new ValueError(`${argument}`, 'both h and c slices for an LSTM, or neither', `${st.h ? 'h' : 'no h'} and ${st.c ? 'c' : 'no c'}`);
  if (st.c.tensor !== st.h.tensor || st.c.offset <= st.h.offset) {
    throw new ValueError(`${argument}.c`, 'a slice of the same tensor as h, after it (the GPU binds both as one buffer)', 'another tensor or an earlier offset');
  }
  return st.c.offset - st.h.offset;
}
