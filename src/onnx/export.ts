// exportOnnx: a Sequential as an ONNX inference graph (a ModelProto's bytes) that ONNX Runtime and other
// runtimes run without this library. Layers map to ONNX ops one to one where ONNX has them:
//   Linear            Gemm (rows [B, F], weight [out, in] with transB) or MatMul by Wᵀ + Add (sequences)
//   activations       Relu, Tanh, Sigmoid, LeakyRelu(alpha), Elu(alpha); identity and Dropout write nothing
//   Embedding         Gather(weight, ids) with int64 ids
//   RNN / LSTM / GRU  one ONNX RNN / LSTM / GRU op per stacked layer, time-major: a batch-first module is
//                     wrapped in Transpose nodes (ONNX's `layout` attribute is refused by ONNX Runtime)
//   LastStep          Y_h of the recurrent op before it, else a Gather of step T−1 or, with lengths, a
//                     GatherElements of each row's step len[b]−1
// Weight layouts: ONNX's W [D, G·H, I], R [D, G·H, H], B [D, 2·G·H] (Wb then Rb) stack PyTorch's
// weight_ih / weight_hh / bias_ih / bias_hh of both directions; LSTM gates i f g o become ONNX's i o f c
// and GRU gates r z n become z r h, with linear_before_reset = 1 (PyTorch's GRU applies r after W_hn h + b_hn).
// Shapes: T B batch and sequence are dynamic ('batch', 'sequence'); F I H E V are fixed by the model.
import { ACTIVATION_IDS, type Activation } from '../ops/activation/spec.js';
import { checkOptions, optionNames } from '../core/checks.js';
import type { ReadStateDict } from '../core/state.js';
import { ActivationLayer, Dropout, LastStep, Linear, type Layer } from '../nn/layers.js';
import { Embedding } from '../nn/embedding.js';
import { GRU, LSTM, RNN } from '../nn/recurrent.js';
import { Sequential } from '../nn/sequential.js';
import { describeValue } from '../core/errors.js';
import { OnnxError } from './errors.js';
import {
  AttributeType,
  DataType,
  encodeModel,
  utf8,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type TensorShapeDimension,
  type ValueInfoProto,
} from './proto.js';

/** The library's version, written as the model's producer_version (a test keeps it equal to package.json's). */
export const PRODUCER_VERSION = '0.1.0';
export const PRODUCER_NAME = 'webgpu-rnn';

/** The opset exportOnnx writes unless told otherwise. */
export const DEFAULT_OPSET = 17;
/** The newest default-domain opset the exporter knows its ops' semantics in. */
export const MAX_OPSET = 23;

export interface ExportOnnxOptions {
  /** The default-domain opset (default 17). Opsets older than the graph's ops need are refused (OnnxError). */
  opset?: number;
  /**
   * Initial and final states as graph inputs and outputs, as Sequential.forward with `{ states }`: inputs
   * `h0` (and `c0` for an LSTM) [L·D, batch, H] are required, outputs `hN` (`cN`) come after `output`;
   * with several recurrent layers, `h0_0`, `h0_1`, … in layer order. Otherwise states start from zeros.
   */
  states?: boolean;
  /** A `lengths` input: int32 [batch], each row's valid steps (ONNX's sequence_lens), as forward's `{ lengths }`. */
  lengths?: boolean;
  /**
   * 'float32' (default) or 'float16' initializers. float16 halves the file; each weight is followed by a
   * Cast to float (ONNX Runtime's CPU LSTM / GRU kernels take float and double only), so inputs and
   * outputs stay float32.
   */
  weights?: 'float32' | 'float16';
  /** Name of the graph input (default 'input', 'ids' for a model whose first layer is an Embedding). */
  inputName?: string;
  /** Name of the graph output (default 'output'). */
  outputName?: string;
  /** Metadata prop 'loss' (e.g. 'crossEntropy'). */
  loss?: string;
  /** Metadata prop 'optimizer' (e.g. 'adam lr=0.01'). */
  optimizer?: string;
  /** Metadata prop 'vocabulary', as a JSON array: the token of each id (a model reading ids only; one per id). */
  vocabulary?: readonly string[];
  /** Further metadata props. */
  metadata?: Readonly<Record<string, string>>;
}

