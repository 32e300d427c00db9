// The one interface both backends implement: webgpu (WGSL kernels) and cpu (the f64 reference).
import type { ActivationLike } from './activation.js';
import type { Tensor } from './core/tensor.js';
import type { Reduction } from './cpu/mse.js';
import type { SgdHyper } from './cpu/sgd.js';
import type { AdamHyper } from './cpu/adam.js';
import type { RmspropHyper } from './cpu/rmsprop.js';
import type { CrossEntropyOptions } from './cpu/cross_entropy.js';
import type { DropoutConfig } from './cpu/dropout.js';
import type { SampleConfig, SampleRows } from './ops/sample/spec.js';
import type {
  CellKind,
  FinalStates,
  LayerStates,
  RecurrentConfig,
  RecurrentLayerCache,
  RecurrentWeights,
  StateSlice,
} from './ops/recurrent/spec.js';
import type { AdapterSummary, BackendKind, Counters, DeviceBase } from './core/device.js';
import type { OpMethods } from './ops/index.js';

export type { AdapterSummary, BackendKind, Counters };
export type {
  Reduction,
  SgdHyper,
  AdamHyper,
  RmspropHyper,
  CrossEntropyOptions,
  DropoutConfig,
  SampleConfig,
  SampleRows,
  CellKind,
  FinalStates,
  LayerStates,
  RecurrentConfig,
  RecurrentLayerCache,
  RecurrentWeights,
  StateSlice,
};

/** torch.nn.BCEWithLogitsLoss's keyword options. */
export interface BceWithLogitsOptions {
  /** [C], weighs the positive term of class c (the logits' last axis): > 1 raises recall, as torch's pos_weight. */
  posWeight?: Tensor;
}

/** torch.nn.HuberLoss's keyword options. */
export interface HuberOptions {
  /** Where the loss turns from quadratic to linear; > 0, default 1. */
  delta?: number;
}

/** torch.nn.SmoothL1Loss's keyword options. */
export interface SmoothL1Options {
  /** Where the loss turns from quadratic to linear; ≥ 0 (0: L1Loss), default 1. */
  beta?: number;
}

/** A loss value ([1]) and the gradient of the loss with respect to the prediction (shape of the prediction). */
export interface LossResult {
  loss: Tensor;
  grad: Tensor;
}

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

/** Per-step losses of a batch of variable-length sequences: which steps count. */
export interface StepMask {
  /** [B] lengths (f32 integers 1 ≤ len ≤ T, checked by the caller: see checkLengths). */
  lengths: Tensor;
  /** Σ_b lengths[b]: the valid (step, row) pairs. */
  count: number;
  /** The sequences are [B, T, ·] (else [T, B, ·]). */
  batchFirst: boolean;
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

