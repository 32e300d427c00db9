// Variable-length sequences (PyTorch's pack_padded_sequence with enforce_sorted=False): a batch of B
// padded sequences of T steps with per-row lengths 1 ≤ len[b] ≤ T, in any order. Given as a lengths
// array or as a [B, T] prefix mask (1 for the steps that exist, then 0; a mask with holes is refused).
import { ShapeError, ValueError, describeShape, describeValue } from './errors.js';
import type { Tensor } from './tensor.js';

/** Per-row lengths: an array of B integers, or `{ mask }` — a [B, T] prefix mask (nested or flat row-major, 1/0 or booleans). */
export type SequenceLengths =
  ArrayLike<number> | { mask: ArrayLike<number | boolean> | ArrayLike<ArrayLike<number | boolean>> };

function isMask(v: unknown): v is { mask: unknown } {
  return typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Array.isArray(v) && 'mask' in v;
}

/**
 * Checks lengths for a batch of B sequences of T steps and returns them as integers; a mask becomes
 * its rows' lengths. Refuses (naming `argument`) a wrong count, a non-integer, 0 (as PyTorch), more than
 * T, and a mask that is not a prefix mask.
 */
export function checkLengths(argument: string, lengths: unknown, B: number, T: number): Int32Array {
  if (isMask(lengths)) return lengthsFromMask(`${argument}.mask`, lengths.mask, B, T);
  if (typeof lengths !== 'object' || lengths === null || typeof (lengths as ArrayLike<number>).length !== 'number') {
    throw new ValueError(
      argument,
      `an array of ${B} lengths or { mask } ([B, T] = [${B}, ${T}])`,
      describeValue(lengths),
    );
  }
  const values = lengths as ArrayLike<unknown>;
  if (values.length !== B) throw new ShapeError(argument, `${B} lengths (one per batch row)`, `${values.length}`);
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const v = values[b];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > T) {
      throw new ValueError(
        `${argument}[${b}]`,
        `an integer length in [1, ${T}] (T steps; a length of 0 is refused, as PyTorch)`,
        describeValue(v),
      );
    }
    out[b] = v;
  }
  return out;
}

/** The lengths of a [B, T] prefix mask: each row 1 (or true) for its first len[b] ≥ 1 steps, then 0. */
export function lengthsFromMask(argument: string, mask: unknown, B: number, T: number): Int32Array {
  if (typeof mask !== 'object' || mask === null || typeof (mask as ArrayLike<unknown>).length !== 'number') {
    throw new ValueError(argument, `a [B, T] = [${B}, ${T}] mask (nested or flat)`, describeValue(mask));
  }
  const m = mask as ArrayLike<unknown>;
  const nested = m.length > 0 && typeof m[0] === 'object' && m[0] !== null;
  const cell = (b: number, t: number): unknown => (nested ? (m[b] as ArrayLike<unknown>)[t] : m[b * T + t]);
  if (nested) {
    if (m.length !== B) throw new ShapeError(argument, `[${B}, ${T}] (B rows)`, `${m.length} rows`);
    for (let b = 0; b < B; b++) {
      const row = m[b] as ArrayLike<unknown>;
      if (typeof row !== 'object' || row === null || row.length !== T)
        throw new ShapeError(`${argument}[${b}]`, `${T} steps`, describeValue(row));
    }
  } else if (m.length !== B * T) {
    throw new ShapeError(
      argument,
      `${describeShape([B, T])} (${B * T} values row-major, or nested rows)`,
      `${m.length} values`,
    );
  }
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let len = 0;
    for (let t = 0; t < T; t++) {
      const v = cell(b, t);
      const on = v === 1 || v === true;
      if (!on && v !== 0 && v !== false)
        throw new ValueError(`${argument}[${b}][${t}]`, '1 / true or 0 / false', describeValue(v));
      if (on && len !== t)
        throw new ValueError(
          `${argument}[${b}]`,
          'a prefix mask (ones, then zeros: packed sequences have no holes)',
          `a 1 at step ${t} after a 0 at step ${len}`,
        );
      if (on) len = t + 1;
    }
    if (len === 0)
      throw new ValueError(`${argument}[${b}]`, 'at least one step (a length of 0 is refused, as PyTorch)', 'no step');
    out[b] = len;
  }
  return out;
}

/**
 * A batch's lengths, checked, on the host and on the device ([B] f32, what the kernels read), made by
 * Sequential.uploadLengths; a Trainer makes them before recording a step, so that the step stays one
 * submit. Sequential.forward takes this as well as plain lengths.
 */
export class BatchLengths {
  constructor(
    readonly host: Int32Array,
    readonly device: Tensor,
  ) {}
}