const EXPORT_OPTIONS = optionNames<ExportOnnxOptions>({
  opset: true,
  states: true,
  lengths: true,
  weights: true,
  inputName: true,
  outputName: true,
  loss: true,
  optimizer: true,
  vocabulary: true,
  metadata: true,
});

/**
 * The oldest opset in which each op the exporter writes has the form it writes (Gather with a negative index,
 * LastStep's step −1, needs 11: GraphBuilder.require): GatherElements needs 11, Slice with its bounds as inputs 10, Expand 8, the
 * recurrent ops and multidirectional broadcasting in Add / Mul / Sub 7.
 */
const OP_SINCE: Record<string, number> = {
  Gemm: 7,
  MatMul: 1,
  Add: 7,
  Sub: 7,
  Mul: 7,
  Relu: 6,
  Tanh: 6,
  Sigmoid: 6,
  LeakyRelu: 6,
  Elu: 6,
  Gather: 1,
  GatherElements: 11,
  Expand: 8,
  Transpose: 1,
  Reshape: 5,
  Concat: 4,
  Slice: 10,
  Cast: 6,
  RNN: 7,
  LSTM: 7,
  GRU: 7,
  Identity: 1,
};

/** The IR version of the ONNX release that introduced each opset (a runtime reads files at least this new). */
function irVersion(opset: number): number {
  if (opset <= 8) return 3;
  if (opset === 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

/** ONNX's activation names in RNN's `activations` attribute, with the alpha each needs. */
const RNN_ACTIVATIONS: Record<keyof typeof ACTIVATION_IDS, (a: Activation) => { name: string; alpha?: number }> = {
  identity: () => ({ name: 'Affine', alpha: 1 }), // alpha·x + beta, beta 0
  sigmoid: () => ({ name: 'Sigmoid' }),
  tanh: () => ({ name: 'Tanh' }),
  relu: () => ({ name: 'Relu' }),
  leaky_relu: (a) => ({ name: 'LeakyRelu', alpha: a.param }),
  elu: (a) => ({ name: 'Elu', alpha: a.param }),
};

/** PyTorch gate blocks in ONNX's order: LSTM i f g o → i o f c, GRU r z n → z r h. */
const GATE_ORDER = { rnn: [0], lstm: [0, 3, 1, 2], gru: [1, 0, 2] } as const;

type Recurrent = RNN | LSTM | GRU;

/** A tensor of the graph being built: its name, its rank and, for sequences, its layout. */
interface Value {
  name: string;
  /** 'rows' [B, F]; 'time' [T, B, F]; 'batch' [B, T, F]; 'ids' ids of the input's shape. */
  kind: 'rows' | 'time' | 'batch' | 'ids';
}

/** Collects nodes, initializers and the minimum opset while the layers are walked. */
class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  /** The op that needs the newest opset so far, and that opset. */
  needs = { opset: 1, node: '' };
  private used = new Set<string>();

  constructor(private readonly f16: boolean) {}

  /** A name not used yet: `base`, else `base_1`, `base_2`, … */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  /** Adds a node; returns its output names (one per `outputs` entry, '' left as ''). */
  node(
    opType: string,
    inputs: string[],
    outputs: number | string[],
    attributes: AttributeProto[] = [],
    scope = '',
  ): string[] {
    const name = this.fresh(`${scope}${opType}`);
    const out =
      typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => this.fresh(`${name}_out${i}`)) : outputs;
    this.nodes.push({ op_type: opType, name, input: inputs, output: out, attribute: attributes });
    this.require(OP_SINCE[opType], `${name} (${opType})`);
    return out;
  }

  /** Records that `node` needs at least `opset`. */
  require(opset: number, node: string): void {
    if (opset > this.needs.opset) this.needs = { opset, node };
  }

  /** A float initializer from f64 values (stored as f32, or as f16 followed by a Cast to float). */
  floats(base: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.fresh(base);
    const n = values.length;
    if (!this.f16) {
      const bytes = new Uint8Array(4 * n);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < n; i++) view.setFloat32(4 * i, values[i], true);
      this.initializers.push({ name, dims, data_type: DataType.FLOAT, raw_data: bytes });
      return name;
    }
    const stored = this.fresh(`${base}_f16`);
    const bytes = new Uint8Array(2 * n);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < n; i++) view.setUint16(2 * i, f16Bits(values[i]), true);
    this.initializers.push({ name: stored, dims, data_type: DataType.FLOAT16, raw_data: bytes });
    this.node('Cast', [stored], [name], [intAttr('to', DataType.FLOAT)]);
    return name;
  }

  /** An int64 initializer (shapes, indices); dims [] for a scalar. */
  int64s(base: string, dims: number[], values: readonly number[]): string {
    const name = this.fresh(base);
    const bytes = new Uint8Array(8 * values.length);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
    this.initializers.push({ name, dims, data_type: DataType.INT64, raw_data: bytes });
    return name;
  }

  int32Scalar(base: string, value: number): string {
    const name = this.fresh(base);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setInt32(0, value, true);
    this.initializers.push({ name, dims: [], data_type: DataType.INT32, raw_data: bytes });
    return name;
  }
}