  /**
   * Mean squared error of y against target (same shape) and dLoss/dy. With `steps`, y is a batch of
   * sequences [T, B, C] ([B, T, C] batch-first) and the steps past each row's length count for nothing
   * (no loss, zero gradient); 'mean' divides by the valid elements, steps.count·C.
   */
  mse(y: Tensor, target: Tensor, reduction: Reduction, steps?: StepMask): LossResult;
  /**
   * Mean absolute error (torch.nn.L1Loss) of y against target (same shape) and dLoss/dy (sign(y − target), 0 at a tie).
   * `steps` as for mse: the padding counts for nothing, whatever it holds; 'mean' over the valid elements.
   */
  l1(y: Tensor, target: Tensor, reduction: Reduction, steps?: StepMask): LossResult;
  /** torch.nn.HuberLoss: 0.5·d² where |d| < delta, else delta·(|d| − 0.5·delta); options.delta > 0 (default 1). `steps` as for l1. */
  huber(y: Tensor, target: Tensor, reduction: Reduction, options?: HuberOptions, steps?: StepMask): LossResult;
  /** torch.nn.SmoothL1Loss: 0.5·d²/beta where |d| < beta, else |d| − 0.5·beta (HuberLoss / beta); options.beta ≥ 0 (default 1; 0 is L1). `steps` as for l1. */
  smoothL1(y: Tensor, target: Tensor, reduction: Reduction, options?: SmoothL1Options, steps?: StepMask): LossResult;
  /**
   * torch.nn.BCEWithLogitsLoss of logits against targets of the same shape (probabilities, 0/1 for
   * multi-label classification) and dLoss/dlogits; stable for any finite logit. 'mean' is over all elements
   * (with `steps`, as for l1: over the valid steps' elements, the padding's logits and targets unread).
   */
  bceWithLogits(
    logits: Tensor,
    targets: Tensor,
    reduction: Reduction,
    options?: BceWithLogitsOptions,
    steps?: StepMask,
  ): LossResult;
  /**
   * Softmax cross-entropy of logits [B, C] against class indices [B] and dLoss/dlogits
   * (torch.nn.CrossEntropyLoss with ignoreIndex and labelSmoothing). With `steps` the B = T·B' rows are a
   * batch of sequences (time-major, or batch-first) and the rows past each sequence's length count for
   * nothing, whatever their targets; 'mean' divides by the valid rows (not ignored).
   */
  crossEntropy(
    logits: Tensor,
    targets: Tensor,
    reduction: Reduction,
    options?: CrossEntropyOptions,
    steps?: StepMask,
  ): LossResult;

  /**
   * In-place SGD update. gscale [4] = (pre-clip norm, clip coefficient, skip flag, loss) from gradNorm
   * (skip ≠ 0 leaves everything unchanged); step [1] counts the updates done so far; lr [1] is the
   * learning rate, a tensor so that a schedule can rewrite it between steps without new uniforms.
   */
  sgdStep(
    param: Tensor,
    grad: Tensor,
    momentumBuf: Tensor,
    gscale: Tensor,
    step: Tensor,
    lr: Tensor,
    hyper: SgdHyper,
  ): void;
  /** In-place Adam / AdamW update, same conventions as sgdStep. */
  adamStep(
    param: Tensor,
    grad: Tensor,
    m: Tensor,
    v: Tensor,
    gscale: Tensor,
    step: Tensor,
    lr: Tensor,
    hyper: AdamHyper,
  ): void;
  /**
   * In-place RMSprop update (torch.optim.RMSprop), gscale and lr as sgdStep. gradAvg is read and written
   * only when hyper.centered and momentumBuf only when hyper.momentum > 0: otherwise each may be a [1] placeholder.
   */
  rmspropStep(
    param: Tensor,
    grad: Tensor,
    squareAvg: Tensor,
    gradAvg: Tensor,
    momentumBuf: Tensor,
    gscale: Tensor,
    lr: Tensor,
    hyper: RmspropHyper,
  ): void;
  /** step[0] += 1 after an optimizer update, unless gscale's skip flag is set. */
  advanceStep(step: Tensor, gscale: Tensor): void;

  /**
   * Global norm of a flat gradient buffer and the clip coefficient, as gscale [4] = (norm, coef =
   * min(maxNorm / (norm + 1e-6), 1) as PyTorch, skip = 1 when the norm or the loss is not finite, loss).
   */
  gradNorm(grads: Tensor, maxNorm: number, normType: 2 | 'inf', loss: Tensor | null): Tensor;
  /** L2 norm of each (offset, length) segment of x; segments [count, 2] (per-parameter gradient norms). */
  segmentNorms(x: Tensor, segments: Tensor): Tensor;
  /** grad *= gscale[1] in place (PyTorch's clip_grad_norm_ scaling). */
  gradScale(grad: Tensor, gscale: Tensor): void;
  /** grad = clamp(grad, -clipValue, clipValue) in place. */
  gradClamp(grad: Tensor, clipValue: number): void;

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
}
