// The one interface both backends implement: webgpu (WGSL kernels) and cpu (the f64 reference).
import type { Activation, ActivationLike } from './activation.js';
import type { Tensor } from './core/tensor.js';
import type { DropoutConfig } from './cpu/dropout.js';
import type { SampleConfig, SampleRows } from './ops/sample/spec.js';
import type { AdapterSummary, BackendKind, Counters, DeviceBase } from './core/device.js';
import type { OpMethods } from './ops/index.js';

export type { AdapterSummary, BackendKind, Counters };
export type { DropoutConfig, SampleConfig, SampleRows };

export interface MatmulOptions {
  /** A is stored [K, M] and used transposed. */
  transA?: boolean;
  /** B is stored [N, K] and used transposed. */
  transB?: boolean;
  /** Scale of the product (default 1). */
  alpha?: number;
  /** Scale of the existing `out` added to the result (default 0: `out` is not read). */
  beta?: number;
  /** [N], added to every row. */
  bias?: Tensor;
  /** Applied last (default identity). */
  activation?: ActivationLike;
  /** [M, N] tensor to write into (required when beta ≠ 0). */
  out?: Tensor;
}

/** A strided matrix product on blocks of larger tensors (BLAS gemm): out = act(α·op(A)·op(B) + β·out + bias). */
export interface GemmArgs {
  a: Tensor;
  b: Tensor;
  out: Tensor;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  /** Row strides as stored; default: packed. */
  lda?: number;
  ldb?: number;
  ldc?: number;
  /** Element offsets of each block's first element; default 0. */
  offsetA?: number;
  offsetB?: number;
  offsetOut?: number;
  alpha?: number;
  beta?: number;
  bias?: Tensor;
  activation?: ActivationLike;
}

export interface SumAxisOptions {
  /** Tensor to write into; with beta ≠ 0 the sum is added to β·out (gradient accumulation). */
  out?: Tensor;
  beta?: number;
  /** Sum the squares of the elements. */
  square?: boolean;
}

/** One recurrent layer's weights, both directions packed: wih [D·G·H, I], whh [D·G·H, H], bih / bhh [D·G·H]. */
export interface RecurrentWeights {
  wih: Tensor;
  whh: Tensor;
  bih?: Tensor;
  bhh?: Tensor;
}

/** A layer's [D, B, H] block of a [L·D, B, H] state tensor (h0, hN, dh0, dhN), at an element offset. */
export interface StateSlice {
  tensor: Tensor;
  offset: number;
}

export type CellKind = 'rnn' | 'lstm' | 'gru';

export interface RecurrentConfig {
  /** 'rnn': h_t = f(a_t) with `activation`; 'lstm': PyTorch's LSTM cell (gates i, f, g, o; G = 4); 'gru': PyTorch's GRU cell (gates r, z, n; G = 3). */
  cell: CellKind;
  D: 1 | 2;
  H: number;
  activation: Activation;
  /**
   * 'step': one dispatch per time step; 'persistent': the whole time loop in one dispatch (one
   * workgroup); 'auto' (default): persistent when D·B·H is small enough for one workgroup to win.
   */
  path?: 'auto' | 'step' | 'persistent';
}

/**
 * A layer's states (initial or final, or their gradients): h, and c for an LSTM. On the GPU an LSTM's
 * c must be in the same tensor as h, after it (one binding holds both).
 */
export interface LayerStates {
  h: StateSlice | null;
  c?: StateSlice | null;
}

export interface FinalStates {
  h: StateSlice;
  c?: StateSlice;
}

/** What a recurrent layer's forward keeps for its backward; `output` is [T, B, D·H]. */
export interface RecurrentLayerCache {
  readonly output: Tensor;
  release(): void;
}

/** A context from createContext(): tensors (DeviceBase) and every op's methods (src/ops/index.ts). */
export interface Backend extends DeviceBase, OpMethods {
  /** out [M, N] = act(α·op(A)·op(B) + β·out + bias). */
  matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor;
  /** The same kernel on strided blocks, written into args.out. */
  gemm(args: GemmArgs): void;
  /** h = f(a), elementwise. */
  activation(a: Tensor, activation: ActivationLike): Tensor;
  /** dA = f'(a) ⊙ dH, where h = f(a). */
  activationBackward(a: Tensor, h: Tensor, dh: Tensor, activation: ActivationLike): Tensor;
  /** Sum of a matrix [R, C] along axis 0 (→ [C]) or 1 (→ [R]). */
  sumAxis(x: Tensor, axis: 0 | 1, options?: SumAxisOptions): Tensor;
  /** Σ over all tensors of x², as a [1] tensor (deterministic two-stage reduction on the GPU). */
  sumSquares(ts: readonly Tensor[]): Tensor;
  /** scale · Σ x as a [1] tensor (the same deterministic reduction). */
  sum(x: Tensor, scale?: number): Tensor;

