// The one interface both backends implement: webgpu (WGSL kernels) and cpu (the f64 reference).
import type { Activation } from './ops/activation/spec.js';
import type { Tensor } from './core/tensor.js';
import type { AdapterSummary, BackendKind, Counters, DeviceBase } from './core/device.js';
import type { OpMethods } from './ops/index.js';

export type { AdapterSummary, BackendKind, Counters };

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
