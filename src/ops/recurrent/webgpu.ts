// The recurrent time loop on the GPU, written once for every cell (cell.ts; the cells in cells/): the
// hoisted input projection (ONE matmul for all steps, gates and directions), the loop itself (one fused
// dispatch per step, or the persistent one-workgroup kernel, in the backend's kernel variant), and the
// weight gradients as one product each over all steps. A cell's kernels are its pass files (Params,
// bindings, fused epilogue) prepended to the bodies of each kernel shape (the gated bodies in this folder,
// the RNN's in its own), after the shared snippets (recurrent_steps.wgsl, the grid or split snippets).
// CPU twin: cpu.ts with the cells' CPU steps.
import activationFns from '../activation/activation_fns.wgsl?raw';
import recurrentSteps from './recurrent_steps.wgsl?raw';
import recurrentGrid from './recurrent_grid.wgsl?raw';
import recurrentSplitTree from './recurrent_split_tree.wgsl?raw';
import recurrentSplitSubgroup from './recurrent_split_subgroup.wgsl?raw';
import recurrentSplitTiles from './recurrent_split_tiles.wgsl?raw';
import { gemm, matmul } from '../matmul/webgpu.js';
import { sumAxis } from '../reduce/webgpu.js';
import { sequenceMask } from '../sequence_mask/webgpu.js';
import { transpose01 } from '../transpose01/webgpu.js';
import { lengthsTensorCheck } from '../../core/checks.js';
import type { GpuDevice, RecurrentVariant } from '../../core/device.js';
import { ValueError } from '../../core/errors.js';
import { kernel, type Constants, type KernelSpec, type ParamType } from '../../core/kernel.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';
import type { Cell, PassBodies, RecurrentOffsets } from './cell.js';
import { CELLS, cellOf } from './cells/index.js';
import {
  recurrentChecks,
  type FinalStates,
  type LayerStates,
  type RecurrentConfig,
  type RecurrentLayerCache,
  type RecurrentWeights,
  type RnnLayerDims,
} from './spec.js';

export type { RecurrentVariant };
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
/**
 * The largest recurrent work per step, D·B·G·H² multiply-adds, for which 'auto' picks the persistent
 * (one-workgroup) time loop, per adapter class: it saves a dispatch per step but runs on one workgroup,
 * so it wins only while a step is small. Software: measured on lavapipe (README, "Recurrent kernel
 * variants", the persistent-path table). GPU: a first estimate from an H100's dispatch cost and
 * one-workgroup matvec time (the same section), to be measured with scripts/gpu-probe.sh.
 */
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
// Storage buffers per kernel: at most 8, WebGPU's default maxStorageBuffersPerShaderStage (what many
// adapters give; test/kernel_specs.test.ts checks every kernel). The forward kernels bind 7, the backward
// ones all 8: a cell cannot add a binding, it lays its buffers out inside these (CellLayout: the LSTM's c in
// seq and init / final, the GRU's δ_in and carry in delta).
// whh is W_hh as the kernel reads it (each body's header says how): as stored or transposed to [D, H, G·H].
const FORWARD_STORAGE = {
  proj: 'read',
  whh: 'read',
  bhh: 'read',
  init: 'read',
  seq: 'read_write',
  gates: 'read_write',
  fin: 'read_write',
} as const; // 7 of 8
const BACKWARD_STORAGE = {
  dout: 'read',
  whh: 'read',
  gates: 'read',
  seq: 'read',
  dfin: 'read',
  delta: 'read_write',
  dinit: 'read_write',
  dh_rec: 'read_write',
} as const; // 8 of 8: none left

type PassKernels<S extends string> = Record<RecurrentKernel, KernelSpec<string, S>>;
interface CellKernels {
  forward: PassKernels<keyof typeof FORWARD_STORAGE>;
  backward: PassKernels<keyof typeof BACKWARD_STORAGE>;
}