function intAttr(name: string, i: number): AttributeProto {
  return { name, type: AttributeType.INT, i };
}

function intsAttr(name: string, ints: number[]): AttributeProto {
  return { name, type: AttributeType.INTS, ints };
}

function floatAttr(name: string, f: number): AttributeProto {
  return { name, type: AttributeType.FLOAT, f };
}

function stringAttr(name: string, s: string): AttributeProto {
  return { name, type: AttributeType.STRING, s: utf8(s) };
}

function stringsAttr(name: string, strings: string[]): AttributeProto {
  return { name, type: AttributeType.STRINGS, strings: strings.map(utf8) };
}

function floatsAttr(name: string, floats: number[]): AttributeProto {
  return { name, type: AttributeType.FLOATS, floats };
}

/** IEEE binary16 bits of x, rounded to nearest even (overflow to ±Infinity, NaN to a quiet NaN). */
export function f16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // 65520 = 65504 + half an ulp: rounds up to Infinity
  if (a < 2 ** -14) return sign | roundEven(a * 2 ** 24); // subnormal (1024 rounds into the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundEven((a / 2 ** e - 1) * 1024); // exact in f64 before the rounding
  if (m === 1024) {
    m = 0;
    e++;
  }
  return sign | ((e + 15) << 10) | m;
}

function roundEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

function shapeOf(dims: Array<number | string>): TensorShapeDimension[] {
  return dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
}

function valueInfo(name: string, elemType: number, dims: Array<number | string>): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim: shapeOf(dims) } } } };
}

function isRecurrent(layer: Layer): layer is Recurrent {
  return layer instanceof RNN || layer instanceof LSTM || layer instanceof GRU;
}

/** The layout LastStep reads, probed through its public outputShape: [B, F] from [2, 3, 1] tells which axis is B. */
function lastStepLayout(layer: LastStep): 'time' | 'batch' {
  return layer.outputShape([2, 3, 1])[0] === 3 ? 'time' : 'batch';
}

function checkName(argument: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new OnnxError(argument, 'a non-empty string', JSON.stringify(name));
}

function checkStringOption(argument: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string') throw new OnnxError(argument, 'a string', typeof value);
}

/**
 * The model as an ONNX file (a ModelProto's bytes): its inference graph (Dropout dropped, as in eval mode)
 * with the weights as initializers, dynamic batch and sequence axes. Throws OnnxError, and returns no file,
 * for a layer ONNX export does not cover, an opset older than the graph needs, or a bad option.
 * Weights are read from the model (a readback on WebGPU), so the result is a promise.
 */
