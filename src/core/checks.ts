// Argument checks shared by both backends, so a bad call fails the same way on either.
import type { DeviceBase } from './device.js';
import { Tensor } from './tensor.js';
import { BackendMismatchError, ShapeError, ValueError, describeShape, describeValue } from './errors.js';
import { checkShape, expectShape, sameShape } from './shapes.js';

/**
 * Throws a ValueError unless `value` is a Tensor: the first check of every public call that takes one,
 * so a host array, an options object or undefined never reaches `.shape` as a TypeError.
 */
export function expectTensor(argument: string, value: unknown): asserts value is Tensor {
  if (value instanceof Tensor) return;
  const host =
    Array.isArray(value) ||
    ArrayBuffer.isView(value) ||
    (typeof value === 'object' && value !== null && 'data' in value);
  const hint = host ? ' (upload host values with ctx.tensor(data, shape); fit/evaluate/predict take host arrays)' : '';
  throw new ValueError(argument, `a Tensor${hint}`, describeValue(value));
}

/** expectTensor for an optional argument: undefined and null mean none. */
export function expectOptionalTensor(argument: string, value: unknown): asserts value is Tensor | null | undefined {
  if (value !== undefined && value !== null) expectTensor(argument, value);
}

/** Throws a ValueError unless `value` is a plain object (options, a state dict). */
export function expectObject(
  argument: string,
  value: unknown,
  expected = 'an options object',
): asserts value is Record<string, unknown> {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    ArrayBuffer.isView(value) ||
    value instanceof Tensor
  ) {
    throw new ValueError(argument, expected, describeValue(value));
  }
}

/** Throws a ValueError unless `value` is an array or a typed array (of anything; see checkData for numbers). */
export function expectArrayLike(
  argument: string,
  value: unknown,
  expected = 'an array or typed array of numbers',
): asserts value is ArrayLike<unknown> {
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView)))
    throw new ValueError(argument, expected, describeValue(value));
}

/** Throws a ValueError unless a boolean option is true, false or undefined (its default): 'yes' or 0 must not pass as truthy or falsy. */
export function expectBoolean(argument: string, value: unknown): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean')
    throw new ValueError(argument, 'true or false', describeValue(value));
}

/** Throws a ValueError unless a callback option is a function or undefined. */
export function expectCallback(argument: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function')
    throw new ValueError(argument, 'a function', describeValue(value));
}

/** Throws a ValueError unless `value` is a context from createContext() (a Backend). */
export function expectBackend(argument: string, value: unknown): asserts value is DeviceBase {
  const b = value as Partial<DeviceBase> | null;
  if (
    typeof b !== 'object' ||
    b === null ||
    (b.kind !== 'webgpu' && b.kind !== 'cpu') ||
    typeof b.tensor !== 'function'
  ) {
    throw new ValueError(argument, 'a context from createContext()', describeValue(value));
  }
}

/** Every option name of T, checked by the compiler: an option added to T but not listed here fails to compile. */
export function optionNames<T>(names: Record<keyof T, true>): readonly string[] {
  return Object.keys(names);
}

/**
 * Refuses options that are not an object or have a name outside `names` (a PyTorch `dropout` or
 * `proj_size` must not be ignored silently); undefined means all defaults. The message names the closest
 * known option: the camelCase of a snake_case name, else one within an edit distance of 2.
 */
export function checkOptions(argument: string, options: unknown, names: readonly string[]): void {
  if (options === undefined) return;
  expectObject(argument, options);
  for (const key of Object.keys(options)) {
    if (names.includes(key)) continue;
    const near = closestName(key, names);
    throw new ValueError(
      argument,
      `only the options ${names.join(', ')}`,
      `unknown option ${JSON.stringify(key)}${near === undefined ? '' : ` (did you mean ${near}?)`}`,
    );
  }
}

/** The known name a misspelt `key` most likely meant: its camelCase form, else the nearest within 2 edits (ignoring case). */
export function closestName(key: string, names: readonly string[]): string | undefined {
  const camel = key.replace(/_([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
  if (camel !== key && names.includes(camel)) return camel;
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const d = editDistance(camel.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit ('dtpye' is 1 from 'dtype'). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

export function checkOwned(owner: object, argument: string, t: Tensor): void {
  expectTensor(argument, t);
  if (t.owner !== owner) {
    throw new BackendMismatchError(`${argument}: tensor belongs to another context or backend`);
  }
  t.assertLive(argument);
}

export function checkSameShape(argument: string, t: Tensor, like: Tensor, likeName: string): void {
  expectTensor(likeName, like);
  expectTensor(argument, t);
  if (!sameShape(t.shape, like.shape)) {
    throw new ShapeError(argument, `the shape of ${likeName} ${describeShape(like.shape)}`, describeShape(t.shape));
  }
}

/** Host values for a tensor: an array or typed array of `size` numbers (NaN is data; a string or null is not). */
export function checkData(argument: string, data: ArrayLike<number>, size: number): void {
  expectArrayLike(argument, data);
  if (Array.isArray(data)) {
    const i = data.findIndex((v) => typeof v !== 'number');
    if (i >= 0) throw new ValueError(`${argument}[${i}]`, 'a number', describeValue(data[i]));
  }
  if (data.length !== size) throw new ShapeError(argument, `${size} values`, `${data.length}`);
}

export function viewAtChecks(base: Tensor, offset: number, shape: readonly number[]): number {
  expectTensor('base', base);
  checkShape('shape', shape);
  const size = shape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(offset) || offset < 0)
    throw new ValueError('offset', 'a non-negative integer', describeValue(offset));
  if (offset + size > base.size) {
    throw new ShapeError(
      'shape',
      `at most ${base.size - offset} elements after offset ${offset} in ${describeShape(base.shape)}`,
      `${describeShape(shape)} = ${size}`,
    );
  }
  return size;
}

/**
 * Refuses a tensor of `elements` values past the backend's largest (`maxElements`, from `limit`),
 * before anything is allocated: a typed error naming both, never a RangeError or an out-of-memory crash.
 */
export function checkAllocation(
  argument: string,
  elements: number,
  maxElements: number,
  limit: string,
  what = `${elements} elements`,
): void {
  if (elements > maxElements)
    throw new ShapeError(argument, `at most ${maxElements} elements per tensor (${limit})`, what);
}

/** A recurrent layer's lengths tensor: [B] (its values are the caller's to check: see checkLengths). */
export function lengthsTensorCheck(lengths: Tensor | undefined, B: number): void {
  if (lengths === undefined) return;
  expectTensor('lengths', lengths);
  expectShape('lengths', lengths.shape, [B]);
}

/** writeCounter's arguments: a [1] tensor of the backend and a u32. */
export function counterChecks(owner: object, t: Tensor, step: number): void {
  checkOwned(owner, 'tensor', t);
  expectShape('tensor', t.shape, [1]);
  if (!Number.isInteger(step) || step < 0 || step >= 2 ** 32)
    throw new ValueError('step', 'an integer in [0, 2^32)', describeValue(step));
}

/** A spec's unknown `type`, refused with the known names and the one it most likely meant ('Gru' → GRU). */
export function unknownType(argument: string, type: unknown, types: readonly string[]): ValueError {
  const near = typeof type === 'string' ? closestName(type, types) : undefined;
  return new ValueError(
    argument,
    types.length === 1 ? `'${types[0]}'` : `one of ${types.join(', ')}`,
    `${describeValue(type)}${near === undefined ? '' : ` (did you mean ${near}?)`}`,
  );
}