  /** Swaps two axes: [A, B, C] → [B, A, C] (batch-first ⇄ time-major); with a leading batch axis [N, A, B, C] → [N, B, A, C]. */
  transpose01(x: Tensor): Tensor;
  /** Merges the directions of a bidirectional output x [T, B, 2H] → [T, B, H] ('sum' | 'mul' | 'ave'). */
  bidirMerge(x: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor;
  /** Gradient of bidirMerge: dY [T, B, H] → dX [T, B, 2H]. */
  bidirMergeBackward(x: Tensor, dy: Tensor, mode: 'sum' | 'mul' | 'ave'): Tensor;

  /**
   * Inverted dropout (torch.nn.Dropout in training): y = x ⊙ mask / (1 − p), the mask drawn from
   * Philox4x32-10 at (config.seed, config.stream, step, element index), the same on every adapter and
   * on the CPU. `step` [1] holds the step counter (opaque: made by zeros(), advanced only here) and
   * step + 1 is written into `nextStep` [1]; alternating the two between calls gives a fresh mask each
   * call with unchanging uniforms. dL/dx is the same call on dL/dy with the same two tensors.
   */
  dropout(x: Tensor, step: Tensor, nextStep: Tensor, config: DropoutConfig): Tensor;

  /**
   * torch.nn.Embedding's lookup: out [...ids, E] = rows of weight [V, E] picked by ids (f32 holding
   * integers in [0, V)). The CPU refuses a bad id (ValueError naming it); on the GPU, where ids are not
   * read back, its row comes out NaN — upload ids through fit / predict / generate, which check them.
   */
  embedding(weight: Tensor, ids: Tensor): Tensor;
  /**
   * ACCUMULATES the gradient of embedding(): dWeight [V, E] += Σ over the ids equal to each row of the
   * rows of dOut [...ids, E], deterministically (no float atomics); row paddingIdx (null: none) gets nothing.
   */
  embeddingBackward(ids: Tensor, dOut: Tensor, dWeight: Tensor, paddingIdx: number | null): void;

  /**
   * x [T, B, C] ([B, T, C] with batchFirst) with the steps past each row's length zeroed: y[t, b, :] = 0
   * for t ≥ lengths[b] (lengths [B], f32 integers 1 ≤ len ≤ T; the CPU checks them, the GPU trusts the
   * caller's checkLengths).
   */
  sequenceMask(x: Tensor, lengths: Tensor, batchFirst?: boolean): Tensor;

  /**
   * One recurrent layer (Elman RNN or LSTM) over a sequence x [T, B, I], both directions: writes the
   * layer's final states into `final`; a null initial state means zeros. With `lengths` [B] (f32
   * integers 1 ≤ len[b] ≤ T, checked by the caller: see checkLengths) each row runs only its first
   * len[b] steps, as PyTorch's packed sequences: the output is 0 past them, the final states are those
   * of each row's last valid step (the backward direction starts there), and backward ignores dOut there.
   */
  recurrentLayerForward(
    x: Tensor,
    w: RecurrentWeights,
    config: RecurrentConfig,
    init: LayerStates,
    final: FinalStates,
    lengths?: Tensor,
  ): RecurrentLayerCache;
  /**
   * BPTT through the layer: dOut [T, B, D·H] (+ gradients of the final states) → ACCUMULATES parameter
   * gradients into `grads`, writes the initial states' gradients into dInit, returns dL/dx [T, B, I]
   * when inputGrad (else null).
   */
  recurrentLayerBackward(
    cache: RecurrentLayerCache,
    dOut: Tensor,
    dFinal: LayerStates,
    grads: RecurrentWeights,
    dInit: FinalStates,
    inputGrad: boolean,
    /** Shape [T, B, D·H]: receives dL/dh_t of every step (gradient-flow diagnostics). */
    dhRecord?: Tensor,
  ): Tensor | null;
}