export async function exportOnnx(model: Sequential, options: ExportOnnxOptions = {}): Promise<Uint8Array> {
  if (!(model instanceof Sequential))
    throw new OnnxError(
      'model',
      'a Sequential model (new Sequential(ctx, layers), modelFromSpec, importOnnx)',
      describeValue(model),
    );
  checkOptions('exportOnnx options', options, EXPORT_OPTIONS);
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < 7 || opset > MAX_OPSET)
    throw new OnnxError('opset', `an integer in [7, ${MAX_OPSET}]`, String(opset));
  const weights = options.weights ?? 'float32';
  if (weights !== 'float32' && weights !== 'float16')
    throw new OnnxError('weights', "'float32' or 'float16'", JSON.stringify(weights));
  for (const flag of ['states', 'lengths'] as const)
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean')
      throw new OnnxError(flag, 'a boolean', typeof options[flag]);
  for (const key of ['loss', 'optimizer', 'inputName', 'outputName'] as const) checkStringOption(key, options[key]);
  const layers = model.layers;
  layers.forEach((layer, i) => {
    if (!(
      layer instanceof Linear ||
      layer instanceof ActivationLayer ||
      layer instanceof Dropout ||
      layer instanceof LastStep ||
      layer instanceof Embedding ||
      isRecurrent(layer)
    ))
      throw new OnnxError(
        `layers[${i}]`,
        'a layer ONNX export covers (Linear, an activation, Dropout, Embedding, RNN, LSTM, GRU, LastStep)',
        (layer as object).constructor?.name ?? typeof layer,
      );
  });
  const recurrent = layers.filter(isRecurrent);
  if (options.states && recurrent.length === 0)
    throw new OnnxError('states', 'a model with a recurrent layer (RNN, LSTM, GRU)', 'a model without one');
  if (options.lengths && recurrent.length === 0)
    throw new OnnxError('lengths', 'a model with a recurrent layer (RNN, LSTM, GRU)', 'a model without one');
  const V = model.inputIds;
  if (options.vocabulary !== undefined) {
    if (V === undefined)
      throw new OnnxError(
        'vocabulary',
        'a model that reads ids (its first layer an Embedding)',
        'a model that reads features',
      );
    if (
      !Array.isArray(options.vocabulary) ||
      options.vocabulary.length !== V ||
      options.vocabulary.some((t) => typeof t !== 'string')
    )
      throw new OnnxError(
        'vocabulary',
        `${V} strings (one token per id)`,
        Array.isArray(options.vocabulary) ? `${options.vocabulary.length} entries` : typeof options.vocabulary,
      );
  }
  const metadata = options.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Object.values(metadata).some((v) => typeof v !== 'string'))
    throw new OnnxError('metadata', 'an object of string values', String(metadata));

  const inputName = options.inputName ?? (V === undefined ? 'input' : 'ids');
  const outputName = options.outputName ?? 'output';
  checkName('inputName', inputName);
  checkName('outputName', outputName);
  const stateNames = recurrent.map((layer, k) => {
    const suffix = recurrent.length === 1 ? '' : `_${k}`;
    return {
      h0: `h0${suffix}`,
      c0: layer instanceof LSTM ? `c0${suffix}` : undefined,
      hN: `hN${suffix}`,
      cN: layer instanceof LSTM ? `cN${suffix}` : undefined,
    };
  });
  const graphNames = [inputName, outputName, ...(options.lengths ? ['lengths'] : [])];
  if (options.states)
    for (const s of stateNames) graphNames.push(...([s.h0, s.c0, s.hN, s.cN].filter(Boolean) as string[]));
  const dup = graphNames.find((n, i) => graphNames.indexOf(n) !== i);
  if (dup !== undefined)
    throw new OnnxError('inputName / outputName', 'names unused by the other inputs and outputs', JSON.stringify(dup));

  const dict = await model.stateDict();
  const g = new GraphBuilder(weights === 'float16');
  for (const n of graphNames) g.reserve(n);
  const sequenceModel = recurrent.length > 0 || layers.some((l) => l instanceof LastStep);
  // The input's layout: the model's (its first recurrent module's) or, with no recurrent layer, its LastStep's.
  const firstLastStep = layers.find((l): l is LastStep => l instanceof LastStep);
  const batchFirst =
    recurrent.length > 0 ? model.batchFirst : firstLastStep !== undefined && lastStepLayout(firstLastStep) === 'batch';
  const B = 'batch';
  const T = 'sequence';

  const inputs: ValueInfoProto[] = [];
  const outputs: ValueInfoProto[] = [];
  if (V !== undefined) {
    const dims = sequenceModel ? (batchFirst ? [B, T] : [T, B]) : [B];
    inputs.push(valueInfo(inputName, DataType.INT64, dims));
  } else {
    const F = model.inputSize();
    inputs.push(valueInfo(inputName, DataType.FLOAT, sequenceModel ? (batchFirst ? [B, T, F] : [T, B, F]) : [B, F]));
  }
  const lengths = options.lengths ? 'lengths' : '';
  if (lengths) inputs.push(valueInfo(lengths, DataType.INT32, [B]));

  let x: Value = {
    name: inputName,
    kind: V !== undefined ? 'ids' : sequenceModel ? (batchFirst ? 'batch' : 'time') : 'rows',
  };
  const param = (i: number, name: string) => {
    const entry = dict[`${i}.${name}`] ?? dict[name];
    if (!entry) throw new OnnxError(`layers[${i}]`, `a parameter '${i}.${name}' in the model's state dict`, 'none');
    return entry;
  };
  const finalStates: Array<{ h: string; c?: string }> = [];
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    const scope = `${i}/`;
    if (layer instanceof Dropout) continue;
    if (layer instanceof ActivationLayer) {
      const a = layer.activation;
      if (a.name === 'identity') continue;
      const attrs = a.name === 'leaky_relu' || a.name === 'elu' ? [floatAttr('alpha', a.param)] : [];
      const op = { sigmoid: 'Sigmoid', tanh: 'Tanh', relu: 'Relu', leaky_relu: 'LeakyRelu', elu: 'Elu' }[a.name];
      x = { ...x, name: g.node(op, [x.name], 1, attrs, scope)[0] };
    } else if (layer instanceof Linear) {
      const w = param(i, 'weight');
      const b = layer.bias ? param(i, 'bias') : undefined;
      if (x.kind === 'rows' && b) {
        const W = g.floats(`${i}.weight`, w.shape, w.data);
        const bias = g.floats(`${i}.bias`, b.shape, b.data);
        x = { ...x, name: g.node('Gemm', [x.name, W, bias], 1, [intAttr('transB', 1)], scope)[0] };
      } else {
        const [out, inp] = w.shape;
        const wt = new Float64Array(out * inp);
        for (let r = 0; r < out; r++) for (let c = 0; c < inp; c++) wt[c * out + r] = w.data[r * inp + c];
        const WT = g.floats(`${i}.weight_T`, [inp, out], wt);
        let y = g.node('MatMul', [x.name, WT], 1, [], scope)[0];
        if (b) y = g.node('Add', [y, g.floats(`${i}.bias`, b.shape, b.data)], 1, [], scope)[0];
        x = { ...x, name: y };
      }
    } else if (layer instanceof Embedding) {
      const w = param(i, 'weight');
      const W = g.floats(`${i}.weight`, w.shape, w.data);
      x = {
        name: g.node('Gather', [W, x.name], 1, [intAttr('axis', 0)], scope)[0],
        kind: sequenceModel ? (batchFirst ? 'batch' : 'time') : 'rows',
      };
    } else if (layer instanceof LastStep) {
      const source = layers
        .slice(0, i)
        .reverse()
        .find((l) => l.outFeatures !== undefined);
      const F = source ? source.outFeatures! : model.inputSize();
      x = lastStep(g, x, lastStepLayout(layer), F, lengths, scope);
    } else if (isRecurrent(layer)) {
      const k = recurrent.indexOf(layer);
      const reduce = layers[i + 1] instanceof LastStep;
      const r = recurrentModule(g, layer, i, dict, x, {
        lengths,
        h0: options.states ? stateNames[k].h0 : undefined,
        c0: options.states ? stateNames[k].c0 : undefined,
        reduce,
        scope,
      });
      finalStates.push(r.final);
      x = r.output;
      if (reduce) i++; // the LastStep is done: its output is the op's Y_h
    }
  }

  // The graph output keeps the name asked for: the value is renamed wherever it appears.
  if (g.nodes.some((n) => n.output!.includes(x.name))) {
    const rename = (names: string[]) => names.map((n) => (n === x.name ? outputName : n));
    for (const n of g.nodes) {
      n.input = rename(n.input!);
      n.output = rename(n.output!);
    }
    for (const s of finalStates) {
      if (s.h === x.name) s.h = outputName;
      if (s.c === x.name) s.c = outputName;
    }
  } else g.node('Identity', [x.name], [outputName]); // a model whose layers write no node (identity, dropout)
  const outF = model.outputSize();
  const outDims =
    x.kind === 'rows' ? [B, outF] : x.kind === 'time' ? [T, B, outF] : x.kind === 'batch' ? [B, T, outF] : [B];
  outputs.push(valueInfo(outputName, DataType.FLOAT, outDims));

  if (options.states) {
    recurrent.forEach((layer, k) => {
      const L = layer.numLayers * layer.directions;
      const H = layer.hiddenSize;
      const s = stateNames[k];
      inputs.push(valueInfo(s.h0, DataType.FLOAT, [L, B, H]));
      if (s.c0) inputs.push(valueInfo(s.c0, DataType.FLOAT, [L, B, H]));
      g.node('Identity', [finalStates[k].h], [s.hN]);
      outputs.push(valueInfo(s.hN, DataType.FLOAT, [L, B, H]));
      if (s.cN) {
        g.node('Identity', [finalStates[k].c!], [s.cN]);
        outputs.push(valueInfo(s.cN, DataType.FLOAT, [L, B, H]));
      }
    });
  }

  if (g.needs.opset > opset)
    throw new OnnxError('opset', `${g.needs.opset} or newer (node ${g.needs.node} needs it)`, String(opset));

  const ir = irVersion(opset);
  // IR 3 lists every initializer among the graph's inputs too.
  if (ir < 4) for (const t of g.initializers) inputs.push(valueInfo(t.name!, t.data_type!, t.dims!));
  const props: Record<string, string> = { ...metadata };
  if (options.loss !== undefined) props.loss = options.loss;
  if (options.optimizer !== undefined) props.optimizer = options.optimizer;
  if (options.vocabulary !== undefined) props.vocabulary = JSON.stringify(options.vocabulary);
  const proto: ModelProto = {
    ir_version: ir,
    opset_import: [{ domain: '', version: opset }],
    producer_name: PRODUCER_NAME,
    producer_version: PRODUCER_VERSION,
    graph: { name: 'webgpu_rnn', node: g.nodes, initializer: g.initializers, input: inputs, output: outputs },
    metadata_props: Object.entries(props).map(([key, value]) => ({ key, value })),
  };
  return encodeModel(proto);
}

