// All parameters of a model in ONE flat buffer and their gradients in another (llm.c style): one
// clear zeroes every gradient, one dispatch updates every parameter, one reduction gives the global
// gradient norm. Each parameter is a view at an offset aligned for storage bindings (64 floats = 256 B).
import type { Backend } from '../backend.js';
import { ShapeError, ValueError, describeShape } from '../errors.js';
import { numel, sameShape, type Shape } from '../shapes.js';
import type { Tensor } from '../tensor.js';

export interface ParamSpec {
  name: string;
  shape: Shape;
  init: Float64Array;
  /**
   * Placed right after the previous parameter, without alignment padding, so that a layer can use
   * both as one tensor (the two directions of a bidirectional layer: one matmul for both).
   */
  packed?: boolean;
}

/** Named tensors on the host, in PyTorch names and layouts. */
export type StateDict = Record<string, { shape: readonly number[]; data: ArrayLike<number> }>;

interface Entry {
  value: Tensor;
  grad: Tensor;
  offset: number;
  shape: Shape;
}

const ALIGN = 64;

export class ParamSet {
  readonly values: Tensor; // [total] flat, padded between parameters
  readonly grads: Tensor; // [total] flat, same layout
  private readonly entries = new Map<string, Entry>();
  private segments?: Tensor; // [count, 2] (offset, length) of each parameter, for gradNorms()

  constructor(
    readonly ctx: Backend,
    specs: readonly ParamSpec[],
  ) {
    let total = 0;
    const offsets: number[] = [];
    const seen = new Set<string>();
    for (const s of specs) {
      if (seen.has(s.name)) throw new ValueError('params', 'unique parameter names', `${s.name} twice`);
      seen.add(s.name);
      if (!s.packed) total = Math.ceil(total / ALIGN) * ALIGN;
      offsets.push(total);
      total += numel(s.shape);
    }
    const flat = new Float64Array(Math.max(total, 1));
    specs.forEach((s, i) => flat.set(s.init, offsets[i]));
    this.values = ctx.tensor(flat, [flat.length]);
    this.grads = ctx.zeros([flat.length]);
    specs.forEach((s, i) => {
      this.entries.set(s.name, {
        value: ctx.viewAt(this.values, offsets[i], s.shape),
        grad: ctx.viewAt(this.grads, offsets[i], s.shape),
        offset: offsets[i],
        shape: s.shape,
      });
    });
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  value(name: string): Tensor {
    return this.entry(name).value;
  }

  grad(name: string): Tensor {
    return this.entry(name).grad;
  }

  /**
   * One tensor over consecutive packed parameters (e.g. weight_ih_l0 and weight_ih_l0_reverse as
   * [2·H, I]): values and gradients.
   */
  span(names: readonly string[], shape: Shape): { value: Tensor; grad: Tensor } {
    const entries = names.map((n) => this.entry(n));
    let expected = entries[0].offset;
    for (const [i, e] of entries.entries()) {
      if (e.offset !== expected) throw new ValueError('names', 'consecutive packed parameters', `${names[i]} at offset ${e.offset}, not ${expected}`);
      expected += numel(e.shape);
    }
    if (numel(shape) !== expected - entries[0].offset) throw new ShapeError('shape', `${expected - entries[0].offset} elements`, describeShape(shape));
    return { value: this.ctx.viewAt(this.values, entries[0].offset, shape), grad: this.ctx.viewAt(this.grads, entries[0].offset, shape) };
  }

  /** Number of scalar parameters (without padding). */
  count(): number {
    let n = 0;
    for (const e of this.entries.values()) n += numel(e.shape);
    return n;
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new ValueError('name', `one of ${this.names().join(', ')}`, JSON.stringify(name));
    return e;
  }

  /**
   * Per-parameter L2 norms of the gradients, [count] in names() order, computed on the GPU in one
   * dispatch (read it back with the step's other values).
   */
  gradNorms(): Tensor {
    if (!this.segments) {
      const table = this.names().flatMap((n) => [this.entries.get(n)!.offset, numel(this.entries.get(n)!.shape)]);
      this.segments = this.ctx.tensor(table, [table.length / 2, 2]);
    }
    return this.ctx.segmentNorms(this.grads, this.segments);
  }

  zeroGrad(): void {
    this.ctx.clear(this.grads);
  }

  /** Parameters by PyTorch name, read back in one transfer. */
  async stateDict(): Promise<Record<string, { shape: number[]; data: Float64Array }>> {
    return this.readDict(this.values);
  }

  /** Gradients by the same names, read back in one transfer. */
  async gradDict(): Promise<Record<string, { shape: number[]; data: Float64Array }>> {
    return this.readDict(this.grads);
  }

  private async readDict(flat: Tensor): Promise<Record<string, { shape: number[]; data: Float64Array }>> {
    const all = await this.ctx.read(flat);
    const out: Record<string, { shape: number[]; data: Float64Array }> = {};
    for (const [name, e] of this.entries) out[name] = { shape: [...e.shape], data: all.slice(e.offset, e.offset + numel(e.shape)) };
    return out;
  }

  /**
   * Loads parameters by name. Every entry is checked (names, shapes, sizes, finite values) before
   * anything is written, so a rejected dict leaves the parameters as they were.
   */
  loadStateDict(dict: StateDict, options: { strict?: boolean } = {}): void {
    const strict = options.strict ?? true;
    if (typeof dict !== 'object' || dict === null) throw new ValueError('stateDict', 'an object of named tensors', String(dict));
    const given = Object.keys(dict);
    const missing = this.names().filter((n) => !(n in dict));
    const unexpected = given.filter((n) => !this.entries.has(n));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      throw new ValueError(
        'stateDict',
        `exactly the keys ${this.names().join(', ')}`,
        `missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`,
      );
    }
    for (const name of given.filter((n) => this.entries.has(n))) {
      const e = this.entries.get(name)!;
      const t = dict[name];
      if (!t || !Array.isArray(t.shape) || !sameShape(t.shape, e.shape)) {
        throw new ShapeError(`stateDict['${name}'].shape`, describeShape(e.shape), t && Array.isArray(t.shape) ? describeShape(t.shape) : String(t?.shape));
      }
      if (!t.data || t.data.length !== numel(e.shape)) {
        throw new ShapeError(`stateDict['${name}'].data`, `${numel(e.shape)} values`, String(t.data?.length));
      }
      for (let i = 0; i < t.data.length; i++) {
        if (!Number.isFinite(t.data[i])) throw new ValueError(`stateDict['${name}'].data[${i}]`, 'a finite number', String(t.data[i]));
      }
    }
    for (const name of given.filter((n) => this.entries.has(n))) this.ctx.write(this.entries.get(name)!.value, dict[name].data);
  }

  release(): void {
    this.values.release();
    this.grads.release();
    this.segments?.release();
  }
}
