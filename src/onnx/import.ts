// importOnnx: an ONNX file as torch.onnx.export (torch 1.13, the TorchScript exporter) writes it for nn.RNN /
// nn.LSTM / nn.GRU (stacked, bidirectional, batch_first), nn.Linear, nn.Embedding, the last step and the
// activations, or as exportOnnx writes it (also: per-row lengths, state inputs and outputs, the
// bidirectional merges, the RNN's other activations, f16 weights) → a Sequential with the file's weights.
// The graph is evaluated abstractly from its outputs back: the shape-computing glue (Shape, Gather,
// Unsqueeze, Concat, ConstantOfShape, Slice, Reshape, Squeeze, Transpose, Constant, Expand, Cast) runs here
// on constants whose entries may be symbolic (the batch and sequence axes), and each op that computes on the
// data becomes a layer. Everything is checked before any layer is built, so a refused file leaves no model
// behind.
import type { Backend } from '../ops/index.js';
import { checkOptions, expectBackend, optionNames } from '../core/checks.js';
import { CpuBackend } from '../cpu/backend.js';
import type { StateDict } from '../core/state.js';
import type { Layer } from '../nn/layers.js';
import { ActivationLayer, LastStep, Linear } from '../nn/layers.js';
import { Embedding } from '../nn/embedding.js';
import { GRU, LSTM, RNN } from '../nn/recurrent.js';
import { Sequential } from '../nn/sequential.js';
import type { Activation, ActivationName } from '../ops/activation/spec.js';
import type { MergeMode } from '../ops/bidir_merge/spec.js';
import { MAX_VOCABULARY } from '../ops/embedding/spec.js';
import { OnnxError } from './errors.js';
import {
  AttributeType,
  DataLocation,
  DataType,
  decodeModel,
  fromUtf8,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto.js';

/**
 * The default-domain opsets the import reads: 7 (the recurrent ops, and broadcasting in Add, Sub and Mul)
 * through 23 (the subset's ops keep their meaning there; 22 and 23 add element types only). An op newer
 * than 7 is read from the opset that introduced it (OP_SINCE).
 */
export const IMPORT_OPSETS = { min: 7, max: 23 } as const;

/** The opset that introduced each op of the subset newer than IMPORT_OPSETS.min. */
const OP_SINCE: Record<string, number> = { Expand: 8, ConstantOfShape: 9, GatherElements: 11 };

/** Most elements of one tensor or dimension the import accepts (2^28: 1 GiB of f32). */
const MAX_ELEMENTS = 2 ** 28;
/** Most nodes in a graph. */
const MAX_NODES = 100_000;

/** A node the import cannot map: op outside the subset, an attribute it does not support, a packed sequence. */
export class OnnxUnsupportedError extends OnnxError {
  constructor(
    readonly node: string,
    readonly opType: string,
    readonly opset: number,
    expected: string,
    actual: string,
  ) {
    super(`node ${node} (${opType}, opset ${opset})`, expected, actual);
  }
}

export interface ImportOnnxOptions {
  /** The backend the model is built on (await createContext()); default a new CPU backend (f64). */
  ctx?: Backend;
}

/** A dimension: a number, or the name of a symbolic one (a dynamic axis of the graph's input). */
type Dim = number | string;

/** A constant: ints may hold symbolic entries (a shape computed from the input's); floats are numbers. */
interface Const {
  kind: 'const';
  float: boolean;
  shape: number[];
  data: Dim[];
}

/** A float tensor of zeros whose shape may be symbolic (ConstantOfShape of a computed shape). */
interface Zeros {
  kind: 'zeros';
  shape: Dim[];
}

/**
 * One axis of a data value, as seen by the ONNX graph: an axis of the model's tensor at this point (its
 * index), the direction ('D') or hidden ('H') part of a recurrent op's last axis, which holds D·H, or an
 * axis of size 1 the tensor does not have ('U': the step axis a Slice or GatherElements of the last step
 * keeps).
 */
type Axis = number | 'D' | 'H' | 'U';

/** Data computed from the model's input: the layers so far, the model's tensor shape, and the ONNX view of it. */
interface Data {
  kind: 'data';
  chain: readonly LayerSpec[];
  /** The shape of the tensor the layers give. */
  shape: Dim[];
  /** The ONNX value's axes in terms of that tensor's (a Transpose permutes them, a Reshape merges D and H). */
  axes: Axis[];
  /** Integer ids (the graph's input for an Embedding). */
  ids: boolean;
  /** D and H of the recurrent op whose output this is, while its last axis is split. */
  split?: { D: number; H: number };
}

/** One direction's final state of one layer of a recurrent module (a slice of Y_h / Y_c). */
interface StateEntry {
  chain: readonly LayerSpec[];
  /** The module (RecurrentSpec.id), its layer and that layer's weights (the object in the module's spec). */
  module: number;
  layer: number;
  weights: RecurrentLayerWeights;
  dir: number;
  cell: boolean;
  B: Dim;
  H: number;
}

/**
 * Final states: stacked on axis 0 as an op's Y_h ('DBH': [entries, B, H]), transposed ('BDH': [B, entries, H]),
 * or side by side after a Gather, Squeeze or Reshape ('side': [B, entries·H]).
 */
interface States {
  kind: 'states';
  layout: 'DBH' | 'BDH' | 'side';
  entries: StateEntry[];
}

/**
 * The lengths input ([B] int32, ONNX's sequence_lens), or each row's last valid step len[b] − 1 (a Sub) on its
 * way to a GatherElements: `shape` is its ONNX shape, B on `batchAxis` and 1 or (after an Expand) the
 * features on the other axes.
 */
interface Lengths {
  kind: 'lengths';
  B: Dim;
  minusOne: boolean;
  shape: Dim[];
  batchAxis: number;
}

/** A graph input of initial states [L·D, B, H] of one recurrent module, or its rows [start, end) (a Slice). */
interface StateInput {
  kind: 'stateInput';
  name: string;
  shape: Dim[];
  start: number;
  end: Dim;
}

/** One direction of a bidirectional op's output Y (a Gather on its direction axis): one side of a merge. */
interface Direction {
  kind: 'direction';
  of: Data;
  dir: number;
}

type Value = Const | Zeros | Data | States | Lengths | StateInput | Direction | { kind: 'absent' };

type Cell = 'rnn' | 'lstm' | 'gru';

/** Per direction: PyTorch-ordered weight_ih [G·H, in], weight_hh [G·H, H], bias_ih, bias_hh [G·H]. */
type RecurrentLayerWeights = { ih: number[]; hh: number[]; bih?: number[]; bhh?: number[] }[];

interface RecurrentSpec {
  type: 'recurrent';
  /** The module's identity (the node index of its first op), kept while layers stack and a merge applies. */
  id: number;
  cell: Cell;
  inputSize: number;
  hiddenSize: number;
  directions: number;
  bias: boolean;
  batchFirst: boolean;
  /** The RNN's activation (tanh for LSTM and GRU, whose activations are fixed). */
  nonlinearity: Activation;
  mergeMode: MergeMode;
  /** The graph inputs holding the module's initial states (h0, and c0 for an LSTM), with their L·D rows. */
  states?: { h: string; c?: string; rows: Dim };
  weights: RecurrentLayerWeights[];
}

type LayerSpec =
  | RecurrentSpec
  | { type: 'linear'; inFeatures: number; outFeatures: number; weight: number[]; bias?: number[]; fromMatMul: boolean }
  | { type: 'activation'; name: ActivationName; param?: number }
  | { type: 'embedding'; num: number; dim: number; weight: number[] }
  | { type: 'last'; batchFirst: boolean };

const GLUE = [
  'Shape',
  'Gather',
  'Unsqueeze',
  'Concat',
  'ConstantOfShape',
  'Slice',
  'Reshape',
  'Squeeze',
  'Transpose',
  'Constant',
  'Expand',
  'Cast',
];
const LAYER_OPS = [
  'RNN',
  'LSTM',
  'GRU',
  'Gemm',
  'MatMul',
  'Add',
  'Sub',
  'Mul',
  'GatherElements',
  'Relu',
  'Tanh',
  'Sigmoid',
  'LeakyRelu',
  'Elu',
  'Identity',
];
const SUBSET = [...GLUE, ...LAYER_OPS];

const ACTIVATIONS: Record<string, ActivationName> = {
  Relu: 'relu',
  Tanh: 'tanh',
  Sigmoid: 'sigmoid',
  LeakyRelu: 'leaky_relu',
  Elu: 'elu',
};

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const describeDims = (dims: readonly Dim[]) => `[${dims.join(', ')}]`;

/**
 * Reads an ONNX model written by torch.onnx.export for the subset above, or by exportOnnx, and builds it as
 * a Sequential on `options.ctx` (default: a new CPU backend), in evaluation mode, with the file's weights
 * exactly (f32 values, which f64 holds as they are). The model's input is the graph's, in the same layout
 * (ids as f32 integers for an Embedding model). A file with a lengths input (sequence_lens) is a model run
 * with `forward(x, { lengths })`; one with initial-state inputs, a model run with `forward(x, { states })`,
 * one entry per recurrent module in layer order (the file's h0 / c0 [L·D, B, H]), whose final states are
 * the file's further outputs.
 * Throws OnnxError (OnnxUnsupportedError for a node outside the subset, naming it, its op type and the
 * opset) for anything else: no model is built then.
 */
export function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): Sequential {
  if (typeof options !== 'object' || options === null)
    throw new OnnxError('options', '{ ctx? } (the backend to build on)', String(options));
  checkOptions('options', options, optionNames<ImportOnnxOptions>({ ctx: true }));
  const ctx = options.ctx ?? new CpuBackend();
  expectBackend('options.ctx', ctx);
  const model = decodeModel(bytes);
  const opset = defaultOpset(model.opset_import ?? []);
  const graph = model.graph;
  if (!graph) throw new OnnxError('model.graph', 'a graph', 'none');
  const specs = new GraphReader(graph, opset).read();
  return build(ctx, specs);
}

function defaultOpset(imports: readonly { domain?: string; version?: number }[]): number {
  const entry = imports.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  if (!entry) throw new OnnxError('model.opset_import', 'an entry for the default domain (ai.onnx)', 'none');
  const v = entry.version ?? 0;
  if (!Number.isInteger(v) || v < IMPORT_OPSETS.min || v > IMPORT_OPSETS.max)
    throw new OnnxError(
      'model.opset_import',
      `default-domain opset ${IMPORT_OPSETS.min}..${IMPORT_OPSETS.max} (the subset's ops as torch.onnx.export writes them)`,
      `opset ${v}`,
    );
  return v;
}