/** LastStep that does not follow a recurrent op: step T−1 of every row, or step len[b]−1 of row b; F features. */
function lastStep(
  g: GraphBuilder,
  x: Value,
  layout: 'time' | 'batch',
  F: number,
  lengths: string,
  scope: string,
): Value {
  if (x.kind !== 'time' && x.kind !== 'batch')
    throw new OnnxError(`${scope}LastStep`, 'a sequence [T, B, F] or [B, T, F] before it', 'rows [B, F]');
  const axis = layout === 'time' ? 0 : 1;
  if (!lengths) {
    const last = g.int64s(`${scope}last`, [], [-1]);
    const [y] = g.node('Gather', [x.name, last], 1, [intAttr('axis', axis)], scope);
    g.require(11, `${g.nodes.at(-1)!.name} (Gather with a negative index)`);
    return { name: y, kind: 'rows' };
  }
  // idx[b] = len[b] − 1 at the time axis, broadcast over F: GatherElements picks x[idx[b], b, f] ([1, B, F]).
  const [idx] = g.node('Sub', [lengths, g.int32Scalar(`${scope}one`, 1)], 1, [], scope);
  const shape = g.int64s(`${scope}index_shape`, [3], layout === 'time' ? [1, -1, 1] : [-1, 1, 1]);
  const [idx3] = g.node('Reshape', [idx, shape], 1, [], scope);
  const [full] = g.node('Expand', [idx3, g.int64s(`${scope}expand_shape`, [3], [1, 1, F])], 1, [], scope);
  const [picked] = g.node('GatherElements', [x.name, full], 1, [intAttr('axis', axis)], scope);
  return {
    name: g.node('Reshape', [picked, g.int64s(`${scope}rows_shape`, [2], [-1, F])], 1, [], scope)[0],
    kind: 'rows',
  };
}