/** A pass's kernels in every shape (`%` in `name` stands for it): the cell's pass file prepended to each body. */
function passKernels<S extends string>(
  name: string,
  shared: string,
  bodies: PassBodies,
  params: Record<string, ParamType>,
  storage: Record<S, 'read' | 'read_write'>,
): PassKernels<S> {
  const common = activationFns + recurrentSteps + shared;
  const named = (shape: RecurrentKernel, code: string, entry: string) =>
    kernel({ name: name.replace('%', shape), code, entry, params, storage });
  return {
    step: named('step', common + recurrentGrid + bodies.blocked, 'step'),
    sequence: named('sequence', common + recurrentGrid + bodies.blocked, 'sequence'),
    split_step: named('split_step', recurrentSplitTree + common + recurrentSplitTiles + bodies.split, 'step'),
    // `enable subgroups;` must open the module: the subgroup snippet goes first.
    split_subgroup_step: named(
      'split_subgroup_step',
      recurrentSplitSubgroup + common + recurrentSplitTiles + bodies.split,
      'step',
    ),
    rows_sequence: named('rows_sequence', common + bodies.rows, 'sequence'),
  };
}

const kernelCache = new WeakMap<Cell, CellKernels>();

/** A cell's kernels, forward and backward, each in every shape, named `<cell>_<shape>[_backward]`. */
export function cellKernels(cell: Cell): CellKernels {
  let k = kernelCache.get(cell);
  if (!k) {
    k = {
      forward: passKernels(
        `${cell.name}_%`,
        cell.wgsl.forward,
        cell.bodies.forward,
        { ...FORWARD_PARAMS, ...cell.params.forward },
        FORWARD_STORAGE,
      ),
      backward: passKernels(
        `${cell.name}_%_backward`,
        cell.wgsl.backward,
        cell.bodies.backward,
        { ...BACKWARD_PARAMS, ...cell.params.backward },
        BACKWARD_STORAGE,
      ),
    };
    kernelCache.set(cell, k);
  }
  return k;
}

/** The library cells' kernels. */
export const RECURRENT_KERNELS: readonly KernelSpec[] = Object.values(CELLS).flatMap((cell) => {
  const k = cellKernels(cell);
  return [...Object.values(k.forward), ...Object.values(k.backward)];
});

export class GpuRecurrentCache implements RecurrentLayerCache {
  constructor(
    readonly x: Tensor,
    readonly w: RecurrentWeights,
    readonly config: RecurrentConfig,
    readonly cell: Cell,
    readonly dims: RnnLayerDims,
    readonly seq: Tensor, // padded h sequence (and a cell state's c sequence from offsets.cOff)
    readonly pad: number,
    // [T·B, D·G·H] what the cell keeps (an RNN's a_t, an LSTM's activated i, f, g, o, a GRU's r, z, n), then its
    // extra blocks from offsets.extraOff
    readonly gates: Tensor,
    readonly offsets: Pick<RecurrentOffsets, 'cOff' | 'extraOff'>,
    readonly output: Tensor, // view of the h sequence rows 1..T, or with lengths its masked copy
    readonly masked: boolean, // run with lengths (copied into seq after its sequences)
  ) {}
  release(): void {
    this.seq.release();
    this.gates.release();
    if (this.masked) this.output.release();
  }
}

