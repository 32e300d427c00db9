// Recurrent layers (shaders/{rnn,lstm,gru}_*.wgsl with shaders/recurrent_*.wgsl; CPU twins
// src/cpu/{rnn,lstm,gru}.ts): the hoisted input projection, the time loop (one fused dispatch per step
// or the persistent one-workgroup kernel, in the backend's kernel variant), and the weight gradients as
// one product each over all steps.
// A cell is one row of RECURRENT_KERNELS plus the Params fields it adds to the shared ones; each pass of a
// cell is one shared WGSL file (parameters, bindings, epilogue) + one body per kernel shape. The RNN's
// two passes share their bodies (shaders/rnn_{blocked,split,rows}.wgsl: has_source, source and rec_out
// per pass); the gated cells (LSTM, GRU) share their bodies (shaders/gated_{forward,backward}_*.wgsl: GATES gate rows per unit; the
// forward epilogue `cell_out` takes the cell's `Gates` vector).
import activationFns from '../../ops/activation/activation_fns.wgsl?raw';
import recurrentSteps from '../../../shaders/recurrent_steps.wgsl?raw';
import recurrentGrid from '../../../shaders/recurrent_grid.wgsl?raw';
import recurrentSplitTree from '../../../shaders/recurrent_split_tree.wgsl?raw';
import recurrentSplitSubgroup from '../../../shaders/recurrent_split_subgroup.wgsl?raw';
import recurrentSplitTiles from '../../../shaders/recurrent_split_tiles.wgsl?raw';
import rnnForward from '../../../shaders/rnn_forward.wgsl?raw';
import rnnBlocked from '../../../shaders/rnn_blocked.wgsl?raw';
import rnnSplit from '../../../shaders/rnn_split.wgsl?raw';
import rnnRows from '../../../shaders/rnn_rows.wgsl?raw';
import rnnBackward from '../../../shaders/rnn_backward.wgsl?raw';
import lstmForward from '../../../shaders/lstm_forward.wgsl?raw';
import lstmBackward from '../../../shaders/lstm_backward.wgsl?raw';
import gatedForwardBlocked from '../../../shaders/gated_forward_blocked.wgsl?raw';
import gatedForwardSplit from '../../../shaders/gated_forward_split.wgsl?raw';
import gatedForwardRows from '../../../shaders/gated_forward_rows.wgsl?raw';
import gatedBackwardBlocked from '../../../shaders/gated_backward_blocked.wgsl?raw';
import gatedBackwardSplit from '../../../shaders/gated_backward_split.wgsl?raw';
import gatedBackwardRows from '../../../shaders/gated_backward_rows.wgsl?raw';
import gruForward from '../../../shaders/gru_forward.wgsl?raw';
import gruBackward from '../../../shaders/gru_backward.wgsl?raw';
import type {
  CellKind,
  FinalStates,
  LayerStates,
  RecurrentConfig,
  RecurrentLayerCache,
  RecurrentWeights,
} from '../../backend.js';
import { ACTIVATION_IDS } from '../../ops/activation/spec.js';
import { gatesOf, lengthsTensorCheck, recurrentChecks, type RnnLayerDims } from '../../core/checks.js';
import { ValueError } from '../../core/errors.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';
import type { WebGpuBackend } from '../backend.js';
import { kernel, type KernelSpec, type ParamType } from '../../core/kernel.js';
import type { Constants } from '../registry.js';
import { sequenceMask } from '../../ops/sequence_mask/webgpu.js';

/**
 * Recurrent step kernel variants: 'blocked' (register blocks, each invocation loops over all H inputs:
 * shaped for CPU-backed adapters), 'split' (each dot product split across a workgroup, tree reduction)
 * and 'split-subgroup' (the same with subgroupAdd). The split variants run their persistent path on the
 * GPU-shaped one-workgroup kernel (`rows`). See WebGpuBackendOptions.recurrentVariant.
 */
export type RecurrentVariant = 'blocked' | 'split' | 'split-subgroup';
export const RECURRENT_VARIANTS: readonly RecurrentVariant[] = ['blocked', 'split', 'split-subgroup'];

