// What a training step reports (Trainer.step, and each batch of fit through its onStep events).
import type { RecurrentState } from '../nn/layers.js';

/** What one step did, from its single readback. */
export interface StepResult {
  loss: number;
  /** The global gradient norm before clipping. */
  gradNorm: number;
  /** The gradients were scaled down (norm above clip.maxNorm). */
  clipped: boolean;
  /** The explosion guard skipped the update (non-finite loss or gradient norm): weights unchanged. */
  skipped: boolean;
  /** Per recurrent layer recording it (recordGradFlow), ‖dL/dh_t‖ for t = 0 … T-1. */
  gradFlow: number[][];
  /** With the paramNorms option: each parameter's gradient norm before clipping, by name. */
  paramNorms?: Record<string, number>;
}

/** A stateful step's result: its final states too, one per recurrent layer in layer order. */
export interface StatefulStepResult extends StepResult {
  states: RecurrentState[];
}