export function recurrentLayerForward(
  gpu: GpuDevice,
  x: Tensor,
  w: RecurrentWeights,
  config: RecurrentConfig,
  init: LayerStates,
  final: FinalStates,
  lengths?: Tensor,
): RecurrentLayerCache {
  const cell = cellOf(config.cell);
  const G = cell.G;
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
  const { cellState, extraRows } = cell.layout;
  const { T, B, I, H, D } = dims;
  const DH = D * H;
  // A cell state's h and c blocks share one binding: c sits c_stride elements after h, alike in init and final.
  const cStride = cellState ? pairedStride(cell, 'final', final) : 0;
  if (cellState && init.h && pairedStride(cell, 'init', init) !== cStride) {
    throw new ValueError(
      'init.c',
      `the same h-to-c distance as final (${cStride})`,
      String(init.c!.offset - init.h.offset),
    );
  }
  if (init.h) gpu.checkNoAlias(final.h.tensor, 'final', { init: init.h.tensor });
  // Input projection for all steps, all gates and both directions: ONE matmul, b_ih in its epilogue.
  const proj = matmul(gpu, x.view([T * B, I]), w.wih, { transB: true, bias: w.bih });
  // Padded sequences (see cell.ts, CellLayout); the start is padded so the output view is bindable.
  const align = gpu.limits.minStorageBufferOffsetAlignment / 4;
  const pad = (align - ((B * DH) % align)) % align;
  const seqLen = (T + 2) * B * DH;
  // With lengths, the [B] lengths follow the sequences (row_length() in the kernels): no extra binding.
  const lengthsOff = pad + (cellState ? 2 : 1) * seqLen;
  const seq = gpu.empty(
    [lengthsOff + (lengths ? B : 0)],
    `${cell.name} ${cellState ? 'h and c sequences' : 'h sequence'}`,
  );
  if (lengths) gpu.copy(lengths, seq, lengthsOff);
  const offsets = { cStride, cOff: pad + seqLen, extraOff: T * B * D * G * H, inOff: 0, carryOff: 0 };
  const gates = gpu.empty([offsets.extraOff + extraRows * T * B * DH], `${cell.name} gates`);
  const shared = {
    T,
    B,
    H,
    D,
    init_off: init.h?.offset ?? 0,
    final_off: final.h.offset,
    has_init: init.h ? 1 : 0,
    h_off: pad,
    ...cell.forwardParams(offsets, config),
  };
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
  timeLoop(gpu, 'forward', cell, cellKernels(cell).forward, config, dims, extra, shared, w.whh, bindings);
  proj.release();
  // seq carries each row's state through the steps past its length (the kernels read h_{t-1} there);
  // the layer's output has them zeroed.
  const carried = gpu.viewAt(seq, pad + B * DH, [T, B, DH]);
  const output = lengths ? sequenceMask(gpu, carried, lengths) : carried;
  return new GpuRecurrentCache(x, w, config, cell, dims, seq, pad, gates, offsets, output, !!lengths);
}