class GraphReader {
  private readonly producers = new Map<string, { node: NodeProto; index: number }>();
  private readonly initializers = new Map<string, TensorProto>();
  private readonly inputs = new Map<string, ValueInfoProto>();
  private readonly values = new Map<string, Value>();
  /** Graph inputs other than the model's: the lengths (sequence_lens) and initial states (initial_h / _c). */
  private readonly roles = new Map<string, 'lengths' | 'state'>();
  /** The module (RecurrentSpec.id) whose initial states each state input holds. */
  private readonly stateModules = new Map<string, number>();
  private lengthsInput?: string;

  constructor(
    private readonly graph: GraphProto,
    private readonly opset: number,
  ) {}

  read(): LayerSpec[] {
    const nodes = this.graph.node ?? [];
    if (nodes.length > MAX_NODES) throw new OnnxError('graph.node', `at most ${MAX_NODES} nodes`, `${nodes.length}`);
    for (const t of this.graph.initializer ?? []) {
      if (!t.name) throw new OnnxError('graph.initializer', 'named tensors', 'a tensor without a name');
      this.initializers.set(t.name, t);
    }
    if ((this.graph.sparse_initializer ?? []).length > 0)
      throw new OnnxError('graph.sparse_initializer', 'none (dense initializers only)', 'sparse initializers');
    for (const i of this.graph.input ?? []) if (i.name && !this.initializers.has(i.name)) this.inputs.set(i.name, i);
    this.assignRoles(nodes);
    nodes.forEach((node, index) => {
      const where = this.nodeName(node, index);
      const op = node.op_type ?? '';
      if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx')
        throw this.unsupported(node, index, 'an op of the default domain', `domain '${node.domain}'`);
      if (!SUBSET.includes(op))
        throw this.unsupported(
          node,
          index,
          `an op of the import subset (${SUBSET.join(', ')})`,
          `${op || 'no op type'}`,
        );
      if (this.opset < (OP_SINCE[op] ?? 0))
        throw this.unsupported(
          node,
          index,
          `opset ${OP_SINCE[op]} or newer (where ${op} begins)`,
          `opset ${this.opset}`,
        );
      for (const out of node.output ?? []) {
        if (out === '') continue;
        const before = this.producers.get(out);
        if (before || this.initializers.has(out) || this.inputs.has(out))
          throw new OnnxError(`node ${where}`, `an output name not already defined`, `'${out}' defined twice`);
        this.producers.set(out, { node, index });
      }
    });
    const modelInputs = [...this.inputs.keys()].filter((n) => !this.roles.has(n));
    if (modelInputs.length !== 1)
      throw new OnnxError(
        'graph.input',
        "one input besides the initializers, the lengths and the initial states (the model's input)",
        `${modelInputs.length}: ${modelInputs.join(', ') || 'none'}`,
      );
    const outputs = (this.graph.output ?? []).map((o) => o.name ?? '');
    if (outputs.length === 0)
      throw new OnnxError('graph.output', "the model's output (then, optionally, final states)", 'none');
    for (const p of this.order(outputs)) this.evaluate(p);
    const out = this.value(outputs[0], 'graph.output[0]');
    const data = this.asData(out, 'graph.output[0]');
    if (data.ids) throw new OnnxError('graph.output[0]', 'a value computed by layers', 'the ids input itself');
    this.expectPlain(data, 'graph.output[0]');
    if (data.chain.length === 0)
      throw new OnnxError('graph.output[0]', 'a value computed by at least one layer', 'the input itself');
    const modules = data.chain.filter((s): s is RecurrentSpec => s.type === 'recurrent');
    const seen = new Set<string>();
    outputs.slice(1).forEach((name, k) => {
      const where = `graph.output[${k + 1}] '${name}'`;
      this.expectFinalState(this.value(name, where), modules, where, seen);
    });
    for (const m of modules)
      if (m.states && m.states.rows !== m.weights.length * m.directions)
        throw new OnnxError(
          `graph input '${m.states.h}'`,
          `${m.weights.length * m.directions} rows (initial states [L·D, B, H] of a module of ${m.weights.length} layer(s), ${m.directions} direction(s))`,
          `${m.states.rows}`,
        );
    if (this.hasLengths && modules.length === 0)
      throw new OnnxError('graph.input', 'lengths only in a graph whose output a recurrent op computes', 'lengths');
    // Every lengths or states input is one the model reads: the caller passes them to forward().
    for (const name of this.roles.keys())
      if (!this.values.has(name))
        throw new OnnxError(`graph input '${name}'`, 'an input the outputs depend on', 'an input no output reads');
    return [...data.chain];
  }

  /**
   * The roles of graph inputs besides the model's: a recurrent op's sequence_lens (the lengths) and its
   * initial_h / initial_c, read directly or as rows of a Slice (initial states). A sequence_lens computed in
   * the graph is a packed sequence (torch's pack_padded_sequence): refused here, before the other ops such a
   * graph holds, so the error says why.
   */
  private assignRoles(nodes: readonly NodeProto[]): void {
    const sliced = new Map<string, string>();
    for (const node of nodes)
      if (node.op_type === 'Slice' && node.output?.[0]) sliced.set(node.output[0], node.input?.[0] ?? '');
    nodes.forEach((node, index) => {
      if (!['RNN', 'LSTM', 'GRU'].includes(node.op_type ?? '')) return;
      const lengths = node.input?.[4] ?? '';
      if (lengths !== '') {
        if (!this.inputs.has(lengths))
          throw this.unsupported(
            node,
            index,
            'sequence_lens a graph input (per-row lengths, as exportOnnx writes them; packed sequences are not imported)',
            `sequence_lens '${lengths}' computed in the graph`,
          );
        this.roles.set(lengths, 'lengths');
      }
      for (const name of [node.input?.[5] ?? '', node.input?.[6] ?? '']) {
        const source = this.inputs.has(name) ? name : sliced.get(name);
        if (source !== undefined && this.inputs.has(source)) this.roles.set(source, 'state');
      }
    });
    const lengths = [...this.roles].filter(([, r]) => r === 'lengths').map(([n]) => n);
    if (lengths.length > 1)
      throw new OnnxError(
        'graph.input',
        'one lengths input (the sequence_lens of every recurrent op)',
        lengths.join(', '),
      );
    this.lengthsInput = lengths[0];
  }

  /** The graph has a lengths input: every recurrent op takes it, and the model runs with `{ lengths }`. */
  get hasLengths(): boolean {
    return this.lengthsInput !== undefined;
  }

  /**
   * A graph output after the model's: the final states of one of the model's recurrent modules, h_n or c_n
   * [L·D, B, H] (every layer's Y_h or Y_c in order, joined on axis 0), each at most once.
   */
  private expectFinalState(v: Value, modules: readonly RecurrentSpec[], where: string, seen: Set<string>): void {
    const e = v.kind === 'states' && v.layout === 'DBH' ? v.entries : [];
    const m = modules.find((s) => s.id === e[0]?.module);
    const D = m?.directions ?? 1;
    const ok =
      m !== undefined &&
      e.length === m.weights.length * D &&
      e.every(
        (x, k) =>
          x.module === m.id &&
          x.cell === e[0].cell &&
          x.layer === Math.floor(k / D) &&
          x.dir === k % D &&
          x.weights === m.weights[x.layer],
      );
    if (!ok)
      throw new OnnxError(
        where,
        "final states of one of the model's recurrent modules (h_n or c_n: every layer's Y_h or Y_c, joined on axis 0)",
        v.kind === 'states'
          ? v.entries.map((x) => `${x.cell ? 'c' : 'h'} of layer ${x.layer} direction ${x.dir}`).join(' + ')
          : describeValue(v),
      );
    const key = `${m.id}/${e[0].cell ? 'c' : 'h'}`;
    if (seen.has(key)) throw new OnnxError(where, 'each final state once', `${e[0].cell ? 'c_n' : 'h_n'} again`);
    seen.add(key);
  }

  /** Records that state input `name` holds the initial states of module `id`; false if another module's. */
  claimStates(name: string, id: number): boolean {
    const owner = this.stateModules.get(name);
    if (owner !== undefined && owner !== id) return false;
    this.stateModules.set(name, id);
    return true;
  }

  private nodeName(node: NodeProto, index: number): string {
    return node.name ? `'${node.name}'` : `#${index}`;
  }

  private unsupported(node: NodeProto, index: number, expected: string, actual: string): OnnxUnsupportedError {
    return new OnnxUnsupportedError(this.nodeName(node, index), node.op_type ?? '?', this.opset, expected, actual);
  }

  /** The value named `name`: a node's output already evaluated, an initializer or the graph's input. */
  private value(name: string, where: string): Value {
    if (name === '') return { kind: 'absent' };
    const known = this.values.get(name);
    if (known) return known;
    let v: Value;
    const init = this.initializers.get(name);
    if (init) v = readTensor(init, `initializer '${name}'`);
    else if (this.inputs.has(name)) v = this.inputValue(this.inputs.get(name)!);
    else throw new OnnxError(where, `a value named '${name}' (an initializer, the input or a node's output)`, 'none');
    this.values.set(name, v);
    return v;
  }

  /** Runs a node whose inputs are known (see order()), keeping its outputs. */
  private evaluate(p: { node: NodeProto; index: number }): void {
    const outs = new Node(this, p.node, p.index).run();
    (p.node.output ?? []).forEach((o, i) => {
      if (o !== '') this.values.set(o, outs[i] ?? { kind: 'absent' });
    });
  }

