// A readable JSON form of a state dict: { format, version, tensors: { name: { shape, data } } }.
// Tensor names are data: the dicts made here have no prototype, so '__proto__' is just a key.
// JSON has no Infinity or NaN: those values are written as the strings "Infinity", "-Infinity", "NaN"
// (a schedule's best metric starts at ±Infinity).
import { expectObject } from '../core/checks.js';
import { badShapeElement, expectDictEntry } from '../core/state.js';
import { WebGpuRnnError, describeValue } from '../core/errors.js';
import type { StateDict } from '../core/state.js';

export class StateDictFormatError extends WebGpuRnnError {}

const FORMAT = 'webgpu-rnn/state-dict';
const NON_FINITE = ['Infinity', '-Infinity', 'NaN'];

export function stateDictToJson(dict: StateDict): string {
  expectObject('dict', dict, 'a state dict { name: { shape, data } } (await model.stateDict())');
  const tensors: Record<string, { shape: number[]; data: number[] }> = Object.create(null);
  for (const [name, entry] of Object.entries(dict)) {
    const t = expectDictEntry(name, entry, (message) => new StateDictFormatError(message));
    tensors[name] = {
      shape: [...t.shape],
      data: Array.from(t.data, (v) => (Number.isFinite(v) ? v : String(v))) as number[],
    };
  }
  return JSON.stringify({ format: FORMAT, version: 1, tensors });
}

export function stateDictFromJson(text: string): Record<string, { shape: number[]; data: Float64Array }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new StateDictFormatError(`state dict JSON does not parse: ${(e as Error).message}`);
  }
  const p = parsed as { format?: unknown; version?: unknown; tensors?: unknown };
  if (p?.format !== FORMAT || p.version !== 1)
    throw new StateDictFormatError(
      `expected format '${FORMAT}' version 1, got ${JSON.stringify(p?.format)} version ${JSON.stringify(p?.version)}`,
    );
  if (typeof p.tensors !== 'object' || p.tensors === null)
    throw new StateDictFormatError('tensors: expected an object');
  const out: Record<string, { shape: number[]; data: Float64Array }> = Object.create(null);
  for (const [name, t] of Object.entries(p.tensors as Record<string, { shape?: unknown; data?: unknown }>)) {
    if (
      !Array.isArray(t?.shape) ||
      !Array.isArray(t?.data) ||
      !t.data.every((v) => typeof v === 'number' || NON_FINITE.includes(v as string))
    ) {
      throw new StateDictFormatError(
        `tensor '${name}': expected { shape: number[], data: (number | "Infinity" | "-Infinity" | "NaN")[] }`,
      );
    }
    const bad = badShapeElement(t.shape);
    if (bad !== null)
      throw new StateDictFormatError(
        `tensor '${name}': shape ${describeValue(t.shape)} is not a list of non-negative integers (${bad})`,
      );
    const n = (t.shape as number[]).reduce((a, b) => a * b, 1);
    if (t.data.length !== n)
      throw new StateDictFormatError(
        `tensor '${name}': shape [${t.shape.join(', ')}] needs ${n} values, got ${t.data.length}`,
      );
    out[name] = { shape: t.shape as number[], data: Float64Array.from(t.data as Array<number | string>, Number) };
  }
  return out;
}