export function recurrentLayerBackward(
  gpu: GpuDevice,
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
  const { dims, config, cell } = cache;
  const { cellState, inputDelta, carry } = cell.layout;
  const G = cell.G;
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
  const cStride = cellState ? pairedStride(cell, 'dInit', dInit) : 0;
  if (cellState && dFinal.h && pairedStride(cell, 'dFinal', dFinal) !== cStride) {
    throw new ValueError(
      'dFinal.c',
      `the same h-to-c distance as dInit (${cStride})`,
      String(dFinal.c!.offset - dFinal.h.offset),
    );
  }
  if (dFinal.h) gpu.checkNoAlias(dInit.h.tensor, 'dInit', { dFinal: dFinal.h.tensor });
  // δ_hh for all steps [T·B, D·G·H], then the cell's δ_in (bound by the matmuls: aligned) and carry (cell.ts).
  const align = gpu.limits.minStorageBufferOffsetAlignment / 4;
  const inOff = inputDelta ? Math.ceil((T * B * GH) / align) * align : 0;
  const carryOff = (inputDelta ? inOff : 0) + T * B * GH;
  const size = carryOff + (carry ? D * B * H : 0);
  const delta = gpu.empty([size], 'recurrent delta');
  const deltaMat = size === T * B * GH ? delta.view([T * B, GH]) : gpu.viewAt(delta, 0, [T * B, GH]);
  const deltaIn = inputDelta ? gpu.viewAt(delta, inOff, [T * B, GH]) : deltaMat; // the input side's δ
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
    ...cell.backwardParams({ ...cache.offsets, cStride, inOff, carryOff }, config),
  };
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
  timeLoop(gpu, 'backward', cell, cellKernels(cell).backward, config, dims, extra, shared, cache.w.whh, bindings);

  // Shared weights: each gradient is ONE matmul / reduction over all T·B rows of δ.
  matmul(gpu, deltaIn, cache.x.view([T * B, I]), { transA: true, out: grads.wih, beta: 1 }); // dW_ih += δ_inᵀ X, both directions
  for (let d = 0; d < D; d++) {
    // dW_hh[d] += δ[:, d]ᵀ · h_prev[d]; h_prev is the h sequence shifted by one step (two rows for d = 1).
    gemm(gpu, {
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
  if (grads.bih) sumAxis(gpu, deltaIn, 0, { out: grads.bih, beta: 1 });
  if (grads.bhh) sumAxis(gpu, deltaMat, 0, { out: grads.bhh, beta: 1 });
  let dx: Tensor | null = null;
  if (inputGrad) {
    dx = gpu.empty([T, B, I], 'recurrent dInput');
    gemm(gpu, { a: deltaIn, b: cache.w.wih, out: dx, M: T * B, N: I, K: GH }); // Σ_d δ_d W_ih[d]
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
  gpu: GpuDevice,
  pass: 'forward' | 'backward',
  cell: Cell,
  kernels: PassKernels<S>,
  config: RecurrentConfig,
  dims: RnnLayerDims,
  extra: Constants,
  params: Record<string, number>,
  whh: Tensor,
  bindings: (whh: GPUBufferBinding) => Record<S, GPUBufferBinding>,
): void {
  const { persistent, kernel: shape } = planFor(gpu, cell, config, dims);
  const spec = kernels[shape];
  const { D, B, H } = dims;
  const constants: Constants = { ...extra, ...kernelShape(gpu, pass, cell, dims, shape), ...cell.constants(config) };
  // The blocked and rows kernels read W_hh transposed going forward (neighbouring units contiguous), the
  // split kernels going backward (the summed index contiguous); each kernel's header says so.
  const split = shape === 'split_step' || shape === 'split_subgroup_step';
  const transposed = (pass === 'forward') !== split;
  const w = transposed ? transpose01(gpu, whh.view([D, cell.G * H, H, 1])) : whh;
  const all = bindings(gpu.binding(w, 'weight_hh'));
  if (persistent) {
    gpu.dispatch(spec, constants, { ...params, s: 0 }, all, [1]);
  } else {
    const groups = split
      ? D * Math.ceil(B / (constants.BR as number)) * Math.ceil(H / (constants.U as number))
      : Math.ceil(blockedInvocations(cell, dims) / RNN_STEP_WG);
    // Split tiles fold into a 2-D grid past the per-dimension limit (the kernel reads the tile as x + y·groups.x).
    const maxDim = gpu.limits.maxComputeWorkgroupsPerDimension;
    const grid: [number, number] = [Math.min(groups, maxDim), Math.ceil(groups / maxDim)];
    const steps = pass === 'forward' ? dims.T : dims.T + 1;
    for (let s = 0; s < steps; s++) gpu.dispatch(spec, constants, { ...params, s }, all, grid);
  }
  if (transposed) w.release();
}

/** Which kernel shape a recurrent layer of these sizes runs with the backend's variant, and on which path. */
export function recurrentPlan(
  device: GpuDevice,
  config: RecurrentConfig,
  dims: Pick<RnnLayerDims, 'B' | 'D' | 'H'>,
): { variant: RecurrentVariant; persistent: boolean; kernel: RecurrentKernel } {
  return planFor(device, cellOf(config.cell), config, dims);
}

function planFor(
  gpu: GpuDevice,
  cell: Cell,
  config: RecurrentConfig,
  dims: Pick<RnnLayerDims, 'B' | 'D' | 'H'>,
): { variant: RecurrentVariant; persistent: boolean; kernel: RecurrentKernel } {
  const variant = gpu.recurrentVariant;
  const persistent = usePersistent(gpu, cell, config, dims);
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
  gpu: GpuDevice,
  pass: 'forward' | 'backward',
  cell: Cell,
  dims: RnnLayerDims,
  shape: RecurrentKernel,
): Constants {
  const G = cell.G;
  if (shape === 'step') return { WG: RNN_STEP_WG, BB: batchBlock(cell, dims.B) };
  if (shape === 'sequence') return { WG: sequenceWorkgroup(cell, dims), BB: batchBlock(cell, dims.B) };
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
    return cell.bodies.rowsConstant ? { WG: wg, UNITS: units, ROWS: G * units } : { WG: wg, UNITS: units };
  }
  // Split tiles: BR batch rows × U units, with BR·U (backward) or G·BR·U (forward) ≤ SPLIT_MAX_OUT outputs
  // (BR ≤ 4, so U = ⌊SPLIT_MAX_OUT / 4G⌋ going forward: 1 for an LSTM or a GRU).
  const BR = dims.B >= 4 ? 4 : dims.B >= 2 ? 2 : 1;
  const U = pass === 'forward' ? Math.floor(SPLIT_MAX_OUT / (4 * G)) : SPLIT_MAX_OUT / 4;
  return { WG: SPLIT_WG, BR, U };
}

/** Invocations of one blocked recurrent step: each takes BB batch rows × 4 units. */
function blockedInvocations(cell: Cell, dims: RnnLayerDims): number {
  return dims.D * Math.ceil(dims.B / batchBlock(cell, dims.B)) * Math.ceil(dims.H / 4);
}

/** The persistent kernel's workgroup: as many invocations as blocks (idle ones still pay at every barrier), 32 to 256. */
function sequenceWorkgroup(cell: Cell, dims: RnnLayerDims): number {
  const blocks = blockedInvocations(cell, dims);
  return Math.min(RNN_SEQUENCE_WG, Math.max(32, 2 ** Math.ceil(Math.log2(blocks))));
}

/**
 * The persistent path: forced by config.path, or (auto) while a step's work is under this adapter
 * class's threshold. The GPU-shaped persistent kernel keeps a step's rows in workgroup memory: a size
 * that does not fit is refused when forced and never chosen by auto.
 */
function usePersistent(
  gpu: GpuDevice,
  cell: Cell,
  config: RecurrentConfig,
  dims: Pick<RnnLayerDims, 'B' | 'D' | 'H'>,
): boolean {
  const path = config.path ?? 'auto';
  if (path !== 'auto' && path !== 'step' && path !== 'persistent')
    throw new ValueError('path', "'auto', 'step' or 'persistent'", JSON.stringify(path));
  if (path === 'step') return false;
  const G = cell.G;
  const variant = gpu.recurrentVariant;
  // Workgroup memory of the rows kernels: h_{t-1} (or δ) and, for the gated bodies going forward, the gate rows.
  const staged = variant === 'blocked' ? 0 : 4 * dims.D * dims.B * dims.H * cell.bodies.stagedPerUnit(G);
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

/** Batch rows per invocation of the register-blocked kernels: up to the bodies' maximum, 1, 2 or 4. */
function batchBlock(cell: Cell, B: number): number {
  return Math.min(cell.bodies.maxBatchBlock, B >= 4 ? 4 : B >= 2 ? 2 : 1);
}

/** A cell state's c slice sits in h's tensor, after it: the distance from h to c. */
function pairedStride(cell: Cell, argument: string, st: LayerStates): number {
  if (!st.h || !st.c)
    throw new ValueError(
      `${argument}`,
      `both h and c slices for an ${cell.name.toUpperCase()}, or neither`,
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