interface RecurrentWiring {
  lengths: string;
  h0?: string;
  c0?: string;
  /** The next layer is a LastStep: the module's output is the last layer's Y_h, [B, D·H] or merged [B, H]. */
  reduce: boolean;
  scope: string;
}

/** One recurrent module: a Transpose in (batch-first), one ONNX op per stacked layer, the output and final states. */
function recurrentModule(
  g: GraphBuilder,
  layer: Recurrent,
  i: number,
  dict: ReadStateDict,
  x: Value,
  wiring: RecurrentWiring,
): { output: Value; final: { h: string; c?: string } } {
  const { scope } = wiring;
  const cell = layer.cell;
  const G = { rnn: 1, lstm: 4, gru: 3 }[cell];
  const H = layer.hiddenSize;
  const D = layer.directions;
  const L = layer.numLayers;
  const op = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' }[cell];
  if (x.kind !== 'time' && x.kind !== 'batch')
    throw new OnnxError(`layers[${i}] (${op})`, 'a sequence before it', 'rows [B, F]');
  let input = x.kind === 'batch' ? g.node('Transpose', [x.name], 1, [intsAttr('perm', [1, 0, 2])], scope)[0] : x.name;
  const suffixes = D === 2 ? ['', '_reverse'] : [''];
  const tensor = (name: string) => {
    const entry = dict[`${i}.${name}`] ?? dict[name];
    if (!entry)
      throw new OnnxError(`layers[${i}] (${op})`, `a parameter '${i}.${name}' in the model's state dict`, 'none');
    return entry.data;
  };
  // Rows of one direction's [G·H, cols] tensor in ONNX's gate order.
  const reorder = (data: Float64Array, cols: number, out: Float64Array, offset: number) => {
    GATE_ORDER[cell].forEach((gate, j) =>
      out.set(data.subarray(gate * H * cols, (gate + 1) * H * cols), offset + j * H * cols),
    );
  };
  const hs: string[] = [];
  const cs: string[] = [];
  let Y = '';
  let Yh = '';
  for (let l = 0; l < L; l++) {
    const I = l === 0 ? layer.inputSize : D * H;
    const W = new Float64Array(D * G * H * I);
    const R = new Float64Array(D * G * H * H);
    suffixes.forEach((s, d) => {
      reorder(tensor(`weight_ih_l${l}${s}`), I, W, d * G * H * I);
      reorder(tensor(`weight_hh_l${l}${s}`), H, R, d * G * H * H);
    });
    const inputs = [input, g.floats(`${i}.W_l${l}`, [D, G * H, I], W), g.floats(`${i}.R_l${l}`, [D, G * H, H], R)];
    if (layer.bias) {
      const Bv = new Float64Array(D * 2 * G * H);
      suffixes.forEach((s, d) => {
        reorder(tensor(`bias_ih_l${l}${s}`), 1, Bv, d * 2 * G * H);
        reorder(tensor(`bias_hh_l${l}${s}`), 1, Bv, d * 2 * G * H + G * H);
      });
      inputs.push(g.floats(`${i}.B_l${l}`, [D, 2 * G * H], Bv));
    } else inputs.push('');
    inputs.push(wiring.lengths);
    const slice = (state: string) => {
      if (L === 1) return state;
      const starts = g.int64s(`${scope}l${l}_start`, [1], [l * D]);
      const ends = g.int64s(`${scope}l${l}_end`, [1], [(l + 1) * D]);
      const axes = g.int64s(`${scope}axis0`, [1], [0]);
      return g.node('Slice', [state, starts, ends, axes], 1, [], scope)[0];
    };
    inputs.push(wiring.h0 ? slice(wiring.h0) : '');
    if (cell === 'lstm') inputs.push(wiring.c0 ? slice(wiring.c0) : '');
    while (inputs.at(-1) === '') inputs.pop(); // trailing optional inputs left out
    const attrs: AttributeProto[] = [
      intAttr('hidden_size', H),
      stringAttr('direction', D === 2 ? 'bidirectional' : 'forward'),
    ];
    if (cell === 'gru') attrs.push(intAttr('linear_before_reset', 1));
    if (layer instanceof RNN) {
      const act = RNN_ACTIVATIONS[layer.nonlinearity.name](layer.nonlinearity);
      attrs.push(stringsAttr('activations', Array(D).fill(act.name)));
      if (act.alpha !== undefined) attrs.push(floatsAttr('activation_alpha', Array(D).fill(act.alpha)));
      if (act.name === 'Affine') attrs.push(floatsAttr('activation_beta', Array(D).fill(0)));
    }
    const outs = g.node(op, inputs, cell === 'lstm' ? 3 : 2, attrs, `${scope}l${l}/`);
    [Y, Yh] = outs;
    hs.push(Yh);
    if (cell === 'lstm') cs.push(outs[2]);
    if (l + 1 < L) input = sequenceOf(g, Y, D, H, scope);
  }
  const concat = (parts: string[]) =>
    parts.length === 1 ? parts[0] : g.node('Concat', parts, 1, [intAttr('axis', 0)], scope)[0];
  // Final states only where they are graph outputs: no dead Concat nodes otherwise.
  const final = wiring.h0 ? { h: concat(hs), c: cell === 'lstm' ? concat(cs) : undefined } : { h: '' };

  if (wiring.reduce) {
    // Y_h [D, B, H]: the forward direction's last step and the backward direction's first.
    let out: string;
    if (D === 1) out = g.node('Reshape', [Yh, g.int64s(`${scope}rows_shape`, [2], [-1, H])], 1, [], scope)[0];
    else if (layer.mergeMode === 'concat') {
      const [t] = g.node('Transpose', [Yh], 1, [intsAttr('perm', [1, 0, 2])], scope);
      out = g.node('Reshape', [t, g.int64s(`${scope}rows_shape`, [2], [0, 2 * H])], 1, [], scope)[0];
    } else out = merge(g, Yh, 0, layer.mergeMode, scope);
    return { output: { name: out, kind: 'rows' }, final };
  }
  let out =
    layer.mergeMode === 'concat' || D === 1 ? sequenceOf(g, Y, D, H, scope) : merge(g, Y, 1, layer.mergeMode, scope);
  if (layer.batchFirst) out = g.node('Transpose', [out], 1, [intsAttr('perm', [1, 0, 2])], scope)[0];
  return { output: { name: out, kind: layer.batchFirst ? 'batch' : 'time' }, final };
}