/**
 * The kernel shapes of a pass: `step` / `sequence` register-blocked per step / persistent
 * (recurrent_grid.wgsl); `split_step` dot products split across a workgroup, tree reduction;
 * `split_subgroup_step` the same with subgroupAdd (needs the `subgroups` feature); `rows_sequence`
 * persistent, one invocation per output row, W_hh read coalesced.
 */
export type RecurrentKernel = 'step' | 'sequence' | 'split_step' | 'split_subgroup_step' | 'rows_sequence';

const RNN_STEP_WG = 64;
const RNN_SEQUENCE_WG = 256;
/** Split kernels: invocations sharing each dot product (a power of two, at least any subgroup). */
export const SPLIT_WG = 64;
const SPLIT_MAX_OUT = 16; // outputs per split tile (MAX_OUT in recurrent_split_*.wgsl)
const ROWS_MAX_WG = 1024; // the GPU-shaped persistent kernel: one invocation per output row, up to this many
// The persistent (one-workgroup) time loop saves a dispatch per step but runs on one workgroup: it wins
// while a step's recurrent work D·B·G·H² (multiply-adds) stays small. The threshold is per adapter class.
// Software (lavapipe, one workgroup = one core), measured with the register-blocked kernels (T = 64,
// forward + backward, persistent vs per-step, ms): LSTM B=8 H=32 (32K MACs/step) 6.8 vs 11.7; RNN B=8
// H=64 (32K) 5.3 vs 10.4; LSTM B=16 H=32 (65K) 12.3 vs 14.6; LSTM B=4 H=64 (65K) 12.0 vs 9.8; LSTM
// B=1 H=128 (65K, T=256) 127 vs 83.
// GPU: a first guess, to be measured (scripts/gpu-probe.sh). On an H100 a dependent dispatch costs
// ~4.5 µs and one workgroup steps a coalesced 512×128 matvec (65K MACs) in ~3 µs, so the persistent
// kernel should win up to about twice that work.
const PERSISTENT_MAX_WORK = { software: 32768, gpu: 131072 } as const;

// Params fields and bindings shared by every cell, in WGSL order; a cell's own fields follow them.
const FORWARD_PARAMS = {
  T: 'u32',
  B: 'u32',
  H: 'u32',
  D: 'u32',
  s: 'u32',
  init_off: 'u32',
  final_off: 'u32',
  has_init: 'u32',
  h_off: 'u32',
} as const;
const BACKWARD_PARAMS = {
  T: 'u32',
  B: 'u32',
  H: 'u32',
  D: 'u32',
  s: 'u32',
  dfinal_off: 'u32',
  dinit_off: 'u32',
  has_dfinal: 'u32',
  h_off: 'u32',
} as const;
// At most 8 storage buffers, the WebGPU default limit.
// whh is W_hh as the kernel reads it (each body's header says how): as stored or transposed to [D, H, G·H].
const FORWARD_STORAGE = {
  proj: 'read',
  whh: 'read',
  bhh: 'read',
  init: 'read',
  seq: 'read_write',
  gates: 'read_write',
  fin: 'read_write',
} as const;
const BACKWARD_STORAGE = {
  dout: 'read',
  whh: 'read',
  gates: 'read',
  seq: 'read',
  dfin: 'read',
  delta: 'read_write',
  dinit: 'read_write',
  dh_rec: 'read_write',
} as const;

type PassKernels<S extends string> = Record<RecurrentKernel, KernelSpec<string, S>>;

/** A pass's WGSL: the shared file (parameters, bindings, epilogue) and the body of each kernel shape. */
interface PassCode {
  shared: string;
  blocked: string;
  split: string;
  rows: string;
}

