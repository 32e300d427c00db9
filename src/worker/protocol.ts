// The messages between a TrainerWorker (the page) and serveTrainer (the worker). Everything in them is
// plain data, copied by structured clone; typed arrays' buffers are transferred where the sender no
// longer needs them.
import type { BackendKind, AdapterSummary } from '../core/device.js';
import type { LossConfig, LossName } from '../train/loss.js';
import type { Reduction } from '../ops/loss/spec.js';
import type { TrainableSpec } from '../nn/spec.js';
import type { OptimizerSpec } from '../train/spec.js';

/** What the worker builds: a model, its optimizer and the Trainer's options, all as data. */
export interface TrainerSpec<S extends TrainableSpec = TrainableSpec> {
  /** A Sequential ({ layers, … }) or a Seq2Seq ({ type: 'Seq2Seq', …Seq2SeqOptions }, trained on pairs with loss 'crossEntropy'). */
  model: S;
  optimizer: OptimizerSpec;
  /** As TrainerOptions: a loss name, or a name with options ({ name: 'smoothL1', beta: 0.5 }). */
  loss: LossName | LossConfig;
  reduction?: Reduction;
  clip?: { maxNorm: number; normType?: 2 | 'inf' };
  paramNorms?: boolean;
}

export type Method =
  | 'init'
  | 'reset'
  | 'fit'
  | 'evaluate'
  | 'predict'
  | 'generate'
  | 'decode'
  | 'step'
  | 'stateDict'
  | 'loadStateDict'
  | 'saveWeights'
  | 'loadWeights';

export type EventName = 'step' | 'epoch' | 'trainEnd' | 'tokens';

/** The id of the answer serveTrainer posts as soon as it listens: the worker runs the right script. */
export const READY = 0;

/**
 * To the worker: a call; Stop (the running fit ends after its step in progress); or `done`: the page's
 * callback for the last step, epoch or train-end event of call `done` has returned, and the fit, which
 * waits for it as a direct fit awaits its callbacks, goes on.
 */
export type ToWorker = { id: number; method: Method; args: unknown[] } | { stop: true } | { done: number };

/** The events whose callbacks the worker waits for before it goes on (tokens are streamed without waiting). */
export const AWAITED_EVENTS: readonly EventName[] = ['step', 'epoch', 'trainEnd'];

/** An error as data: its class name, message and fields (argument, expected, actual, …) cross the boundary. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, string>;
}

export type FromWorker =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError }
  | { id: number; event: EventName; data: unknown };

export interface InitResult {
  kind: BackendKind;
  adapter: AdapterSummary;
}