  /**
   * The nodes the outputs depend on, each once and after the producers of its inputs: a depth-first walk on
   * an explicit stack (a long graph cannot exhaust the call stack); a cycle is an error naming a node on it.
   */
  private order(outputs: readonly string[]): { node: NodeProto; index: number }[] {
    const state = new Map<NodeProto, 'open' | 'done'>();
    const order: { node: NodeProto; index: number }[] = [];
    const stack: { p: { node: NodeProto; index: number }; next: number }[] = [];
    const visit = (name: string) => {
      const p = this.producers.get(name);
      if (!p || state.get(p.node) === 'done') return;
      if (state.get(p.node) === 'open')
        throw new OnnxError(`node ${this.nodeName(p.node, p.index)}`, 'an acyclic graph', `a cycle through '${name}'`);
      state.set(p.node, 'open');
      stack.push({ p, next: 0 });
    };
    for (const output of outputs) {
      visit(output);
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        const inputs = top.p.node.input ?? [];
        if (top.next < inputs.length) visit(inputs[top.next++]);
        else {
          state.set(top.p.node, 'done');
          order.push(top.p);
          stack.pop();
        }
      }
    }
    return order;
  }

  /** @internal Node's access to its inputs. */
  input(node: NodeProto, index: number, i: number): Value {
    return this.value(node.input?.[i] ?? '', `node ${this.nodeName(node, index)} input ${i}`);
  }

  get opsetVersion(): number {
    return this.opset;
  }

  private inputValue(info: ValueInfoProto): Data | Lengths | StateInput {
    const where = `graph input '${info.name}'`;
    const tt = info.type?.tensor_type;
    if (!tt) throw new OnnxError(where, 'a tensor input', 'another type');
    const dims = tt.shape?.dim ?? [];
    const shape: Dim[] = dims.map((d, i) => {
      if (d.dim_value !== undefined && d.dim_value !== 0) {
        if (!Number.isInteger(d.dim_value) || d.dim_value < 1 || d.dim_value > MAX_ELEMENTS)
          throw new OnnxError(
            `${where} dim ${i}`,
            `a size in [1, ${MAX_ELEMENTS}] or a symbolic one`,
            `${d.dim_value}`,
          );
        return d.dim_value;
      }
      return d.dim_param ? `${d.dim_param}` : `${info.name}[${i}]`;
    });
    const role = this.roles.get(info.name ?? '');
    if (role === 'lengths') {
      if (tt.elem_type !== DataType.INT32 || shape.length !== 1)
        throw new OnnxError(
          where,
          'lengths: int32 [B] (sequence_lens)',
          `data type ${tt.elem_type}, rank ${shape.length}`,
        );
      return { kind: 'lengths', B: shape[0], minusOne: false, shape, batchAxis: 0 };
    }
    if (role === 'state') {
      if ((tt.elem_type !== DataType.FLOAT && tt.elem_type !== DataType.DOUBLE) || shape.length !== 3)
        throw new OnnxError(
          where,
          'initial states: float [L·D, B, H]',
          `data type ${tt.elem_type}, rank ${shape.length}`,
        );
      return { kind: 'stateInput', name: info.name!, shape, start: 0, end: shape[0] };
    }
    const ids = tt.elem_type === DataType.INT64 || tt.elem_type === DataType.INT32;
    if (!ids && tt.elem_type !== DataType.FLOAT && tt.elem_type !== DataType.DOUBLE)
      throw new OnnxError(where, 'float, double or (ids) int64 / int32 elements', `data type ${tt.elem_type}`);
    if (ids ? shape.length < 1 || shape.length > 2 : shape.length < 2 || shape.length > 3)
      throw new OnnxError(
        where,
        ids ? 'ids of rank 1 or 2' : 'rank 2 ([B, F]) or 3 (a sequence)',
        `rank ${shape.length}`,
      );
    return { kind: 'data', chain: [], shape, axes: shape.map((_, i) => i), ids };
  }

  /** Final states used as data: the last layer's h_n (both directions side by side) is what LastStep gives. */
  asData(v: Value, where: string): Data {
    if (v.kind === 'data') return v;
    if (v.kind === 'states' && v.layout === 'side') return lastStepFromStates(v, where);
    throw new OnnxError(where, 'a value computed from the input', describeValue(v));
  }

  expectPlain(d: Data, where: string): void {
    if (d.split || d.axes.some((a, i) => a !== i))
      throw new OnnxError(
        where,
        "the layers' tensor as it is (a Transpose or Reshape the import cannot map is in the way)",
        `axes ${describeDims(d.axes)} of a tensor ${describeDims(d.shape)}`,
      );
  }
}

function describeValue(v: Value): string {
  switch (v.kind) {
    case 'const':
      return `a constant ${describeDims(v.shape)}`;
    case 'zeros':
      return `zeros ${describeDims(v.shape)}`;
    case 'states':
      return `final states of ${v.entries.length} direction(s), ${v.layout}`;
    case 'absent':
      return 'no value';
    case 'lengths':
      return v.minusOne ? `the lengths minus 1, ${describeDims(v.shape)}` : 'the lengths input';
    case 'stateInput':
      return `initial states '${v.name}' rows [${v.start}, ${v.end})`;
    case 'direction':
      return `direction ${v.dir} of a bidirectional output`;
    default:
      return `data ${describeDims(v.shape)}`;
  }
}

/** The sizes of a data value's axes as the ONNX graph sees them. */
function logicalDims(v: Data): Dim[] {
  return v.axes.map((a) => (a === 'U' ? 1 : a === 'D' ? v.split!.D : a === 'H' ? v.split!.H : v.shape[a]));
}

/** h_n of a module's last layer (LastStep's value when it follows the module) or an error naming what it is. */
function lastStepFromStates(v: States, where: string): Data {
  const e = v.entries;
  const chain = e[0].chain;
  const module = chain.at(-1);
  const ok =
    module?.type === 'recurrent' &&
    e.every((x) => x.chain === chain && !x.cell && x.layer === module.weights.length - 1) &&
    e.length === module.directions &&
    e.every((x, i) => x.dir === i);
  if (!ok || module?.type !== 'recurrent')
    throw new OnnxError(
      where,
      "the last layer's h_n (h[-1], or torch.cat([h[-2], h[-1]], 1) when bidirectional): what LastStep gives",
      e.map((x) => `${x.cell ? 'c' : 'h'} of layer ${x.layer} direction ${x.dir}`).join(' + '),
    );
  const H = module.hiddenSize * module.directions;
  return {
    kind: 'data',
    chain: [...chain, { type: 'last', batchFirst: module.batchFirst }],
    shape: [e[0].B, H],
    axes: [0, 1],
    ids: false,
  };
}

/** One node's evaluation. */
class Node {
  private readonly where: string;

  constructor(
    private readonly reader: GraphReader,
    private readonly node: NodeProto,
    private readonly index: number,
  ) {
    this.where = `node ${node.name ? `'${node.name}'` : `#${index}`} (${node.op_type}, opset ${reader.opsetVersion})`;
  }

  private fail(expected: string, actual: string): OnnxError {
    return new OnnxUnsupportedError(
      this.node.name ? `'${this.node.name}'` : `#${this.index}`,
      this.node.op_type ?? '?',
      this.reader.opsetVersion,
      expected,
      actual,
    );
  }

  private in(i: number): Value {
    return this.reader.input(this.node, this.index, i);
  }

  private attr(name: string): AttributeProto | undefined {
    return (this.node.attribute ?? []).find((a) => a.name === name);
  }

  private int(name: string, fallback: number): number {
    const a = this.attr(name);
    if (!a) return fallback;
    if (a.type !== AttributeType.INT) throw this.fail(`attribute ${name} an int`, `type ${a.type}`);
    return a.i ?? 0; // protobuf leaves a 0 out
  }

  private float(name: string, fallback: number): number {
    const a = this.attr(name);
    if (!a) return fallback;
    if (a.type !== AttributeType.FLOAT) throw this.fail(`attribute ${name} a float`, `type ${a.type}`);
    return shortestF32(a.f ?? 0);
  }