/** A cell's kernels: forward and backward, each in every shape (RecurrentKernel). */
function cellKernels(
  cell: CellKind,
  forward: PassCode,
  backward: PassCode,
  forwardExtra: Record<string, ParamType>,
  backwardExtra: Record<string, ParamType>,
) {
  const pass = <S extends string>(
    suffix: string,
    c: PassCode,
    params: Record<string, ParamType>,
    storage: Record<S, 'read' | 'read_write'>,
  ): PassKernels<S> => {
    const common = activationFns + recurrentSteps + c.shared;
    const spec = (shape: RecurrentKernel, code: string, entry: string) =>
      kernel({ name: `${cell}_${shape}${suffix}`, code, entry, params, storage });
    return {
      step: spec('step', common + recurrentGrid + c.blocked, 'step'),
      sequence: spec('sequence', common + recurrentGrid + c.blocked, 'sequence'),
      split_step: spec('split_step', recurrentSplitTree + common + recurrentSplitTiles + c.split, 'step'),
      // `enable subgroups;` must open the module: the subgroup snippet goes first.
      split_subgroup_step: spec(
        'split_subgroup_step',
        recurrentSplitSubgroup + common + recurrentSplitTiles + c.split,
        'step',
      ),
      rows_sequence: spec('rows_sequence', common + c.rows, 'sequence'),
    };
  };
  return {
    forward: pass('', forward, { ...FORWARD_PARAMS, ...forwardExtra }, FORWARD_STORAGE),
    backward: pass('_backward', backward, { ...BACKWARD_PARAMS, ...backwardExtra }, BACKWARD_STORAGE),
  };
}

export const RECURRENT_KERNELS = {
  rnn: cellKernels(
    'rnn',
    { shared: rnnForward, blocked: rnnBlocked, split: rnnSplit, rows: rnnRows },
    { shared: rnnBackward, blocked: rnnBlocked, split: rnnSplit, rows: rnnRows },
    { act_param: 'f32' },
    { act_param: 'f32' },
  ),
  // c_stride: elements from h to c in init/fin (an LSTM binds both as one buffer); c_off: the c sequence in seq.
  lstm: cellKernels(
    'lstm',
    { shared: lstmForward, blocked: gatedForwardBlocked, split: gatedForwardSplit, rows: gatedForwardRows },
    { shared: lstmBackward, blocked: gatedBackwardBlocked, split: gatedBackwardSplit, rows: gatedBackwardRows },
    { c_stride: 'u32', c_off: 'u32' },
    { c_stride: 'u32', c_off: 'u32', carry_off: 'u32' },
  ),
  // hn_off: W_hn h_{t-1} + b_hn in gates; in_off: δ_in and carry_off: the z ⊙ dh carry in delta.
  gru: cellKernels(
    'gru',
    { shared: gruForward, blocked: gatedForwardBlocked, split: gatedForwardSplit, rows: gatedForwardRows },
    { shared: gruBackward, blocked: gatedBackwardBlocked, split: gatedBackwardSplit, rows: gatedBackwardRows },
    { hn_off: 'u32' },
    { hn_off: 'u32', in_off: 'u32', carry_off: 'u32' },
  ),
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
    readonly gates: Tensor, // [T·B, D·G·H]: an RNN's pre-activations a_t (its one gate), an LSTM's activated i, f, g, o, a GRU's r, z, n (then W_hn h_{t-1} + b_hn [T·B, D·H] from hnOff)
    readonly output: Tensor, // view of the h sequence rows 1..T, or with lengths its masked copy
    readonly hnOff: number,
    readonly masked: boolean, // run with lengths (copied into seq after its sequences)
  ) {}
  release(): void {
    this.seq.release();
    this.gates.release();
    if (this.masked) this.output.release();
  }
}

