// State dicts (named tensors on the host) and loading named state (optimizers, schedules, counters) in two
// phases: every entry is checked — names, shapes, sizes, values — before any is applied, so a rejected dict
// leaves the object exactly as it was. Same contract and messages as ParamSet.loadStateDict; names are data
// (only the dict's own keys count). Shared by nn (modules), train (optimizers, schedules) and io (file formats).
import { checkOptions, expectBoolean } from './checks.js';
import { ShapeError, ValueError, describeShape, describeValue } from './errors.js';
import { numel } from './shapes.js';

/** Named tensors on the host, in PyTorch names and layouts. */
export type StateDict = Record<string, { shape: readonly number[]; data: ArrayLike<number> }>;

/** Parameters by name as read back: an object without prototype, so any name (even '__proto__') is plain data. */
export type ReadStateDict = Record<string, { shape: number[]; data: Float64Array }>;

/** What loadStateDict skipped, as PyTorch's load_state_dict reports it (both empty after a strict load). */
export interface LoadResult {
  /** Parameters of the model the dict did not hold (left unchanged). */
  missingKeys: string[];
  /** Names in the dict the model has no parameter for (ignored). */
  unexpectedKeys: string[];
}

/** One named piece of state: its shape, how to check a value for it and how to apply it. */
export interface StateEntry {
  shape: readonly number[];
  /** ±Infinity allowed (ReduceLROnPlateau's best before any metric); NaN never is. */
  infinite?: boolean;
  /** Throws a typed error (naming `argument`) when `data` is unacceptable beyond shape and finiteness. */
  check?: (data: ArrayLike<number>, argument: string) => void;
  apply: (data: ArrayLike<number>) => void;
}

/** A load checked and ready: apply() cannot fail (Trainer.loadStateDict checks every part before applying any). */
export interface PreparedLoad {
  result: LoadResult;
  apply(): void;
}

/**
 * What is wrong with a given shape's first bad element ("shape[0] is \"2\", a string"), or null when every
 * element is a non-negative integer.
 */
export function badShapeElement(shape: readonly unknown[]): string | null {
  const i = shape.findIndex((v) => !Number.isInteger(v) || (v as number) < 0);
  if (i < 0) return null;
  const v = shape[i];
  return `shape[${i}] is ${typeof v === 'string' ? `${JSON.stringify(v)}, a string` : describeValue(v)}`;
}

/** A shape as an error shows what came: sizes as [2, 3]; anything else quoted, with its first bad element named. */
export function describeGivenShape(shape: unknown): string {
  if (!Array.isArray(shape)) return describeValue(shape);
  const bad = badShapeElement(shape);
  return bad === null ? describeShape(shape) : `${describeValue(shape)} (${bad})`;
}

/**
 * One entry of a state dict to be written (stateDictToJson): an object with a shape of non-negative integers
 * and as many numbers as the shape holds. Returns the size; `sizeError` makes the error for a size mismatch.
 */
export function expectDictEntry(
  name: string,
  entry: unknown,
  sizeError: (message: string) => Error,
): { shape: readonly number[]; data: ArrayLike<number> } {
  const argument = `dict['${name}']`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || ArrayBuffer.isView(entry))
    throw new ValueError(argument, '{ shape, data }', describeValue(entry));
  const { shape, data } = entry as { shape?: unknown; data?: unknown };
  if (!Array.isArray(shape) || badShapeElement(shape) !== null)
    throw new ValueError(`${argument}.shape`, 'a list of non-negative integers', describeGivenShape(shape));
  if (!Array.isArray(data) && !(ArrayBuffer.isView(data) && !(data instanceof DataView)))
    throw new ValueError(`${argument}.data`, 'an array or typed array of numbers', describeValue(data));
  const values = data as ArrayLike<unknown>;
  const n = numel(shape as number[]);
  if (values.length !== n)
    throw sizeError(
      `tensor '${name}': shape ${describeShape(shape as number[])} needs ${n} values, got ${values.length}`,
    );
  for (let i = 0; i < values.length; i++)
    if (typeof values[i] !== 'number')
      throw new ValueError(`${argument}.data[${i}]`, 'a number', describeValue(values[i]));
  return { shape: shape as number[], data: values as ArrayLike<number> };
}

