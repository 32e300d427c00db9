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

/** A tensor from one backend or context was passed to another. */
export class BackendMismatchError extends WebGpuRnnError {}

export function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
