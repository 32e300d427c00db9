// All parameters of a model in ONE flat buffer and their gradients in another (llm.c style): one
// clear zeroes every gradient, one dispatch updates every parameter, one reduction gives the global
// gradient norm. Each parameter is a view at an offset aligned for storage bindings (64 floats = 256 B).
import type { Backend } from '../ops/index.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../core/errors.js';
import { checkAllocation, checkOptions, expectBoolean, optionNames } from '../core/checks.js';
import { Lifetime } from '../core/lifetime.js';
import { numel, sameShape, type Shape } from '../core/shapes.js';
import {
  describeGivenShape,
  keyList,
  type LoadResult,
  type PreparedLoad,
  type ReadStateDict,
  type StateDict,
} from '../core/state.js';
import type { Tensor } from '../core/tensor.js';

export interface ParamSpec {
  name: string;
  shape: Shape;
  /**
   * The initial values, best made on demand by a function: the set checks the total size against the backend
   * first, so a model too large to allocate fails with a ShapeError before any host array is made. Called in
   * spec order. The values themselves (a Float64Array or number[]) are taken too.
   */
  init: (() => ArrayLike<number>) | ArrayLike<number>;
  /**
   * Placed right after the previous parameter, without alignment padding, so that a layer can use
   * both as one tensor (the two directions of a bidirectional layer: one matmul for both).
   */
  packed?: boolean;
}

interface Entry {
  value: Tensor;
  grad: Tensor;
  offset: number;
  shape: Shape;
}

const ALIGN = 64;
const PARAM_SPEC_KEYS = optionNames<ParamSpec>({ name: true, shape: true, init: true, packed: true });

export class ParamSet {
  readonly values: Tensor; // [total] flat, padded between parameters
  readonly grads: Tensor; // [total] flat, same layout
  private readonly entries = new Map<string, Entry>();
  private segments?: Tensor; // [count, 2] (offset, length) of each parameter, for gradNorms()
  private readonly lifetime = new Lifetime('ParamSet');