export function recurrentLayerForward(
  gpu: WebGpuBackend,
  x: Tensor,
  w: RecurrentWeights,
  config: RecurrentConfig,
  init: LayerStates,
  final: FinalStates,
  lengths?: Tensor,
): RecurrentLayerCache {
  const G = gatesOf(config.cell);
  const dims = recurrentChecks(
    x,
    w,
    config.D,
    config.H,
    G,
    { h0: init.h, c0: init.c, hN: final.h, cN: final.c },
    gpu.maxTensorElements,
  );
  lengthsTensorCheck(lengths, dims.B);
  const lstm = config.cell === 'lstm';
  const gru = config.cell === 'gru';
  const { T, B, I, H, D } = dims;
  const DH = D * H;
  // An LSTM's h and c blocks share one binding: c sits c_stride elements after h, alike in init and final.
  const cStride = lstm ? pairedStride('final', final) : 0;
  if (lstm && init.h && pairedStride('init', init) !== cStride) {
    throw new ValueError(
      'init.c',
      `the same h-to-c distance as final (${cStride})`,
      String(init.c!.offset - init.h.offset),
    );
  }
  if (init.h) gpu.checkNoAlias(final.h.tensor, 'final', { init: init.h.tensor });
  // Input projection for all steps, all gates and both directions: ONE matmul, b_ih in its epilogue.
  const proj = gpu.matmul(x.view([T * B, I]), w.wih, { transB: true, bias: w.bih });
  // Padded sequences (see rnn_forward.wgsl); the start is padded so the output view is bindable.
  const align = gpu.limits.minStorageBufferOffsetAlignment / 4;
  const pad = (align - ((B * DH) % align)) % align;
  const seqLen = (T + 2) * B * DH;
  // With lengths, the [B] lengths follow the sequences (row_length() in the kernels): no extra binding.
  const lengthsOff = pad + (lstm ? 2 : 1) * seqLen;
  const seq = gpu.empty(
    [lengthsOff + (lengths ? B : 0)],
    lstm ? 'lstm h and c sequences' : `${config.cell} h sequence`,
  );
  if (lengths) gpu.copy(lengths, seq, lengthsOff);
  const cOff = pad + seqLen;
  // A GRU keeps W_hn h_{t-1} + b_hn [T·B, D·H] after its gates (its backward pass needs it for dr).
  const hnOff = T * B * D * G * H;
  const gates = gpu.empty(
    gru ? [hnOff + T * B * DH] : [T * B, D * G * H],
    lstm ? 'lstm gates' : gru ? 'gru gates' : 'rnn pre-activations',
  );
  const shared = {
    T,
    B,
    H,
    D,
    init_off: init.h?.offset ?? 0,
    final_off: final.h.offset,
    has_init: init.h ? 1 : 0,
    h_off: pad,
  };
  const cellFields: Record<string, number> = lstm
    ? { c_stride: cStride, c_off: cOff }
    : gru
      ? { hn_off: hnOff }
      : { act_param: config.activation.param };
  const bindings = (whh: GPUBufferBinding) => ({
    proj: gpu.binding(proj, 'proj'),
    whh,
    bhh: w.bhh ? gpu.binding(w.bhh, 'bias_hh') : gpu.unusedRead,
    init: init.h ? gpu.binding(init.h.tensor, 'init') : gpu.unusedRead,
    seq: gpu.binding(seq, 'sequence'),
    gates: gpu.binding(gates, 'gates'),
    fin: gpu.binding(final.h.tensor, 'final'),
  });
  // The masked kernels are a separate pipeline (MASKED), compiled only when lengths are given.
  const extra: Constants = lengths ? { HAS_BIAS: !!w.bhh, MASKED: true } : { HAS_BIAS: !!w.bhh };
  timeLoop(
    gpu,
    'forward',
    RECURRENT_KERNELS[config.cell].forward,
    config,
    dims,
    extra,
    (s) => ({ ...shared, ...cellFields, s }),
    w.whh,
    bindings,
  );
  proj.release();
  // seq carries each row's state through the steps past its length (the kernels read h_{t-1} there);
  // the layer's output has them zeroed.
  const carried = gpu.viewAt(seq, pad + B * DH, [T, B, DH]);
  const output = lengths ? sequenceMask(gpu, carried, lengths) : carried;
  return new GpuRecurrentCache(x, w, config, dims, seq, pad, cOff, gates, output, hnOff, !!lengths);
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
  if (!(cache instanceof GpuRecurrentCache))
    throw new ValueError('cache', 'the cache of a WebGPU recurrentLayerForward', String(cache));
  const { dims, config } = cache;
  const lstm = config.cell === 'lstm';
  const gru = config.cell === 'gru';
  const G = gatesOf(config.cell);
  const { T, B, I, H, D } = dims;
  const DH = D * H;
  const GH = D * G * H;
  recurrentChecks(
    cache.x,
    grads,
    D,
    H,
    G,
    { dhN: dFinal.h, dcN: dFinal.c, dh0: dInit.h, dc0: dInit.c },
    gpu.maxTensorElements,
  );
  expectShape('dOut', dOut.shape, [T, B, DH]);
  const cStride = lstm ? pairedStride('dInit', dInit) : 0;
  if (lstm && dFinal.h && pairedStride('dFinal', dFinal) !== cStride) {
    throw new ValueError(
      'dFinal.c',
      `the same h-to-c distance as dInit (${cStride})`,
      String(dFinal.c!.offset - dFinal.h.offset),
    );
  }
  if (dFinal.h) gpu.checkNoAlias(dInit.h.tensor, 'dInit', { dFinal: dFinal.h.tensor });
  // δ for all steps [T·B, D·G·H]; an LSTM keeps its carried dc·f [D, B, H] after it. A GRU's δ is the
  // hidden side δ_hh, then its input side δ_in (they differ in the n rows) and the carried z ⊙ dh [D, B, H].
  const align = gpu.limits.minStorageBufferOffsetAlignment / 4;
  const inOff = gru ? Math.ceil((T * B * GH) / align) * align : T * B * GH; // δ_in is bound by the matmuls: aligned
  const carryOff = gru ? inOff + T * B * GH : inOff;
  const delta = gpu.empty([carryOff + (config.cell === 'rnn' ? 0 : D * B * H)], 'recurrent delta');
  const deltaMat = config.cell === 'rnn' ? delta.view([T * B, GH]) : gpu.viewAt(delta, 0, [T * B, GH]);
  const deltaIn = gru ? gpu.viewAt(delta, inOff, [T * B, GH]) : deltaMat; // the input side's δ
  if (dhRecord) expectShape('dhRecord', dhRecord.shape, [T, B, DH]);
  const shared = {
    T,
    B,
    H,
    D,
    dfinal_off: dFinal.h?.offset ?? 0,
    dinit_off: dInit.h.offset,
    has_dfinal: dFinal.h ? 1 : 0,
    h_off: cache.pad,
  };
  const cellFields: Record<string, number> = lstm
    ? { c_stride: cStride, c_off: cache.cOff, carry_off: carryOff }
    : gru
      ? { hn_off: cache.hnOff, in_off: inOff, carry_off: carryOff }
      : { act_param: config.activation.param };
  const bindings = (whh: GPUBufferBinding) => ({
    dout: gpu.binding(dOut, 'dOut'),
    whh,
    gates: gpu.binding(cache.gates, 'gates'),
    seq: gpu.binding(cache.seq, 'sequence'),
    dfin: dFinal.h ? gpu.binding(dFinal.h.tensor, 'dFinal') : gpu.unusedRead,
    delta: gpu.binding(delta, 'delta'),
    dinit: gpu.binding(dInit.h.tensor, 'dInit'),
    dh_rec: dhRecord ? gpu.binding(dhRecord, 'dhRecord') : gpu.unusedWrite,
  });
  const extra: Constants = cache.masked ? { RECORD: !!dhRecord, MASKED: true } : { RECORD: !!dhRecord };
  timeLoop(
    gpu,
    'backward',
    RECURRENT_KERNELS[config.cell].backward,
    config,
    dims,
    extra,
    (s) => ({ ...shared, ...cellFields, s }),
    cache.w.whh,
    bindings,
  );

  // Shared weights: each gradient is ONE matmul / reduction over all T·B rows of δ.
  gpu.matmul(deltaIn, cache.x.view([T * B, I]), { transA: true, out: grads.wih, beta: 1 }); // dW_ih += δ_inᵀ X, both directions
  for (let d = 0; d < D; d++) {
    // dW_hh[d] += δ[:, d]ᵀ · h_prev[d]; h_prev is the h sequence shifted by one step (two rows for d = 1).
    gpu.gemm({
      a: deltaMat,
      b: cache.seq,
      out: grads.whh,
      M: G * H,
      N: H,
      K: T * B,
      transA: true,
      lda: GH,
      offsetA: d * G * H,
      ldb: DH,
      offsetB: cache.pad + (d === 0 ? 0 : 2) * B * DH + d * H,
      ldc: H,
      offsetOut: d * G * H * H,
      beta: 1,
    });
  }
  if (grads.bih) gpu.sumAxis(deltaIn, 0, { out: grads.bih, beta: 1 });
  if (grads.bhh) gpu.sumAxis(deltaMat, 0, { out: grads.bhh, beta: 1 });
  let dx: Tensor | null = null;
  if (inputGrad) {
    dx = gpu.empty([T, B, I], 'recurrent dInput');
    gpu.gemm({ a: deltaIn, b: cache.w.wih, out: dx, M: T * B, N: I, K: GH }); // Σ_d δ_d W_ih[d]
  }
  delta.release();
  return dx;
}