/** Up to 8 keys, then how many more: a message stays readable for a large model. */
export const keyList = (keys: readonly string[]) =>
  keys.length <= 8 ? keys.join(', ') : `${keys.slice(0, 8).join(', ')}, … (${keys.length - 8} more)`;

/** How errors name an entry: `stateDict['<prefix><key>']` (the Trainer's dict holds the parts under prefixes). */
export const entryArgument = (prefix: string, key: string) => `stateDict['${prefix}${key}']`;

/** loadEntries' checks without the writes. */
export function prepareEntries(
  entries: Map<string, StateEntry>,
  dict: unknown,
  options: unknown,
  prefix = '',
  crossCheck?: (dict: StateDict, loaded: string[]) => void,
): PreparedLoad {
  checkOptions('options', options, ['strict']);
  const o = (options ?? {}) as { strict?: boolean };
  expectBoolean('strict', o.strict);
  const strict = o.strict ?? true;
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict))
    throw new ValueError('stateDict', 'an object of named tensors', describeValue(dict));
  const d = dict as StateDict;
  const names = [...entries.keys()];
  const given = Object.keys(d);
  const missingKeys = names.filter((n) => !Object.hasOwn(d, n));
  const unexpectedKeys = given.filter((n) => !entries.has(n));
  if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
    throw new ValueError(
      'stateDict',
      `exactly the keys ${keyList(names)}`,
      `missing [${keyList(missingKeys)}], unexpected [${keyList(unexpectedKeys)}]`,
    );
  }
  const loaded = given.filter((n) => entries.has(n));
  for (const name of loaded) {
    const e = entries.get(name)!;
    const t = d[name];
    const arg = entryArgument(prefix, name);
    if (
      !t ||
      !Array.isArray(t.shape) ||
      t.shape.length !== e.shape.length ||
      t.shape.some((s, i) => s !== e.shape[i])
    ) {
      throw new ShapeError(`${arg}.shape`, describeShape(e.shape), describeGivenShape(t?.shape));
    }
    if (!t.data || t.data.length !== numel(e.shape))
      throw new ShapeError(`${arg}.data`, `${numel(e.shape)} values`, describeValue(t.data?.length));
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i];
      if (typeof v !== 'number' || Number.isNaN(v) || (!e.infinite && !Number.isFinite(v)))
        throw new ValueError(
          `${arg}.data[${i}]`,
          e.infinite ? 'a number (not NaN)' : 'a finite number',
          describeValue(v),
        );
    }
    e.check?.(t.data, `${arg}.data`);
  }
  crossCheck?.(d, loaded);
  return {
    result: { missingKeys, unexpectedKeys },
    apply: () => loaded.forEach((name) => entries.get(name)!.apply(d[name].data)),
  };
}

/**
 * Checks `dict` against `entries` (strict by default: exactly their keys), runs `crossCheck` over the
 * keys that will load, then applies them all. Throws before applying anything.
 */
export function loadEntries(entries: Map<string, StateEntry>, dict: unknown, options: unknown): LoadResult {
  const load = prepareEntries(entries, dict, options);
  load.apply();
  return load.result;
}

/** One number of state (a schedule's epoch, counters, rates): [] as PyTorch's 0-d tensors, or [1] for its one-group lists. */
export interface ScalarField {
  get(): number;
  set(value: number): void;
  ok(value: number): boolean;
  expected: string;
  shape?: [] | [1];
  infinite?: boolean;
}

export function scalarStateDict(fields: Map<string, ScalarField>): ReadStateDict {
  const out: ReadStateDict = Object.create(null);
  for (const [key, f] of fields) out[key] = { shape: [...(f.shape ?? [])], data: Float64Array.of(f.get()) };
  return out;
}

export function scalarEntries(fields: Map<string, ScalarField>): Map<string, StateEntry> {
  const out = new Map<string, StateEntry>();
  for (const [key, f] of fields) {
    out.set(key, {
      shape: f.shape ?? [],
      infinite: f.infinite,
      check: (data, argument) => {
        if (!f.ok(data[0])) throw new ValueError(`${argument}[0]`, f.expected, describeValue(data[0]));
      },
      apply: (data) => f.set(data[0]),
    });
  }
  return out;
}
