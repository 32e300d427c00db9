// Errors cross the worker boundary as data and are rebuilt on the page as the same class, so
// `err instanceof ShapeError` and `err.name === 'ShapeError'` hold there as for a direct call.
import {
  BackendMismatchError,
  DeviceLostError,
  GpuValidationError,
  ModelBusyError,
  NoAdapterError,
  ReleasedError,
  ShapeError,
  UnsupportedFeatureError,
  ValueError,
  WebGpuRnnError,
} from '../core/errors.js';
import { StateDictFormatError } from '../io/json.js';
import { SafetensorsError } from '../io/safetensors.js';
import { NonFiniteGradientError } from '../train/clip.js';
import type { SerializedError } from './protocol.js';

/** The trainer's worker could not be started, stopped with an error of its own, or was terminated. */
export class WorkerError extends WebGpuRnnError {}

const CLASSES: Record<string, { prototype: Error }> = {
  WebGpuRnnError,
  ShapeError,
  ValueError,
  NoAdapterError,
  GpuValidationError,
  DeviceLostError,
  BackendMismatchError,
  UnsupportedFeatureError,
  ReleasedError,
  ModelBusyError,
  NonFiniteGradientError,
  SafetensorsError,
  StateDictFormatError,
  WorkerError,
  Error,
  TypeError,
  RangeError,
  SyntaxError,
};

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), fields: {} };
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(e)) if (typeof value === 'string' && key !== 'name') fields[key] = value;
  return { name: e.name, message: e.message, stack: e.stack, fields };
}

/** The error as its own class (the library's, or a built-in one); an unknown class becomes an Error of that name. */
export function reviveError(s: SerializedError): Error {
  const cls = Object.hasOwn(CLASSES, s.name) ? CLASSES[s.name] : Error;
  const e = Object.create(cls.prototype) as Error;
  Object.defineProperties(e, {
    message: { value: s.message, writable: true, configurable: true },
    stack: { value: s.stack ?? `${s.name}: ${s.message}`, writable: true, configurable: true },
  });
  Object.assign(e, s.fields, { name: s.name });
  return e;
}
