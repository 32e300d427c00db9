// A model as plain data: the layers' constructor arguments with a `type`, so a model can be described in
// JSON, sent to a worker (structured clone) and built there (or anywhere) the same way.
import type { Backend } from '../ops/index.js';
import type { ActivationLike } from '../ops/activation/spec.js';
import { checkOptions, expectArrayLike, expectBackend, expectObject, unknownType } from '../core/checks.js';
import { ShapeError, ValueError } from '../core/errors.js';
import { Embedding, type EmbeddingOptions } from './embedding.js';
import {
  ActivationLayer,
  Dropout,
  LastStep,
  Linear,
  type Layer,
  type LastStepOptions,
  type LinearOptions,
} from './layers.js';
import { GRU, LSTM, RNN, type LstmOptions, type RecurrentOptions, type RnnOptions } from './recurrent.js';
import { Seq2Seq, type Seq2SeqOptions } from './seq2seq.js';
import { Sequential, type ModelOptions } from './sequential.js';

/** One layer as data: its class name as `type`, then its constructor's arguments by name. */
export type LayerSpec =
  | ({ type: 'Linear'; inFeatures: number; outFeatures: number } & LinearOptions)
  | ({ type: 'RNN' } & RnnOptions)
  | ({ type: 'LSTM' } & LstmOptions)
  | ({ type: 'GRU' } & RecurrentOptions)
  | ({ type: 'Embedding'; numEmbeddings: number; embeddingDim: number } & EmbeddingOptions)
  | { type: 'Activation'; activation: ActivationLike }
  | ({ type: 'LastStep' } & LastStepOptions)
  | { type: 'Dropout'; p?: number };

/** A Sequential model as data: its layers in order, and the model options (seed, names). */
export interface ModelSpec extends ModelOptions {
  layers: LayerSpec[];
}

type Builders = { [K in LayerSpec['type']]: (spec: Omit<Extract<LayerSpec, { type: K }>, 'type'>) => Layer };

const BUILDERS: Builders = {
  Linear: ({ inFeatures, outFeatures, ...options }) => new Linear(inFeatures, outFeatures, options),
  RNN: (options) => new RNN(options),
  LSTM: (options) => new LSTM(options),
  GRU: (options) => new GRU(options),
  Embedding: ({ numEmbeddings, embeddingDim, ...options }) => new Embedding(numEmbeddings, embeddingDim, options),
  Activation: (options) => {
    checkOptions('Activation spec', options, ['activation']);
    return new ActivationLayer(options.activation);
  },
  LastStep: (options) => new LastStep(options),
  Dropout: (options) => {
    checkOptions('Dropout spec', options, ['p']);
    return new Dropout(options.p);
  },
};

/** A layer's errors name where it sits in the spec: 'spec.layers[2] hiddenSize: expected …'. */
function layerFromSpec(spec: LayerSpec, i: number): Layer {
  const where = `spec.layers[${i}]`;
  expectObject(where, spec, "a layer spec { type: 'Linear' | 'RNN' | 'LSTM' | 'GRU' | …, …options }");
  const { type, ...options } = spec;
  if (!Object.hasOwn(BUILDERS, type)) throw unknownType(`${where}.type`, type, Object.keys(BUILDERS));
  try {
    return (BUILDERS[type] as (o: object) => Layer)(options);
  } catch (e) {
    if (e instanceof ShapeError || e instanceof ValueError)
      throw new (e.constructor as typeof ValueError)(`${where} ${e.argument}`, e.expected, e.actual);
    throw e;
  }
}

/** Builds the model a spec describes on `ctx`: new Sequential(ctx, layers, { seed, names }). */
export function modelFromSpec(ctx: Backend, spec: ModelSpec): Sequential {
  expectBackend('ctx', ctx);
  expectObject('spec', spec, '{ layers: [{ type, …options }, …], seed?, names? }');
  const { layers, ...options } = spec;
  expectArrayLike('spec.layers', layers, 'an array of layer specs');
  return new Sequential(ctx, Array.from(layers, layerFromSpec), options);
}

/** A Seq2Seq as data: `type: 'Seq2Seq'` and its constructor's options (already plain data). */
export interface Seq2SeqSpec extends Seq2SeqOptions {
  type: 'Seq2Seq';
}

/** Any model a Trainer trains, as data: a Sequential's { layers, … } or a { type: 'Seq2Seq', … }. */
export type TrainableSpec = ModelSpec | Seq2SeqSpec;

/** Builds the model a TrainableSpec describes on `ctx`: a Seq2Seq for `type: 'Seq2Seq'`, else a Sequential (modelFromSpec). */
export function trainableFromSpec(ctx: Backend, spec: TrainableSpec): Sequential | Seq2Seq {
  expectBackend('ctx', ctx);
  expectObject('spec', spec, "{ layers, … } (a Sequential) or { type: 'Seq2Seq', … }");
  if (!('type' in spec)) return modelFromSpec(ctx, spec as ModelSpec);
  const { type, ...options } = spec as Seq2SeqSpec;
  if (type !== 'Seq2Seq') throw unknownType('spec.type', type, ['Seq2Seq']);
  try {
    return new Seq2Seq(ctx, options);
  } catch (e) {
    if (e instanceof ShapeError || e instanceof ValueError)
      throw new (e.constructor as typeof ValueError)(
        e.argument === 'options' ? 'spec' : `spec.${e.argument}`,
        e.expected,
        e.actual,
      );
    throw e;
  }
}