  private ints(name: string): number[] | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    if (a.type !== AttributeType.INTS) throw this.fail(`attribute ${name} ints`, `type ${a.type}`);
    return a.ints ?? [];
  }

  private floats(name: string): number[] | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    if (a.type !== AttributeType.FLOATS) throw this.fail(`attribute ${name} floats`, `type ${a.type}`);
    return a.floats ?? [];
  }

  private string(name: string): string | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    if (a.type !== AttributeType.STRING) throw this.fail(`attribute ${name} a string`, `type ${a.type}`);
    return fromUtf8(a.s ?? new Uint8Array());
  }

  /** Refuses attributes other than `known`. */
  private onlyAttributes(known: string[]): void {
    const names = (this.node.attribute ?? []).map((a) => a.name ?? '');
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) throw this.fail('each attribute once', `attribute '${n}' twice`);
    });
    for (const a of this.node.attribute ?? [])
      if (!known.includes(a.name ?? ''))
        throw this.fail(`attributes among ${known.length ? known.join(', ') : 'none'}`, `attribute '${a.name}'`);
  }

  private constIn(i: number, what: string): Const {
    const v = this.in(i);
    if (v.kind !== 'const') throw this.fail(`${what} (input ${i}) a constant`, describeValue(v));
    return v;
  }

  /** Refuses a weight tensor holding Inf or NaN, naming the tensor. */
  private finite(c: Const, i: number, what: string): Const {
    const k = c.data.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (k >= 0) throw this.fail(`${what} '${this.node.input?.[i]}' of finite values`, `${c.data[k]} at element ${k}`);
    return c;
  }

  /** A constant of integers, all known (no symbolic entries). */
  private numbers(c: Const, what: string): number[] {
    if (c.float || c.data.some((d) => typeof d !== 'number'))
      throw this.fail(`${what} known integers`, `${c.float ? 'floats' : 'symbolic entries'}`);
    return c.data as number[];
  }

  private axis(a: number, rank: number, what = 'axis'): number {
    if (!Number.isInteger(a) || a < -rank || a >= rank) throw this.fail(`${what} in [${-rank}, ${rank - 1}]`, `${a}`);
    return a < 0 ? a + rank : a;
  }

  private axesInput(i: number, attrName: string): number[] | undefined {
    if (this.reader.opsetVersion >= 13) {
      const v = this.in(i);
      return v.kind === 'absent' ? undefined : this.numbers(this.constIn(i, attrName), attrName);
    }
    return this.ints(attrName);
  }

  run(): Value[] {
    const op = this.node.op_type!;
    switch (op) {
      case 'Constant':
        return [this.constant()];
      case 'Shape':
        return [this.shape()];
      case 'Gather':
        return [this.gather()];
      case 'Unsqueeze':
        return [this.unsqueeze()];
      case 'Squeeze':
        return [this.squeeze()];
      case 'Concat':
        return [this.concat()];
      case 'ConstantOfShape':
        return [this.constantOfShape()];
      case 'Expand':
        return [this.expand()];
      case 'Slice':
        return [this.slice()];
      case 'Reshape':
        return [this.reshape()];
      case 'Transpose':
        return [this.transpose()];
      case 'Identity':
        this.onlyAttributes([]);
        return [this.in(0)];
      case 'Gemm':
        return [this.gemm()];
      case 'MatMul':
        return [this.matmul()];
      case 'Add':
        return [this.add()];
      case 'Mul':
        return [this.mul()];
      case 'Sub':
        return [this.sub()];
      case 'GatherElements':
        return [this.gatherElements()];
      case 'Cast':
        return [this.cast()];
      case 'RNN':
      case 'LSTM':
      case 'GRU':
        return this.recurrent(op.toLowerCase() as Cell);
      default:
        return [this.activation()];
    }
  }

  private constant(): Value {
    const a = this.node.attribute ?? [];
    if (a.length !== 1) throw this.fail('one value attribute', `${a.length} attributes`);
    const [x] = a;
    switch (x.name) {
      case 'value':
        if (!x.t) throw this.fail('a tensor value', 'none');
        return readTensor(x.t, this.where);
      case 'value_int':
        return { kind: 'const', float: false, shape: [], data: [x.i ?? 0] };
      case 'value_ints':
        return { kind: 'const', float: false, shape: [x.ints?.length ?? 0], data: x.ints ?? [] };
      case 'value_float':
        return { kind: 'const', float: true, shape: [], data: [x.f ?? 0] };
      case 'value_floats':
        return { kind: 'const', float: true, shape: [x.floats?.length ?? 0], data: x.floats ?? [] };
      default:
        throw this.fail('value, value_int(s) or value_float(s)', `attribute '${x.name}'`);
    }
  }

  private shape(): Value {
    this.onlyAttributes([]);
    const v = this.in(0);
    let dims: Dim[];
    if (v.kind === 'const' || v.kind === 'zeros') dims = v.shape;
    else if (v.kind === 'data') dims = logicalDims(v);
    else if (v.kind === 'states' && v.layout === 'DBH') dims = [v.entries.length, v.entries[0].B, v.entries[0].H];
    else throw this.fail('a tensor', describeValue(v));
    return { kind: 'const', float: false, shape: [dims.length], data: dims };
  }

  private gather(): Value {
    this.onlyAttributes(['axis']);
    const data = this.in(0);
    const indices = this.in(1);
    if (data.kind === 'const' && indices.kind === 'data' && indices.ids) return this.embedding(data, indices);
    const idx = this.constIn(1, 'indices');
    const positions = this.numbers(idx, 'indices');
    if (data.kind === 'const') {
      const axis = this.axis(this.int('axis', 0), data.shape.length);
      const n = data.shape[axis];
      const picks = positions.map((p) => {
        if (p < -n || p >= n) throw this.fail(`indices in [${-n}, ${n - 1}]`, `${p}`);
        return p < 0 ? p + n : p;
      });
      const r = take(data, axis, picks);
      return { ...r, shape: [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)] };
    }
    if (data.kind === 'states' && data.layout === 'DBH') {
      const axis = this.axis(this.int('axis', 0), 3);
      if (axis !== 0 || idx.shape.length !== 0)
        throw this.fail(
          'one layer and direction of the final states (h[k])',
          `axis ${axis}, indices ${describeDims(idx.shape)}`,
        );
      const n = data.entries.length;
      const p = positions[0];
      if (p < -n || p >= n) throw this.fail(`an index in [${-n}, ${n - 1}]`, `${p}`);
      return { kind: 'states', layout: 'side', entries: [data.entries[p < 0 ? p + n : p]] };
    }
    if (data.kind === 'data' && data.split) return this.direction(data, idx, positions);
    if (data.kind === 'data') return this.lastStep(data, idx, positions);
    throw this.fail('a constant, final states or a sequence to gather from', describeValue(data));
  }

  /** Gather(weight, ids) → Embedding. */
  private embedding(weight: Const, ids: Data): Data {
    if (this.int('axis', 0) !== 0) throw this.fail('axis 0 (rows of the table)', `axis ${this.int('axis', 0)}`);
    if (!weight.float || weight.shape.length !== 2)
      throw this.fail('a float table [num, dim]', `${weight.float ? '' : 'int '}${describeDims(weight.shape)}`);
    if (ids.chain.length !== 0) throw this.fail('the graph input as ids', 'ids computed by layers');
    const [num, dim] = weight.shape;
    if (num < 1 || num > MAX_VOCABULARY || dim < 1)
      throw this.fail(
        `a table of 1..${MAX_VOCABULARY} rows (ids are exact f32 integers) and ≥ 1 columns`,
        describeDims(weight.shape),
      );
    this.finite(weight, 0, 'the table');
    return {
      kind: 'data',
      chain: [{ type: 'embedding', num, dim, weight: weight.data as number[] }],
      shape: [...ids.shape, dim],
      axes: [...ids.axes, ids.shape.length],
      ids: false,
    };
  }

  /** Gather of one direction on the direction axis of a bidirectional op's Y [T, 2, B, H]: one side of a merge. */
  private direction(y: Data, idx: Const, positions: number[]): Direction {
    const axis = this.axis(this.int('axis', 0), y.axes.length);
    if (y.axes[axis] !== 'D' || y.split!.D !== 2 || idx.shape.length !== 0)
      throw this.fail(
        "one direction (a scalar index on the direction axis) of a bidirectional op's output",
        `indices ${describeDims(idx.shape)} on axis ${axis} of ${describeDims(logicalDims(y))}`,
      );
    const p = positions[0];
    if (p < -2 || p > 1) throw this.fail('an index in [-2, 1]', `${p}`);
    return { kind: 'direction', of: y, dir: p < 0 ? p + 2 : p };
  }

  /** Gather of step −1 on the time axis (out[-1], out[:, -1]) → LastStep. */
  private lastStep(d: Data, idx: Const, positions: number[]): Data {
    if (idx.shape.length !== 0)
      throw this.fail('one step (a scalar index) of a sequence', `indices ${describeDims(idx.shape)}`);
    return this.lastStepOf(d, this.int('axis', 0), positions[0]);
  }

  /**
   * Step `index` on `axis` of a sequence [T, B, F] or [B, T, F] as LastStep [B, F]: the last step (-1, or
   * T-1 for a known T) of the time axis, which is the nearest recurrent module's; or, 'per row', each row's
   * last valid step (len[b] − 1), what LastStep takes when the model runs with lengths.
   */
  private lastStepOf(d: Data, axis0: number, index: number | 'per row'): Data {
    this.reader.expectPlain(d, this.where);
    if (d.ids || d.shape.length !== 3) throw this.fail('a step of a sequence [T, B, F] or [B, T, F]', describeValue(d));
    const axis = this.axis(axis0, 3);
    const recurrent = [...d.chain].reverse().find((s) => s.type === 'recurrent') as RecurrentSpec | undefined;
    const timeAxis = recurrent ? (recurrent.batchFirst ? 1 : 0) : axis;
    const T = d.shape[timeAxis];
    if (index !== 'per row' && this.reader.hasLengths)
      throw this.fail(
        "each row's last valid step (a GatherElements at lengths − 1), as LastStep takes it in a model run with the graph's lengths",
        `step ${index} of every row`,
      );
    const last = index === 'per row' || index === -1 || (typeof T === 'number' && index === T - 1);
    if (axis !== timeAxis || !last || axis > 1)
      throw this.fail(`the last step (index -1) of the time axis ${timeAxis}`, `index ${index} on axis ${axis}`);
    const previous = d.chain.at(-1);
    if (previous?.type === 'recurrent' && previous.directions === 2)
      throw this.fail(
        "the last step of a unidirectional module (a bidirectional module's output at step T-1 holds the backward direction's first step; export torch.cat([h[-2], h[-1]], 1) of its h_n instead)",
        'the last step of a bidirectional output',
      );
    return {
      kind: 'data',
      chain: [...d.chain, { type: 'last', batchFirst: timeAxis === 1 }],
      shape: [d.shape[1 - timeAxis], d.shape[2]],
      axes: [0, 1],
      ids: false,
    };
  }

  private unsqueeze(): Value {
    this.onlyAttributes(this.reader.opsetVersion >= 13 ? [] : ['axes']);
    const v = this.in(0);
    const axes = this.axesInput(1, 'axes');
    if (!axes) throw this.fail('axes', 'none');
    if (v.kind !== 'const') throw this.fail('a constant (shape glue)', describeValue(v));
    const rank = v.shape.length + axes.length;
    const norm = axes.map((a) => this.axis(a, rank, 'axes'));
    const shape: number[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : v.shape[k++]);
    return { ...v, shape };
  }

  private squeeze(): Value {
    this.onlyAttributes(this.reader.opsetVersion >= 13 ? [] : ['axes']);
    const v = this.in(0);
    const axes = this.axesInput(1, 'axes');
    if (v.kind === 'const') {
      const norm = (axes ?? v.shape.flatMap((s, i) => (s === 1 ? [i] : []))).map((a) => this.axis(a, v.shape.length));
      for (const a of norm) if (v.shape[a] !== 1) throw this.fail(`axis ${a} of size 1`, `${v.shape[a]}`);
      return { ...v, shape: v.shape.filter((_, i) => !norm.includes(i)) };
    }
    if (v.kind === 'data') {
      if (!axes || axes.length !== 1)
        throw this.fail('one axis to squeeze', axes ? describeDims(axes) : 'all size-1 axes');
      const a = this.axis(axes[0], v.axes.length);
      // The step axis a Slice or GatherElements of the last step kept: the tensor is LastStep's [B, F] already.
      if (v.axes[a] === 'U') return { ...v, axes: v.axes.filter((_, i) => i !== a) };
      // Y [T, D, B, H] of a unidirectional op: D (size 1) goes, and the tensor's last axis is H.
      if (v.axes[a] !== 'D' || v.split?.D !== 1)
        throw this.fail('the direction axis of a unidirectional recurrent op', `axis ${a}`);
      const last = v.shape.length - 1;
      return { ...v, axes: v.axes.filter((_, i) => i !== a).map((x) => (x === 'H' ? last : x)), split: undefined };
    }
    if (v.kind === 'states' && v.layout === 'DBH' && v.entries.length === 1) {
      if (axes && (axes.length !== 1 || this.axis(axes[0], 3) !== 0))
        throw this.fail('axis 0 of final states', describeDims(axes));
      return { kind: 'states', layout: 'side', entries: v.entries };
    }
    throw this.fail('a constant, a unidirectional recurrent output or one final state', describeValue(v));
  }

  private concat(): Value {
    this.onlyAttributes(['axis']);
    const parts = (this.node.input ?? []).map((_, i) => this.in(i));
    if (parts.length === 0) throw this.fail('at least one input', 'none');
    if (parts.every((p) => p.kind === 'const')) {
      const cs = parts as Const[];
      const rank = cs[0].shape.length;
      const axis = this.axis(this.int('axis', 0), rank);
      for (const c of cs)
        if (
          c.shape.length !== rank ||
          c.float !== cs[0].float ||
          c.shape.some((s, i) => i !== axis && s !== cs[0].shape[i])
        )
          throw this.fail(
            `inputs of one type and shape but on axis ${axis}`,
            cs.map((x) => describeDims(x.shape)).join(', '),
          );
      return concatConst(cs, axis);
    }
    if (parts.every((p) => p.kind === 'states')) {
      const ss = parts as States[];
      const layout = ss[0].layout;
      const axis = this.axis(this.int('axis', 0), layout === 'side' ? 2 : 3);
      if (ss.some((s) => s.layout !== layout) || axis !== (layout === 'DBH' ? 0 : 1))
        throw this.fail('final states joined on axis 0 (h_n) or, one per direction, on axis 1', `axis ${axis}`);
      return { kind: 'states', layout, entries: ss.flatMap((s) => s.entries) };
    }
    throw this.fail('constants (shape glue) or final states', parts.map(describeValue).join(', '));
  }

  private constantOfShape(): Value {
    this.onlyAttributes(['value']);
    const shape = this.constIn(0, 'shape');
    if (shape.float || shape.shape.length !== 1) throw this.fail('a 1-D int shape', describeValue(shape));
    const a = this.attr('value');
    const fill = a?.t ? readTensor(a.t, this.where) : undefined;
    const value = fill ? Number(fill.data[0] ?? 0) : 0;
    const isFloat = fill ? fill.float : true;
    for (const d of shape.data)
      if (typeof d === 'number' && (!Number.isInteger(d) || d < 0 || d > MAX_ELEMENTS))
        throw this.fail(`dims in [0, ${MAX_ELEMENTS}]`, `${d}`);
    if (shape.data.every((d) => typeof d === 'number')) {
      const dims = shape.data as number[];
      const n = product(dims);
      if (n > MAX_ELEMENTS) throw this.fail(`at most ${MAX_ELEMENTS} elements`, describeDims(dims));
      return { kind: 'const', float: isFloat, shape: dims, data: new Array<number>(n).fill(value) };
    }
    if (value !== 0 || !isFloat) throw this.fail('zeros (the initial states) when the shape is symbolic', `${value}`);
    return { kind: 'zeros', shape: shape.data };
  }

  /**
   * Expand of one repeated value (the zero initial states of a graph exported with static shapes), or of
   * each row's last valid step over the features (exportOnnx's indices for a GatherElements).
   */
  private expand(): Value {
    this.onlyAttributes([]);
    const v = this.in(0);
    const target = this.constIn(1, 'shape');
    if (target.float || target.shape.length !== 1) throw this.fail('a 1-D int shape', describeValue(target));
    const fill = v.kind === 'zeros' ? 0 : v.kind === 'const' && v.data.length > 0 ? v.data[0] : undefined;
    const steps = v.kind === 'lengths' && v.minusOne;
    if (!steps && (fill === undefined || (v.kind === 'const' && v.data.some((x) => x !== fill))))
      throw this.fail("a tensor of one repeated value (shape glue) or each row's last step", describeValue(v));
    const from = (v as Const | Zeros | Lengths).shape;
    const rank = Math.max(from.length, target.data.length);
    const pad = <T>(xs: T[]) => [...new Array<Dim>(rank - xs.length).fill(1), ...xs];
    const [a, b] = [pad(from), pad(target.data)];
    const shape = a.map((x, i) => {
      if (x === 1) return b[i];
      if (b[i] === 1 || b[i] === x) return x;
      throw this.fail(`a shape ${describeDims(from)} broadcasts to`, describeDims(target.data));
    });
    for (const d of shape)
      if (typeof d === 'number' && (!Number.isInteger(d) || d < 0 || d > MAX_ELEMENTS))
        throw this.fail(`dims in [0, ${MAX_ELEMENTS}]`, describeDims(shape));
    if (v.kind === 'lengths') return { ...v, shape, batchAxis: v.batchAxis + rank - from.length };
    if (shape.every((d) => typeof d === 'number')) {
      const n = product(shape as number[]);
      if (n > MAX_ELEMENTS) throw this.fail(`at most ${MAX_ELEMENTS} elements`, describeDims(shape));
      return {
        kind: 'const',
        float: v.kind === 'zeros' || (v as Const).float,
        shape: shape as number[],
        data: new Array<Dim>(n).fill(fill!),
      };
    }
    if (fill !== 0) throw this.fail('zeros when the shape is symbolic', `${fill}`);
    return { kind: 'zeros', shape };
  }

  /** Slice's bounds: attributes before opset 10, inputs since. */
  private sliceBounds(): { starts: number[]; ends: number[]; axes: number[]; steps: number[] } {
    if (this.reader.opsetVersion < 10) {
      this.onlyAttributes(['starts', 'ends', 'axes']);
      const starts = this.ints('starts');
      const ends = this.ints('ends');
      if (!starts || !ends) throw this.fail('attributes starts and ends', 'none');
      return { starts, ends, axes: this.ints('axes') ?? starts.map((_, i) => i), steps: starts.map(() => 1) };
    }
    this.onlyAttributes([]);
    const starts = this.numbers(this.constIn(1, 'starts'), 'starts');
    const ends = this.numbers(this.constIn(2, 'ends'), 'ends');
    const axesV = this.in(3);
    const axes = axesV.kind === 'absent' ? starts.map((_, i) => i) : this.numbers(this.constIn(3, 'axes'), 'axes');
    const stepsV = this.in(4);
    const steps = stepsV.kind === 'absent' ? starts.map(() => 1) : this.numbers(this.constIn(4, 'steps'), 'steps');
    return { starts, ends, axes, steps };
  }

  private slice(): Value {
    const v = this.in(0);
    const { starts, ends, axes, steps } = this.sliceBounds();
    if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length)
      throw this.fail(
        'starts, ends, axes and steps of one length',
        `${starts.length}, ${ends.length}, ${axes.length}, ${steps.length}`,
      );
    if (v.kind === 'data') {
      // out[-1:] (out[:, -1:]): the last step, keeping the step axis (of size 1) that a Squeeze then drops.
      const T = v.shape[v.axes[axes[0]] as number];
      const toEnd = (e: number) => e >= 2 ** 31 - 1 || (typeof T === 'number' && e >= T);
      if (axes.length !== 1 || steps[0] !== 1 || !toEnd(ends[0]))
        throw this.fail('the last step of a sequence (a slice from -1 to the end)', `slice ${starts}:${ends}`);
      const d = this.lastStepOf(v, axes[0], starts[0]);
      const a = this.axis(axes[0], 3);
      return { ...d, axes: a === 0 ? ['U', 0, 1] : [0, 'U', 1] };
    }
    if (v.kind === 'stateInput') {
      // h0[l·D:(l+1)·D]: the rows of one layer of the module's initial states.
      const n = v.shape[0];
      if (
        axes.length !== 1 ||
        this.axis(axes[0], 3) !== 0 ||
        steps[0] !== 1 ||
        typeof n !== 'number' ||
        v.start !== 0 ||
        v.end !== n
      )
        throw this.fail(
          'rows of a graph input of initial states (axis 0 of known size, step 1)',
          `slice ${starts}:${ends} on axes ${describeDims(axes)} of ${describeValue(v)}, ${describeDims(v.shape)}`,
        );
      const clamp = (x: number) => Math.min(Math.max(x < 0 ? x + n : x, 0), n);
      const start = clamp(starts[0]);
      return { ...v, start, end: Math.max(clamp(ends[0]), start) };
    }
    if (v.kind !== 'const' && v.kind !== 'zeros') throw this.fail('a constant, zeros or a sequence', describeValue(v));
    const rank = v.shape.length;
    let shape: Dim[] = [...v.shape];
    let cur: Const | Zeros = v;
    axes.forEach((a0, k) => {
      const a = this.axis(a0, rank);
      const n = shape[a];
      if (typeof n !== 'number') throw this.fail(`a known size on sliced axis ${a}`, `${n}`);
      if (steps[k] !== 1) throw this.fail('step 1', `${steps[k]}`);
      const clamp = (x: number) => Math.min(Math.max(x < 0 ? x + n : x, 0), n);
      const s = clamp(starts[k]);
      const e = Math.max(clamp(ends[k]), s);
      const picks = Array.from({ length: e - s }, (_, i) => s + i);
      if (cur.kind === 'const') cur = take(cur, a, picks);
      shape = shape.map((d, i) => (i === a ? e - s : d));
    });
    return cur.kind === 'const' ? cur : { kind: 'zeros', shape };
  }

  private reshape(): Value {
    this.onlyAttributes(['allowzero']);
    const v = this.in(0);
    const target = this.constIn(1, 'shape');
    const allowzero = this.int('allowzero', 0);
    if (v.kind === 'const') {
      const dims = this.numbers(target, 'shape');
      const n = product(v.shape);
      const out = dims.map((d, i) => (d === 0 && !allowzero ? v.shape[i] : d));
      const known = product(out.filter((d) => d !== -1));
      const filled = out.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d));
      if (
        out.filter((d) => d === -1).length > 1 ||
        product(filled) !== n ||
        filled.some((d) => !Number.isInteger(d) || d < 0)
      )
        throw this.fail(`a shape of ${n} elements`, describeDims(dims));
      return { ...v, shape: filled };
    }
    if (v.kind === 'lengths' && v.minusOne) {
      // len − 1 [B] → [1, B, 1] or [B, 1, 1]: the indices of each row's last step on the time axis.
      const dims = this.numbers(target, 'shape');
      const k = dims.findIndex((d) => d !== 1);
      const ok =
        target.shape.length === 1 &&
        dims.filter((d) => d !== 1).length === 1 &&
        (dims[k] === -1 || dims[k] === v.B) &&
        v.shape.every((d, i) => i === v.batchAxis || d === 1);
      if (!ok) throw this.fail(`the batch axis (${v.B}) among axes of size 1`, describeDims(dims));
      return { ...v, shape: dims.map((_, i) => (i === k ? v.B : 1)), batchAxis: k };
    }
    if (v.kind === 'data' && !v.split && v.axes.includes('U')) {
      // The last step [1, B, F] or [B, 1, F] (a GatherElements) → LastStep's [B, F].
      const axes = v.axes.filter((a) => a !== 'U');
      this.expectReshape(
        target,
        allowzero,
        logicalDims(v),
        axes.map((a) => v.shape[a as number]),
      );
      return { ...v, axes };
    }
    if (v.kind === 'data' && v.split) {
      // [.., D, H] → [.., D·H] (the directions side by side: the layers' own tensor), or with D = 1
      // anywhere, [.., 1, .., H] → [.., H].
      const k = v.axes.indexOf('D');
      const last = v.shape.length - 1;
      const merge = v.axes[k + 1] === 'H';
      if (!merge && v.split.D !== 1)
        throw this.fail('direction and hidden axes next to each other, to merge', `axes ${describeDims(v.axes)}`);
      const axes: Axis[] = merge
        ? [...v.axes.slice(0, k), last, ...v.axes.slice(k + 2)]
        : v.axes.filter((a) => a !== 'D').map((a) => (a === 'H' ? last : a));
      const before = logicalDims(v);
      this.expectReshape(
        target,
        allowzero,
        before,
        axes.map((a) => v.shape[a as number]),
      );
      return { ...v, axes, split: undefined };
    }
    if (v.kind === 'states' && v.layout !== 'side') {
      // Y_h [B, D, H] → [B, D·H] (directions side by side), or [1, B, H] → [B, H].
      const [B, H, n] = [v.entries[0].B, v.entries[0].H, v.entries.length];
      if (v.layout === 'DBH' && n !== 1)
        throw this.fail('final states of one direction, or transposed to [B, D, H]', describeValue(v));
      const before = v.layout === 'DBH' ? [n, B, H] : [B, n, H];
      this.expectReshape(target, allowzero, before, [B, n * H]);
      return { kind: 'states', layout: 'side', entries: v.entries };
    }
    throw this.fail("a constant or a bidirectional op's output (shape glue)", describeValue(v));
  }

  /** Refuses a Reshape target that does not give `after` from `before` (-1 once, 0 copying, known sizes). */
  private expectReshape(target: Const, allowzero: number, before: Dim[], after: Dim[]): void {
    const dims = target.data;
    const ok =
      target.shape.length === 1 &&
      dims.length === after.length &&
      dims.filter((d) => d === -1).length <= 1 &&
      dims.every((d, i) => d === -1 || d === after[i] || (d === 0 && !allowzero && before[i] === after[i]));
    if (!ok) throw this.fail(`a shape ${describeDims(after)} from ${describeDims(before)}`, describeDims(dims));
  }

  private transpose(): Value {
    this.onlyAttributes(['perm']);
    const v = this.in(0);
    if (v.kind === 'states' && v.layout !== 'side') {
      const perm = this.ints('perm') ?? [2, 1, 0];
      if (perm.join() === '0,1,2') return v;
      if (perm.join() !== '1,0,2') throw this.fail('final states transposed by [1, 0, 2]', describeDims(perm));
      return { ...v, layout: v.layout === 'DBH' ? 'BDH' : 'DBH' };
    }
    const rank = v.kind === 'data' ? v.axes.length : v.kind === 'const' ? v.shape.length : -1;
    if (rank < 0) throw this.fail('a constant, data or final states', describeValue(v));
    const perm = this.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    if (perm.length !== rank || [...perm].sort().some((p, i) => p !== i))
      throw this.fail(`a permutation of ${rank} axes`, describeDims(perm));
    if (v.kind === 'data') return { ...v, axes: perm.map((p) => v.axes[p]) };
    const c = v as Const;
    const strides = stridesOf(c.shape);
    const shape = perm.map((p) => c.shape[p]);
    const out: Dim[] = [];
    forEachIndex(shape, (idx) => {
      let off = 0;
      idx.forEach((x, i) => (off += x * strides[perm[i]]));
      out.push(c.data[off]);
    });
    return { ...c, shape, data: out };
  }

  /** The data input of a layer op, plain (the layers' tensor itself). */
  private dataIn(i: number): Data {
    const d = this.reader.asData(this.in(i), this.where);
    this.reader.expectPlain(d, this.where);
    if (d.ids) throw this.fail('features (ids feed a Gather, an Embedding)', 'the ids input');
    return d;
  }

  private features(d: Data): number {
    const F = d.shape.at(-1);
    if (typeof F !== 'number') throw this.fail('a known feature size', `${F}`);
    return F;
  }

  private linear(
    d: Data,
    inF: number,
    outF: number,
    weight: number[],
    bias: number[] | undefined,
    fromMatMul: boolean,
  ): Data {
    const F = this.features(d);
    if (inF < 1 || outF < 1) throw this.fail('a weight with ≥ 1 row and column', `[${outF}, ${inF}]`);
    if (F !== inF) throw this.fail(`a weight for ${F} input features`, `${inF}`);
    return {
      ...d,
      chain: [...d.chain, { type: 'linear', inFeatures: inF, outFeatures: outF, weight, bias, fromMatMul }],
      shape: [...d.shape.slice(0, -1), outF],
    };
  }

  private gemm(): Data {
    this.onlyAttributes(['alpha', 'beta', 'transA', 'transB']);
    const d = this.dataIn(0);
    if (d.shape.length !== 2) throw this.fail('A of rank 2', describeDims(d.shape));
    if (this.int('transA', 0) !== 0) throw this.fail('transA 0', `${this.int('transA', 0)}`);
    if (this.float('alpha', 1) !== 1 || this.float('beta', 1) !== 1)
      throw this.fail('alpha 1 and beta 1', `${this.float('alpha', 1)}, ${this.float('beta', 1)}`);
    const b = this.finite(this.constIn(1, 'B'), 1, 'B');
    if (!b.float || b.shape.length !== 2) throw this.fail('a float matrix B', describeValue(b));
    const transB = this.int('transB', 0) !== 0;
    const [outF, inF] = transB ? b.shape : [b.shape[1], b.shape[0]];
    const weight = transB ? (b.data as number[]) : (transposeMatrix(b) as number[]);
    const cv = this.in(2);
    let bias: number[] | undefined;
    if (cv.kind !== 'absent') {
      if (
        cv.kind !== 'const' ||
        !cv.float ||
        product(cv.shape) !== outF ||
        (cv.shape.length > 1 && cv.shape.at(-1) !== outF)
      )
        throw this.fail(`a bias C of ${outF} floats`, describeValue(cv));
      bias = this.finite(cv, 2, 'C').data as number[];
    }
    return this.linear(d, inF, outF, weight, bias, false);
  }

  private matmul(): Data {
    this.onlyAttributes([]);
    const d = this.dataIn(0);
    const b = this.finite(this.constIn(1, 'B'), 1, 'B');
    if (!b.float || b.shape.length !== 2) throw this.fail('a float matrix B [in, out]', describeValue(b));
    const [inF, outF] = b.shape;
    return this.linear(d, inF, outF, transposeMatrix(b) as number[], undefined, true);
  }

  /** Add(MatMul(x, W), b) → a Linear's bias; Add of a bidirectional op's two directions → the 'sum' merge. */
  private add(): Data {
    this.onlyAttributes([]);
    const [a, b] = [this.in(0), this.in(1)];
    if (a.kind === 'direction' || a.kind === 'states') return this.merge(a, b, 'sum');
    const [dv, cv] = a.kind === 'data' ? [a, b] : [b, a];
    if (dv.kind !== 'data' || cv.kind !== 'const')
      throw this.fail("a MatMul's output plus a constant bias", `${describeValue(a)} + ${describeValue(b)}`);
    this.reader.expectPlain(dv, this.where);
    const last = dv.chain.at(-1);
    if (last?.type !== 'linear' || !last.fromMatMul || last.bias)
      throw this.fail("a MatMul's output (the bias of a Linear)", `the output of ${last ? last.type : 'the input'}`);
    if (!cv.float || product(cv.shape) !== last.outFeatures || cv.shape.at(-1) !== last.outFeatures)
      throw this.fail(`a bias of ${last.outFeatures} floats`, describeValue(cv));
    const bias = this.finite(cv, a.kind === 'data' ? 1 : 0, 'bias').data as number[];
    return { ...dv, chain: [...dv.chain.slice(0, -1), { ...last, bias, fromMatMul: false }] };
  }

  /** Mul of a bidirectional op's two directions → the 'mul' merge; a 'sum' merge times 0.5 → 'ave'. */
  private mul(): Data {
    this.onlyAttributes([]);
    const [a, b] = [this.in(0), this.in(1)];
    if (a.kind === 'direction' || a.kind === 'states') return this.merge(a, b, 'mul');
    const [d, c] = a.kind === 'data' ? [a, b] : [b, a];
    if (d.kind === 'data' && c.kind === 'const' && !d.split) {
      // The merge's module is the chain's last layer, or the one before a LastStep made from its h_n.
      const k = d.chain.at(-1)?.type === 'last' ? d.chain.length - 2 : d.chain.length - 1;
      const spec = d.chain[k];
      if (
        spec?.type === 'recurrent' &&
        spec.mergeMode === 'sum' &&
        c.float &&
        product(c.shape) === 1 &&
        c.shape.length <= d.axes.length &&
        c.data[0] === 0.5
      )
        return { ...d, chain: d.chain.map((s, i) => (i === k ? { ...spec, mergeMode: 'ave' as const } : s)) };
    }
    throw this.fail(
      "a bidirectional op's two directions (the 'mul' merge) or their sum times 0.5 (the 'ave' merge)",
      `${describeValue(a)} × ${describeValue(b)}`,
    );
  }

  /**
   * The two directions of a bidirectional module merged ('sum' or 'mul'): of its output sequence (a Gather of
   * each direction of Y), or of its h_n before a LastStep (a Gather of each row of the last layer's Y_h).
   */
  private merge(a: Value, b: Value, mode: 'sum' | 'mul'): Data {
    if (a.kind === 'direction' && b.kind === 'direction' && a.of === b.of && a.dir !== b.dir) {
      const y = a.of;
      const spec = y.chain.at(-1) as RecurrentSpec; // Y is its op's output: the chain ends in the op's module
      const last = y.shape.length - 1;
      return {
        kind: 'data',
        chain: [...y.chain.slice(0, -1), { ...spec, mergeMode: mode }],
        shape: [...y.shape.slice(0, -1), y.split!.H],
        axes: y.axes.filter((x) => x !== 'D').map((x) => (x === 'H' ? last : x)),
        ids: false,
      };
    }
    if (
      a.kind === 'states' &&
      b.kind === 'states' &&
      a.layout === 'side' &&
      b.layout === 'side' &&
      a.entries.length === 1 &&
      b.entries.length === 1
    ) {
      const entries = [a.entries[0], b.entries[0]].sort((x, y) => x.dir - y.dir);
      const d = lastStepFromStates({ kind: 'states', layout: 'side', entries }, this.where);
      const spec = d.chain.at(-2) as RecurrentSpec;
      return {
        ...d,
        chain: [...d.chain.slice(0, -2), { ...spec, mergeMode: mode }, d.chain.at(-1)!],
        shape: [d.shape[0], spec.hiddenSize],
      };
    }
    throw this.fail(
      "the two directions of a bidirectional op's output or of its last layer's final state (a merge)",
      `${describeValue(a)} and ${describeValue(b)}`,
    );
  }

  /** lengths − 1: each row's last valid step (exportOnnx's LastStep in a graph with lengths). */
  private sub(): Lengths {
    this.onlyAttributes([]);
    const [a, b] = [this.in(0), this.in(1)];
    if (
      a.kind === 'lengths' &&
      !a.minusOne &&
      b.kind === 'const' &&
      !b.float &&
      b.shape.length <= 1 &&
      product(b.shape) === 1 &&
      b.data[0] === 1
    )
      return { ...a, minusOne: true };
    throw this.fail(
      "the lengths input minus 1 (each row's last valid step)",
      `${describeValue(a)} − ${describeValue(b)}`,
    );
  }

  /** GatherElements of each row's step len[b] − 1 on the time axis → LastStep (run with the lengths). */
  private gatherElements(): Data {
    this.onlyAttributes(['axis']);
    const d = this.reader.asData(this.in(0), this.where);
    const idx = this.in(1);
    if (idx.kind !== 'lengths' || !idx.minusOne)
      throw this.fail("indices: each row's last valid step (the lengths input minus 1)", describeValue(idx));
    const axis = this.int('axis', 0);
    const r = this.lastStepOf(d, axis, 'per row');
    const a = this.axis(axis, 3);
    const expected = d.shape.map((s, i) => (i === a ? 1 : s));
    if (idx.batchAxis !== 1 - a || idx.shape.length !== 3 || idx.shape.some((s, i) => s !== expected[i]))
      throw this.fail(
        `indices ${describeDims(expected)}: the lengths' rows on the batch axis, broadcast over the features`,
        `${describeDims(idx.shape)}, the lengths on axis ${idx.batchAxis}`,
      );
    return { ...r, axes: a === 0 ? ['U', 0, 1] : [0, 'U', 1] };
  }

  /** Cast of a constant: weights to float or double (exportOnnx's f16 initializers), integers to int64 / int32. */
  private cast(): Const {
    this.onlyAttributes(['to']);
    const c = this.constIn(0, 'input');
    const to = this.int('to', 0);
    const ok = c.float
      ? to === DataType.FLOAT || to === DataType.DOUBLE
      : (to === DataType.INT64 || to === DataType.INT32) &&
        (to === DataType.INT64 || c.data.every((v) => typeof v !== 'number' || (v >= -(2 ** 31) && v < 2 ** 31)));
    if (!ok)
      throw this.fail(
        c.float ? 'a cast to float or double' : 'a cast to int64, or to int32 of values in its range',
        `to data type ${to}`,
      );
    return to === DataType.FLOAT ? { ...c, data: c.data.map((v) => Math.fround(v as number)) } : c;
  }

  private activation(): Data {
    const op = this.node.op_type!;
    const name = ACTIVATIONS[op];
    this.onlyAttributes(op === 'LeakyRelu' || op === 'Elu' ? ['alpha'] : []);
    const d = this.dataIn(0);
    const param = op === 'LeakyRelu' ? this.float('alpha', 0.01) : op === 'Elu' ? this.float('alpha', 1) : undefined;
    if (param !== undefined && !Number.isFinite(param)) throw this.fail('a finite alpha', `${param}`);
    return { ...d, chain: [...d.chain, { type: 'activation', name, param }] };
  }

  /**
   * The cell's activation: LSTM's and GRU's are fixed (sigmoid, tanh[, tanh]); an RNN's is the same in each
   * direction, one of Tanh, Relu, Sigmoid, LeakyRelu, Elu (alpha from activation_alpha, one per direction)
   * or Affine with alpha 1 and beta 0 (the identity, as exportOnnx writes it).
   */
  private activations(cell: Cell, D: number): Activation {
    const acts = (this.attr('activations')?.strings ?? []).map((s) => fromUtf8(s).toLowerCase());
    const alphas = this.floats('activation_alpha') ?? [];
    const betas = this.floats('activation_beta') ?? [];
    if (cell !== 'rnn') {
      if (alphas.length > 0 || betas.length > 0)
        throw this.fail("no activation_alpha or activation_beta (the library's cells have none)", 'one of them');
      const expected = cell === 'lstm' ? ['sigmoid', 'tanh', 'tanh'] : ['sigmoid', 'tanh'];
      if (
        acts.length > 0 &&
        (acts.length !== expected.length * D || acts.some((a, i) => a !== expected[i % expected.length]))
      )
        throw this.fail(`activations ${expected.join(', ')} per direction (the library's cell)`, acts.join(', '));
      return { name: 'tanh', param: 0 };
    }
    const name = acts[0] ?? 'tanh';
    const supported = 'Tanh, Relu, Sigmoid, LeakyRelu, Elu or Affine';
    if (acts.length > 0 && (acts.length !== D || acts.some((a) => a !== name)))
      throw this.fail(`activations: one of ${supported}, the same in each direction`, acts.join(', '));
    // activation_alpha / activation_beta hold one value per activation that takes one, here one per direction;
    // missing, they are the ops' defaults (LeakyRelu 0.01, Elu 1, Affine 1 and 0).
    const one = (values: number[], what: string, takes: boolean, fallback: number) => {
      if (!takes && values.length > 0) throw this.fail(`no ${what} (${name} takes none)`, values.join(', '));
      if (values.length === 0) return fallback;
      if (values.length !== D || values.some((v) => v !== values[0]) || !Number.isFinite(values[0]))
        throw this.fail(`${what}: one finite value per direction, the same in each`, values.join(', '));
      return shortestF32(values[0]);
    };
    const alpha = one(
      alphas,
      'activation_alpha',
      ['leakyrelu', 'elu', 'affine'].includes(name),
      name === 'leakyrelu' ? 0.01 : 1,
    );
    const beta = one(betas, 'activation_beta', name === 'affine', 0);
    switch (name) {
      case 'tanh':
      case 'relu':
      case 'sigmoid':
        return { name, param: 0 };
      case 'leakyrelu':
        return { name: 'leaky_relu', param: alpha };
      case 'elu':
        return { name: 'elu', param: alpha };
      case 'affine':
        if (alpha !== 1 || beta !== 0)
          throw this.fail('Affine with alpha 1 and beta 0 (the identity)', `alpha ${alpha}, beta ${beta}`);
        return { name: 'identity', param: 0 };
      default:
        throw this.fail(`activations: one of ${supported}`, acts.join(', '));
    }
  }

  /**
   * Initial states of an op (input `i`): zeros [D, B, H] (none, ConstantOfShape or Expand of zeros, as
   * torch writes them) → undefined; or rows of a graph input of states [L·D, B, H] of X's batch.
   */
  private initialState(i: number, what: string, D: number, B: Dim, H: number): StateInput | undefined {
    const s = this.in(i);
    const zero =
      s.kind === 'absent' ||
      (s.kind === 'zeros' && s.shape.length === 3 && s.shape[0] === D && s.shape[2] === H) ||
      (s.kind === 'const' && s.float && s.shape.join() === [D, s.shape[1], H].join() && s.data.every((v) => v === 0));
    if (zero) return undefined;
    if (s.kind !== 'stateInput')
      throw this.fail(`${what} zeros [${D}, B, ${H}], none, or rows of a graph input of states`, describeValue(s));
    if (s.shape[1] !== B || s.shape[2] !== H)
      throw this.fail(`${what} '${s.name}' [L·${D}, ${B}, ${H}] (X's batch)`, describeDims(s.shape));
    return s;
  }

  private recurrent(cell: Cell): Value[] {
    const G = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
    const known = ['hidden_size', 'direction', 'activations', 'clip', 'layout', 'activation_alpha', 'activation_beta'];
    if (cell === 'lstm') known.push('input_forget');
    if (cell === 'gru') known.push('linear_before_reset');
    this.onlyAttributes(known);
    if (this.attr('clip')) throw this.fail("no clip (the library's cells have none)", 'attribute clip');
    if (this.int('layout', 0) !== 0) throw this.fail('layout 0 ([T, B, ·])', `layout ${this.int('layout', 0)}`);
    if (cell === 'lstm' && this.int('input_forget', 0) !== 0)
      throw this.fail('input_forget 0', `${this.int('input_forget', 0)}`);
    if (cell === 'gru' && this.int('linear_before_reset', 0) !== 1)
      throw this.fail("linear_before_reset 1 (PyTorch's GRU cell)", `${this.int('linear_before_reset', 0)}`);
    const direction = this.string('direction') ?? 'forward';
    if (direction !== 'forward' && direction !== 'bidirectional')
      throw this.fail("direction 'forward' or 'bidirectional'", `'${direction}'`);
    const D = direction === 'bidirectional' ? 2 : 1;
    const H = this.int('hidden_size', 0);
    if (!Number.isInteger(H) || H < 1 || H > MAX_ELEMENTS) throw this.fail('hidden_size ≥ 1', `${H}`);
    const nonlinearity = this.activations(cell, D);
    if (cell === 'lstm' && (this.node.input?.[7] ?? '') !== '')
      throw this.fail("no peepholes P (PyTorch's LSTM has none)", `P '${this.node.input![7]}'`);
    const x = this.reader.asData(this.in(0), this.where);
    if (x.ids || x.split || x.axes.length !== 3) throw this.fail('X a sequence [T, B, I]', describeValue(x));
    const perm = x.axes.join();
    if (perm !== '0,1,2' && perm !== '1,0,2')
      throw this.fail("X the layers' sequence, time-major or batch-first", `axes ${describeDims(x.axes)}`);
    const batchFirst = perm === '1,0,2';
    const I = this.features(x);
    const W = this.finite(this.constIn(1, 'W'), 1, 'W');
    const R = this.finite(this.constIn(2, 'R'), 2, 'R');
    const bv = this.in(3);
    if (!W.float || W.shape.join() !== [D, G * H, I].join())
      throw this.fail(`W [${D}, ${G * H}, ${I}]`, describeValue(W));
    if (!R.float || R.shape.join() !== [D, G * H, H].join())
      throw this.fail(`R [${D}, ${G * H}, ${H}]`, describeValue(R));
    let Bc: Const | undefined;
    if (bv.kind !== 'absent') {
      if (bv.kind !== 'const' || !bv.float || bv.shape.join() !== [D, 2 * G * H].join())
        throw this.fail(`B [${D}, ${2 * G * H}]`, describeValue(bv));
      Bc = this.finite(bv, 3, 'B');
    }
    const T = x.shape[x.axes[0] as number];
    const B = x.shape[x.axes[1] as number];
    const lengths = this.in(4);
    if (this.reader.hasLengths && (lengths.kind !== 'lengths' || lengths.minusOne || lengths.B !== B))
      throw this.fail(
        `sequence_lens the lengths input [${B}] (in a graph with lengths every recurrent op takes them, as in the model's forward)`,
        lengths.kind === 'lengths' ? `${describeValue(lengths)} [${lengths.B}]` : describeValue(lengths),
      );
    const h0 = this.initialState(5, 'initial_h', D, B, H);
    const c0 = cell === 'lstm' ? this.initialState(6, 'initial_c', D, B, H) : undefined;
    if (cell === 'lstm' && (h0 === undefined) !== (c0 === undefined))
      throw this.fail(
        'initial_h and initial_c both graph inputs or both zeros (a state of the model holds both)',
        `initial_h ${h0 ? 'an input' : 'zeros'}, initial_c ${c0 ? 'an input' : 'zeros'}`,
      );
    if (h0 && c0 && (h0.name === c0.name || h0.shape[0] !== c0.shape[0]))
      throw this.fail(
        'initial_h and initial_c from two inputs of one shape',
        `'${h0.name}' ${describeDims(h0.shape)}, '${c0.name}' ${describeDims(c0.shape)}`,
      );
    // Gate blocks: ONNX's order → PyTorch's. LSTM i o f c → i f g o; GRU z r h → r z n.
    const order = cell === 'lstm' ? [0, 2, 3, 1] : cell === 'gru' ? [1, 0, 2] : [0];
    const reorder = (c: Const, d: number, cols: number, offset = 0, rowsPerDir = G * H): number[] => {
      const out: number[] = [];
      for (const g of order)
        for (let r = 0; r < H; r++)
          for (let k = 0; k < cols; k++)
            out.push(c.data[d * rowsPerDir * cols + offset + (g * H + r) * cols + k] as number);
      return out;
    };
    const layer = Array.from({ length: D }, (_, d) => ({
      ih: reorder(W, d, I),
      hh: reorder(R, d, H),
      bih: Bc && reorder(Bc, d, 1, 0, 2 * G * H),
      bhh: Bc && reorder(Bc, d, 1, G * H, 2 * G * H),
    }));
    // A module's next layer (PyTorch's num_layers) when it reads the unmerged sequence of one just like it,
    // with its initial states from the same inputs (or both from zeros).
    const previous = x.chain.at(-1);
    const stacks =
      previous?.type === 'recurrent' &&
      previous.cell === cell &&
      previous.hiddenSize === H &&
      previous.directions === D &&
      previous.bias === (Bc !== undefined) &&
      previous.batchFirst === batchFirst &&
      previous.mergeMode === 'concat' &&
      previous.nonlinearity.name === nonlinearity.name &&
      previous.nonlinearity.param === nonlinearity.param &&
      previous.states?.h === h0?.name &&
      previous.states?.c === c0?.name;
    const spec: RecurrentSpec = stacks
      ? { ...previous, weights: [...previous.weights, layer] }
      : {
          type: 'recurrent',
          id: this.index,
          cell,
          inputSize: I,
          hiddenSize: H,
          directions: D,
          bias: Bc !== undefined,
          batchFirst,
          nonlinearity,
          mergeMode: 'concat',
          states: h0 && { h: h0.name, c: c0?.name, rows: h0.shape[0] },
          weights: [layer],
        };
    // Layer l's initial states are rows [l·D, (l+1)·D) of the module's inputs, which no other module reads.
    const l = spec.weights.length - 1;
    for (const [s, what] of [
      [h0, 'initial_h'],
      [c0, 'initial_c'],
    ] as const) {
      if (!s) continue;
      if (s.start !== l * D || s.end !== (l + 1) * D)
        throw this.fail(
          `${what} rows [${l * D}, ${(l + 1) * D}) of '${s.name}' (layer ${l} of its module)`,
          `rows [${s.start}, ${s.end})`,
        );
      if (!this.reader.claimStates(s.name, spec.id))
        throw this.fail(`${what} from an input of one module's initial states`, `'${s.name}', read by another module`);
    }
    const chain = [...(stacks ? x.chain.slice(0, -1) : x.chain), spec];
    const shape: Dim[] = batchFirst ? [B, T, D * H] : [T, B, D * H];
    const y: Data = {
      kind: 'data',
      chain,
      shape,
      axes: batchFirst ? [1, 'D', 0, 'H'] : [0, 'D', 1, 'H'],
      ids: false,
      split: { D, H },
    };
    const states = (cellState: boolean): States => ({
      kind: 'states',
      layout: 'DBH',
      entries: Array.from({ length: D }, (_, dir) => ({
        chain,
        module: spec.id,
        layer: l,
        weights: layer,
        dir,
        cell: cellState,
        B,
        H,
      })),
    });
    return cell === 'lstm' ? [y, states(false), states(true)] : [y, states(false)];
  }
}

