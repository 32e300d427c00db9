// Typed errors: each names the argument, what was expected and what came.

/** Base class of every error this library throws on purpose. */
export class WebGpuRnnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An argument had the wrong shape, size or rank. */
export class ShapeError extends WebGpuRnnError {
  constructor(
    readonly argument: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${argument}: expected ${expected}, got ${actual}`);
  }
}

/** An argument had a value outside its allowed set or range. */
export class ValueError extends WebGpuRnnError {
  constructor(
    readonly argument: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${argument}: expected ${expected}, got ${actual}`);
  }
}

/** No WebGPU adapter or device could be obtained. */
export class NoAdapterError extends WebGpuRnnError {}

/** The GPU rejected a command or shader; the message names the kernel. */
export class GpuValidationError extends WebGpuRnnError {}

/** The device was lost (destroyed or reset); re-create the context and reload weights. */
export class DeviceLostError extends WebGpuRnnError {}

/** The adapter lacks a feature the requested kernel needs (e.g. a subgroup variant without `subgroups`). */
export class UnsupportedFeatureError extends WebGpuRnnError {}

/** A tensor, model, layer, optimizer or trainer was used after its release(). */
export class ReleasedError extends WebGpuRnnError {
  constructor(readonly what: string) {
    super(`${what} was already released (release() frees it for good: create a new one)`);
  }
}

/** fit, evaluate, predict, generate or a trainer step started on a model while another of them is still running on it (await the first; from a fit callback use its event's e.evaluate / e.predict / e.generate). */
export class ModelBusyError extends WebGpuRnnError {}

/** A tensor from one backend or context was passed to another. */
export class BackendMismatchError extends WebGpuRnnError {}

export function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * A value as an error message shows what came: numbers as JS prints them (NaN, Infinity), strings
 * quoted and named as strings (so '16' never reads as 16), short arrays element by element, tensors
 * by shape, anything else by kind.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `${JSON.stringify(value)} (a string)`;
  if (Array.isArray(value)) {
    return value.length <= 8
      ? `[${value.map((v) => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? describeValue(v) : String(v))).join(', ')}]`
      : `an array of ${value.length} values`;
  }
  if (ArrayBuffer.isView(value))
    return `a ${value.constructor.name} of ${(value as unknown as ArrayLike<number>).length} values`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) {
    const o = value as { shape?: unknown; storage?: unknown };
    if (Array.isArray(o.shape) && o.storage !== undefined) return `a tensor ${describeShape(o.shape)}`;
    const name = value.constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : `an object with keys {${Object.keys(value).join(', ')}}`;
  }
  return String(value);
}
