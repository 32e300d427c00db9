// Recurrent layers: what recurrentLayerForward / recurrentLayerBackward take and return, and their argument
// checks (shared by both sides). B batch, T steps, I input, H hidden, D directions, G gates per unit.
import type { Activation } from '../activation/spec.js';
import { checkAllocation, expectOptionalTensor, expectTensor } from '../../core/checks.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../../core/errors.js';
import { expectRank, expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

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

/** The library's cells (src/ops/recurrent/cells/). */
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

export interface RecurrentMethods {
  /**
   * One recurrent layer (Elman RNN, LSTM or GRU) over a sequence x [T, B, I], both directions: writes the
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

export interface RnnLayerDims {
  T: number;
  B: number;
  I: number;
  H: number;
  D: 1 | 2;
}

/**
 * Shapes of one recurrent layer's call; G gates per unit (1 RNN, 4 LSTM). Also refuses a sequence whose
 * largest per-layer buffer would not fit in `maxElements`: δ or the gates for all steps [T·B, D·G·H]
 * (+ an LSTM's carried [D, B, H]), or the padded h and c sequences 2·(T+2)·B·D·H (+ < 64 padding).
 */
export function recurrentChecks(
  x: Tensor,
  w: RecurrentWeights,
  D: number,
  H: number,
  G: number,
  slices: Record<string, StateSlice | null | undefined>,
  maxElements: number,
): RnnLayerDims {
  expectTensor('x', x);
  for (const [name, t] of [
    ['weight_ih', w?.wih],
    ['weight_hh', w?.whh],
  ] as const)
    expectTensor(name, t);
  for (const [name, t] of [
    ['bias_ih', w.bih],
    ['bias_hh', w.bhh],
  ] as const)
    expectOptionalTensor(name, t);
  for (const [name, slice] of Object.entries(slices)) if (slice) expectTensor(`${name}.tensor`, slice.tensor);
  expectRank('x', x.shape, 3);
  const [T, B, I] = x.shape;
  if (D !== 1 && D !== 2) throw new ValueError('D', '1 or 2 directions', describeValue(D));
  const largest = Math.max(T * B * D * G * H + D * B * H, 2 * (T + 2) * B * D * H + 64);
  checkAllocation(
    'x',
    largest,
    maxElements,
    "the backend's maxTensorElements",
    `${describeShape(x.shape)}, whose buffers for ${D}·${G}·${H} units need ${largest}`,
  );
  expectShape('weight_ih', w.wih.shape, [D * G * H, I]);
  expectShape('weight_hh', w.whh.shape, [D * G * H, H]);
  if (w.bih) expectShape('bias_ih', w.bih.shape, [D * G * H]);
  if (w.bhh) expectShape('bias_hh', w.bhh.shape, [D * G * H]);
  for (const [name, slice] of Object.entries(slices)) {
    if (!slice) continue;
    if (!Number.isInteger(slice.offset) || slice.offset < 0 || slice.offset + D * B * H > slice.tensor.size) {
      throw new ShapeError(
        name,
        `room for a [${D}, ${B}, ${H}] block at element ${slice.offset}`,
        `${describeShape(slice.tensor.shape)}`,
      );
    }
  }
  return { T, B, I, H, D: D as 1 | 2 };
}