/**
 * An f32 attribute (ONNX stores every float attribute in f32) as the shortest decimal that rounds to it:
 * LeakyReLU(0.2) reads back as 0.2, the slope the PyTorch model used, not 0.20000000298023224.
 */
function shortestF32(x: number): number {
  if (!Number.isFinite(x)) return x;
  for (let p = 1; p <= 9; p++) {
    const v = Number(x.toPrecision(p));
    if (Math.fround(v) === x) return v;
  }
  return x;
}

/** Elements along `axis` at `picks`, in order. */
function take(c: Const, axis: number, picks: number[]): Const {
  const outer = product(c.shape.slice(0, axis));
  const n = c.shape[axis];
  const inner = product(c.shape.slice(axis + 1));
  const data: Dim[] = [];
  for (let o = 0; o < outer; o++)
    for (const p of picks) for (let i = 0; i < inner; i++) data.push(c.data[(o * n + p) * inner + i]);
  return { ...c, shape: c.shape.map((s, i) => (i === axis ? picks.length : s)), data };
}

function concatConst(cs: Const[], axis: number): Const {
  const outer = product(cs[0].shape.slice(0, axis));
  const inner = product(cs[0].shape.slice(axis + 1));
  const data: Dim[] = [];
  for (let o = 0; o < outer; o++)
    for (const c of cs) {
      const n = c.shape[axis] * inner;
      for (let i = 0; i < n; i++) data.push(c.data[o * n + i]);
    }
  const total = cs.reduce((s, c) => s + c.shape[axis], 0);
  return { kind: 'const', float: cs[0].float, shape: cs[0].shape.map((s, i) => (i === axis ? total : s)), data };
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

function forEachIndex(shape: readonly number[], f: (idx: number[]) => void): void {
  const n = product(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    f(idx);
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++idx[i] < shape[i]) break;
      idx[i] = 0;
    }
  }
}