/**
 * Records a recurrent layer's time loop with the backend's kernel variant: one dispatch per step (T
 * forward, T + 1 backward: the last writes the initial-state gradients), or the persistent kernel once.
 * W_hh is bound here as the kernel reads it (`bindings` receives its binding): as stored, or transposed
 * to [D, H, G·H] by one dispatch.
 */
function timeLoop<S extends string>(
  gpu: WebGpuBackend,
  pass: 'forward' | 'backward',
  kernels: PassKernels<S>,
  config: RecurrentConfig,
  dims: RnnLayerDims,
  extra: Constants,
  params: (s: number) => Record<string, number>,
  whh: Tensor,
  bindings: (whh: GPUBufferBinding) => Record<S, GPUBufferBinding>,
): void {
  const { persistent, kernel: shape } = recurrentPlan(gpu, config, dims);
  const spec = kernels[shape];
  const { D, B, H } = dims;
  const G = gatesOf(config.cell);
  const constants: Constants = { ...extra, ...kernelShape(gpu, pass, config, dims, shape) };
  if (config.cell === 'rnn') constants.ACT = ACTIVATION_IDS[config.activation.name];
  // The blocked and rows kernels read W_hh transposed going forward (neighbouring units contiguous), the
  // split kernels going backward (the summed index contiguous); each kernel's header says so.
  const split = shape === 'split_step' || shape === 'split_subgroup_step';
  const transposed = (pass === 'forward') !== split;
  const w = transposed ? gpu.transpose01(whh.view([D, G * H, H, 1])) : whh;
  const all = bindings(gpu.binding(w, 'weight_hh'));
  if (persistent) {
    gpu.dispatch(spec, constants, params(0), all, [1]);
  } else {
    const groups = split
      ? D * Math.ceil(B / (constants.BR as number)) * Math.ceil(H / (constants.U as number))
      : Math.ceil(recurrentInvocations(config, dims) / RNN_STEP_WG);
    // Split tiles fold into a 2-D grid past the per-dimension limit (the kernel reads the tile as x + y·groups.x).
    const maxDim = gpu.limits.maxComputeWorkgroupsPerDimension;
    const grid: [number, number] = [Math.min(groups, maxDim), Math.ceil(groups / maxDim)];
    const steps = pass === 'forward' ? dims.T : dims.T + 1;
    for (let s = 0; s < steps; s++) gpu.dispatch(spec, constants, params(s), all, grid);
  }
  if (transposed) w.release();
}