/** Y [T, D, B, H] → [T, B, D·H], the directions side by side as PyTorch's output. */
function sequenceOf(g: GraphBuilder, Y: string, D: number, H: number, scope: string): string {
  if (D === 1) return g.node('Reshape', [Y, g.int64s(`${scope}sequence_shape`, [3], [0, -1, H])], 1, [], scope)[0];
  const [t] = g.node('Transpose', [Y], 1, [intsAttr('perm', [0, 2, 1, 3])], scope);
  return g.node('Reshape', [t, g.int64s(`${scope}sequence_shape`, [3], [0, 0, 2 * H])], 1, [], scope)[0];
}

/** The directions of Y (axis 1 of [T, 2, B, H]) or Y_h (axis 0 of [2, B, H]) merged: sum, mul or ave. */
function merge(g: GraphBuilder, Y: string, axis: number, mode: 'sum' | 'mul' | 'ave', scope: string): string {
  const [fwd] = g.node('Gather', [Y, g.int64s(`${scope}forward`, [], [0])], 1, [intAttr('axis', axis)], scope);
  const [bwd] = g.node('Gather', [Y, g.int64s(`${scope}backward`, [], [1])], 1, [intAttr('axis', axis)], scope);
  if (mode === 'mul') return g.node('Mul', [fwd, bwd], 1, [], scope)[0];
  const [sum] = g.node('Add', [fwd, bwd], 1, [], scope);
  if (mode === 'sum') return sum;
  return g.node('Mul', [sum, g.floats(`${scope}half`, [], [0.5])], 1, [], scope)[0];
}