  constructor(
    readonly ctx: Backend,
    specs: readonly ParamSpec[],
  ) {
    let total = 0;
    const offsets: number[] = [];
    const seen = new Set<string>();
    for (const [i, s] of specs.entries()) {
      checkOptions(`params[${i}]`, s, PARAM_SPEC_KEYS);
      if (typeof s.init !== 'function' && !Array.isArray(s.init) && !(s.init instanceof Float64Array))
        throw new ValueError(
          `params[${i}].init`,
          'a function returning the initial values, or the values (a Float64Array or number[])',
          describeValue(s.init),
        );
      if (seen.has(s.name)) throw new ValueError('params', 'unique parameter names', `${s.name} twice`);
      seen.add(s.name);
      if (!s.packed) total = Math.ceil(total / ALIGN) * ALIGN;
      offsets.push(total);
      total += numel(s.shape);
    }
    // All parameters share one buffer: refuse a model past the backend's largest tensor before making any array.
    const largest = specs.reduce<ParamSpec | undefined>(
      (a, s) => (!a || numel(s.shape) > numel(a.shape) ? s : a),
      undefined,
    );
    const what = `${total} parameters${largest ? ` (largest: ${largest.name} ${describeShape(largest.shape)})` : ''}`;
    checkAllocation(
      'params',
      total,
      ctx.maxTensorElements,
      `the ${ctx.kind} backend's maxTensorElements: all parameters live in one tensor`,
      what,
    );
    const flat = new Float64Array(Math.max(total, 1));
    specs.forEach((s, i) => {
      const init = typeof s.init === 'function' ? s.init() : s.init;
      if (Array.isArray(init)) {
        const j = init.findIndex((v) => typeof v !== 'number');
        if (j >= 0) throw new ValueError(`params[${i}].init[${j}]`, 'a number', describeValue(init[j]));
      }
      if (init.length !== numel(s.shape))
        throw new ShapeError(
          `${s.name} init`,
          `${numel(s.shape)} values for ${describeShape(s.shape)}`,
          `${init.length}`,
        );
      flat.set(init, offsets[i]);
    });
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
    this.lifetime.check();
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
      if (e.offset !== expected)
        throw new ValueError(
          'names',
          'consecutive packed parameters',
          `${names[i]} at offset ${e.offset}, not ${expected}`,
        );
      expected += numel(e.shape);
    }
    if (numel(shape) !== expected - entries[0].offset)
      throw new ShapeError('shape', `${expected - entries[0].offset} elements`, describeShape(shape));
    return {
      value: this.ctx.viewAt(this.values, entries[0].offset, shape),
      grad: this.ctx.viewAt(this.grads, entries[0].offset, shape),
    };
  }

  /** Where each parameter sits in the flat buffers, in names() order (an optimizer's state tensors share this layout). */
  layout(): Array<{ name: string; offset: number; shape: number[] }> {
    this.lifetime.check();
    return [...this.entries].map(([name, e]) => ({ name, offset: e.offset, shape: [...e.shape] }));
  }

  /** Number of scalar parameters (without padding). */
  count(): number {
    let n = 0;
    for (const e of this.entries.values()) n += numel(e.shape);
    return n;
  }

  private entry(name: string): Entry {
    this.lifetime.check();
    const e = this.entries.get(name);
    if (!e) throw new ValueError('name', `one of ${this.names().join(', ')}`, JSON.stringify(name));
    return e;
  }

  /**
   * Per-parameter L2 norms of the gradients, [count] in names() order, computed on the GPU in one
   * dispatch (read it back with the step's other values).
   */
  gradNorms(): Tensor {
    this.lifetime.check();
    if (!this.segments) {
      const table = this.names().flatMap((n) => [this.entries.get(n)!.offset, numel(this.entries.get(n)!.shape)]);
      this.segments = this.ctx.tensor(table, [table.length / 2, 2]);
    }
    return this.ctx.segmentNorms(this.grads, this.segments);
  }

  zeroGrad(): void {
    this.lifetime.check();
    this.ctx.clear(this.grads);
  }

  /** Parameters by PyTorch name, read back in one transfer. */
  async stateDict(): Promise<ReadStateDict> {
    return this.readDict(this.values);
  }

  /** Gradients by the same names, read back in one transfer. */
  async gradDict(): Promise<ReadStateDict> {
    return this.readDict(this.grads);
  }

  private async readDict(flat: Tensor): Promise<ReadStateDict> {
    this.lifetime.check();
    const all = await this.ctx.read(flat);
    const out: ReadStateDict = Object.create(null);
    for (const [name, e] of this.entries)
      out[name] = { shape: [...e.shape], data: all.slice(e.offset, e.offset + numel(e.shape)) };
    return out;
  }

  /**
   * Loads parameters by name. Every entry is checked (names, shapes, sizes, finite values) before
   * anything is written, so a rejected dict leaves the parameters as they were. strict (default):
   * the names must match exactly; strict: false loads the names both share and reports the rest.
   * Names are data: only the dict's own keys count, and a name like '__proto__' is just unexpected.
   */
  loadStateDict(dict: StateDict, options: { strict?: boolean } = {}): LoadResult {
    const load = this.prepareLoad(dict, options, '');
    load.apply();
    return load.result;
  }

  /** @internal loadStateDict's checks, errors naming keys under `prefix` (the Trainer's dict); apply() writes. */
  prepareLoad(dict: StateDict, options: { strict?: boolean } = {}, prefix: string): PreparedLoad {
    this.lifetime.check();
    checkOptions('options', options, ['strict']);
    expectBoolean('strict', options.strict);
    const strict = options.strict ?? true;
    if (typeof dict !== 'object' || dict === null)
      throw new ValueError('stateDict', 'an object of named tensors', describeValue(dict));
    const given = Object.keys(dict);
    const missingKeys = this.names().filter((n) => !Object.hasOwn(dict, n));
    const unexpectedKeys = given.filter((n) => !this.entries.has(n));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      throw new ValueError(
        'stateDict',
        `exactly the keys ${keyList(this.names())}`,
        `missing [${keyList(missingKeys)}], unexpected [${keyList(unexpectedKeys)}]`,
      );
    }
    const loaded = given.filter((n) => this.entries.has(n));
    for (const name of loaded) {
      const e = this.entries.get(name)!;
      const t = dict[name];
      if (!t || !Array.isArray(t.shape) || !sameShape(t.shape, e.shape)) {
        throw new ShapeError(
          `stateDict['${prefix}${name}'].shape`,
          describeShape(e.shape),
          describeGivenShape(t?.shape),
        );
      }
      if (!t.data || t.data.length !== numel(e.shape)) {
        throw new ShapeError(
          `stateDict['${prefix}${name}'].data`,
          `${numel(e.shape)} values`,
          describeValue(t.data?.length),
        );
      }
      for (let i = 0; i < t.data.length; i++) {
        if (!Number.isFinite(t.data[i]))
          throw new ValueError(`stateDict['${prefix}${name}'].data[${i}]`, 'a finite number', describeValue(t.data[i]));
      }
    }
    return {
      result: { missingKeys, unexpectedKeys },
      apply: () => loaded.forEach((name) => this.ctx.write(this.entries.get(name)!.value, dict[name].data)),
    };
  }

  /** Frees the parameters and gradients; using the set afterwards throws ReleasedError. */
  release(): void {
    if (!this.lifetime.end()) return;
    this.values.release();
    this.grads.release();
    this.segments?.release();
  }
}

/** Throws a ValueError unless `value` is a model's ParamSet (what optimizers and clipping work on). */
export function expectParamSet(argument: string, value: unknown): asserts value is ParamSet {
  if (!(value instanceof ParamSet))
    throw new ValueError(argument, "a model's parameters (model.params)", describeValue(value));
}