/** Which kernel shape a recurrent layer of these sizes runs with the backend's variant, and on which path. */
export function recurrentPlan(
  gpu: WebGpuBackend,
  config: RecurrentConfig,
  dims: Pick<RnnLayerDims, 'B' | 'D' | 'H'>,
): { variant: RecurrentVariant; persistent: boolean; kernel: RecurrentKernel } {
  const variant = gpu.recurrentVariant;
  const persistent = usePersistent(gpu, config, dims);
  const shape: RecurrentKernel = persistent
    ? variant === 'blocked'
      ? 'sequence'
      : 'rows_sequence'
    : variant === 'blocked'
      ? 'step'
      : variant === 'split'
        ? 'split_step'
        : 'split_subgroup_step';
  return { variant, persistent, kernel: shape };
}

/** The shape constants of a recurrent kernel: workgroup size and its blocking or tiling. */
function kernelShape(
  gpu: WebGpuBackend,
  pass: 'forward' | 'backward',
  config: RecurrentConfig,
  dims: RnnLayerDims,
  shape: RecurrentKernel,
): Constants {
  const G = gatesOf(config.cell);
  if (shape === 'step') return { WG: RNN_STEP_WG, BB: batchBlock(config, dims.B) };
  if (shape === 'sequence') return { WG: sequenceWorkgroup(config, dims), BB: batchBlock(config, dims.B) };
  if (shape === 'rows_sequence') {
    const units = dims.D * dims.B * dims.H;
    // One invocation per output: gate rows forward, units backward.
    const outputs = pass === 'forward' ? G * units : units;
    const wg = Math.min(
      ROWS_MAX_WG,
      gpu.limits.maxComputeInvocationsPerWorkgroup,
      gpu.limits.maxComputeWorkgroupSizeX,
      Math.max(32, 2 ** Math.ceil(Math.log2(outputs))),
    );
    return config.cell === 'rnn' ? { WG: wg, UNITS: units } : { WG: wg, UNITS: units, ROWS: G * units };
  }
  // Split tiles: BR batch rows × U units, with BR·U (backward) or G·BR·U (forward) ≤ SPLIT_MAX_OUT outputs
  // (BR ≤ 4, so U = ⌊SPLIT_MAX_OUT / 4G⌋ going forward: 1 for an LSTM or a GRU).
  const BR = dims.B >= 4 ? 4 : dims.B >= 2 ? 2 : 1;
  const U = pass === 'forward' ? Math.floor(SPLIT_MAX_OUT / (4 * G)) : SPLIT_MAX_OUT / 4;
  return { WG: SPLIT_WG, BR, U };
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

/**
 * The persistent path: forced by config.path, or (auto) while a step's work is under this adapter
 * class's threshold. The GPU-shaped persistent kernel keeps a step's rows in workgroup memory: a size
 * that does not fit is refused when forced and never chosen by auto.
 */
function usePersistent(
  gpu: WebGpuBackend,
  config: RecurrentConfig,
  dims: Pick<RnnLayerDims, 'B' | 'D' | 'H'>,
): boolean {
  const path = config.path ?? 'auto';
  if (path !== 'auto' && path !== 'step' && path !== 'persistent')
    throw new ValueError('path', "'auto', 'step' or 'persistent'", JSON.stringify(path));
  if (path === 'step') return false;
  const G = gatesOf(config.cell);
  const variant = gpu.recurrentVariant;
  // Workgroup memory of the rows kernels: h_{t-1} (or δ) and, for an LSTM or GRU going forward, the gate rows.
  const staged = variant === 'blocked' ? 0 : 4 * dims.D * dims.B * dims.H * (config.cell === 'rnn' ? 1 : 1 + G);
  const limit = gpu.limits.maxComputeWorkgroupStorageSize;
  if (path === 'persistent') {
    if (staged > limit) {
      throw new ValueError(
        'path',
        `a layer whose step fits one workgroup's memory for the persistent '${variant}' kernel (${limit} bytes)`,
        `'persistent' with D·B·H = ${dims.D * dims.B * dims.H} (${staged} bytes)`,
      );
    }
    return true;
  }
  const work = dims.D * dims.B * G * dims.H * dims.H;
  return staged <= limit && work <= PERSISTENT_MAX_WORK[gpu.adapter.software ? 'software' : 'gpu'];
}

/**
 * Batch rows per invocation of the register-blocked recurrent kernels: up to 4 for the RNN (4 vec4
 * accumulators), up to 2 for the LSTM (4 gates × 2 rows = 8, as many as matmul_blocked keeps) and the GRU (3 × 2).
 */
function batchBlock(config: RecurrentConfig, B: number): number {
  const max = config.cell === 'rnn' ? 4 : 2;
  return Math.min(max, B >= 4 ? 4 : B >= 2 ? 2 : 1);
}

/** An LSTM's c slice sits in h's tensor, after it: the distance from h to c. */
function pairedStride(argument: string, st: LayerStates): number {
  if (!st.h || !st.c)
    throw new ValueError(
      `${argument}`,
      'both h and c slices for an LSTM, or neither',
      `${st.h ? 'h' : 'no h'} and ${st.c ? 'c' : 'no c'}`,
    );
  if (st.c.tensor !== st.h.tensor || st.c.offset <= st.h.offset) {
    throw new ValueError(
      `${argument}.c`,
      'a slice of the same tensor as h, after it (the GPU binds both as one buffer)',
      'another tensor or an earlier offset',
    );
  }
  return st.c.offset - st.h.offset;
}