function transposeMatrix(c: Const): Dim[] {
  const [r, k] = c.shape;
  const out = new Array<Dim>(r * k);
  for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) out[j * r + i] = c.data[i * k + j];
  return out;
}

const ELEMENT_BYTES: Record<number, number> = {
  [DataType.FLOAT16]: 2,
  [DataType.FLOAT]: 4,
  [DataType.DOUBLE]: 8,
  [DataType.INT64]: 8,
  [DataType.INT32]: 4,
};

/** A tensor's values, checked against its dims; external data and other element types are refused. */
function readTensor(t: TensorProto, where: string): Const {
  if ((t.external_data ?? []).length > 0 || t.data_location === DataLocation.EXTERNAL)
    throw new OnnxError(where, 'data inside the file', 'external data (a separate file the import does not read)');
  const type = t.data_type ?? DataType.UNDEFINED;
  const size = ELEMENT_BYTES[type];
  if (size === undefined)
    throw new OnnxError(where, 'float16, float, double, int64 or int32 elements', `data type ${type}`);
  const dims = t.dims ?? [];
  for (const d of dims)
    if (!Number.isInteger(d) || d < 0 || d > MAX_ELEMENTS)
      throw new OnnxError(where, `dims in [0, ${MAX_ELEMENTS}]`, describeDims(dims));
  const n = product(dims);
  if (n > MAX_ELEMENTS) throw new OnnxError(where, `at most ${MAX_ELEMENTS} elements`, `${describeDims(dims)} (${n})`);
  const float = type === DataType.FLOAT || type === DataType.DOUBLE || type === DataType.FLOAT16;
  let data: number[];
  const raw = t.raw_data;
  if (raw && raw.length > 0) {
    if (raw.length !== n * size)
      throw new OnnxError(where, `${n * size} bytes of data for ${describeDims(dims)}`, `${raw.length}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    data = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      if (type === DataType.FLOAT16) data[i] = f16Value(view.getUint16(i * 2, true));
      else if (type === DataType.FLOAT) data[i] = view.getFloat32(i * 4, true);
      else if (type === DataType.DOUBLE) data[i] = view.getFloat64(i * 8, true);
      else if (type === DataType.INT32) data[i] = view.getInt32(i * 4, true);
      else data[i] = int64(view.getBigInt64(i * 8, true));
    }
  } else {
    // float16 values are stored as their bits in int32_data.
    const field =
      type === DataType.FLOAT
        ? t.float_data
        : type === DataType.DOUBLE
          ? t.double_data
          : type === DataType.INT32 || type === DataType.FLOAT16
            ? t.int32_data
            : t.int64_data;
    data = [...(field ?? [])].map(Number);
    if (data.length !== n) throw new OnnxError(where, `${n} values for ${describeDims(dims)}`, `${data.length}`);
    if (type === DataType.FLOAT) data = data.map(Math.fround);
    if (type === DataType.FLOAT16) data = data.map((bits) => f16Value(bits & 0xffff));
  }
  return { kind: 'const', float, shape: [...dims], data };
}

/** The value of IEEE binary16 bits (exact in f32 and f64). */
function f16Value(bits: number): number {
  const e = (bits >> 10) & 31;
  const m = bits & 1023;
  const v = e === 31 ? (m ? NaN : Infinity) : e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
  return bits & 0x8000 ? -v : v;
}

/** An int64 as a number: "to the end" (INT64_MAX / MIN) saturates to ±2^53, past any real size. */
function int64(v: bigint): number {
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(v > limit ? limit : v < -limit ? -limit : v);
}

/** The layers and their weights (PyTorch's names under the layer's index), all checked; then the model. */
function build(ctx: Backend, specs: readonly LayerSpec[]): Sequential {
  const layers: Layer[] = [];
  const dict: StateDict = {};
  specs.forEach((s, i) => {
    const p = `${i}.`;
    switch (s.type) {
      case 'linear':
        layers.push(new Linear(s.inFeatures, s.outFeatures, { bias: s.bias !== undefined }));
        dict[`${p}weight`] = { shape: [s.outFeatures, s.inFeatures], data: s.weight };
        if (s.bias) dict[`${p}bias`] = { shape: [s.outFeatures], data: s.bias };
        break;
      case 'activation':
        layers.push(new ActivationLayer(s.param === undefined ? s.name : { name: s.name, param: s.param }));
        break;
      case 'embedding':
        layers.push(new Embedding(s.num, s.dim));
        dict[`${p}weight`] = { shape: [s.num, s.dim], data: s.weight };
        break;
      case 'last':
        layers.push(new LastStep({ batchFirst: s.batchFirst }));
        break;
      case 'recurrent': {
        const options = {
          inputSize: s.inputSize,
          hiddenSize: s.hiddenSize,
          numLayers: s.weights.length,
          bias: s.bias,
          bidirectional: s.directions === 2,
          batchFirst: s.batchFirst,
          mergeMode: s.mergeMode,
        };
        layers.push(
          s.cell === 'lstm'
            ? new LSTM(options)
            : s.cell === 'gru'
              ? new GRU(options)
              : new RNN({ ...options, nonlinearity: s.nonlinearity }),
        );
        const G = s.cell === 'lstm' ? 4 : s.cell === 'gru' ? 3 : 1;
        const H = s.hiddenSize;
        s.weights.forEach((layer, k) =>
          layer.forEach((w, d) => {
            const suffix = `_l${k}${d === 1 ? '_reverse' : ''}`;
            dict[`${p}weight_ih${suffix}`] = { shape: [G * H, w.ih.length / (G * H)], data: w.ih };
            dict[`${p}weight_hh${suffix}`] = { shape: [G * H, H], data: w.hh };
            if (w.bih) dict[`${p}bias_ih${suffix}`] = { shape: [G * H], data: w.bih };
            if (w.bhh) dict[`${p}bias_hh${suffix}`] = { shape: [G * H], data: w.bhh };
          }),
        );
        break;
      }
    }
  });
  const model = new Sequential(ctx, layers);
  try {
    model.loadStateDict(dict);
  } catch (e) {
    model.release();
    throw e;
  }
  return model.eval();
}
