// The one interface both backends implement: webgpu (WGSL kernels) and cpu (the f64 reference).
import type { Activation } from './ops/activation/spec.js';
import type { Tensor } from './core/tensor.js';
import type { Reduction } from './cpu/mse.js';
import type { SgdHyper } from './cpu/sgd.js';
import type { AdamHyper } from './cpu/adam.js';
import type { RmspropHyper } from './cpu/rmsprop.js';
import type { CrossEntropyOptions } from './cpu/cross_entropy.js';
import type { SampleConfig, SampleRows } from './ops/sample/spec.js';
import type { AdapterSummary, BackendKind, Counters, DeviceBase } from './core/device.js';
import type { OpMethods } from './ops/index.js';

export type { AdapterSummary, BackendKind, Counters };
export type { Reduction, SgdHyper, AdamHyper, RmspropHyper, CrossEntropyOptions, SampleConfig, SampleRows };

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
