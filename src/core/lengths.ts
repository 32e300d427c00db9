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
 * Lengths given to a model without a recurrent layer: refused with one message wherever lengths enter a
 * model (Sequential.forward, Trainer.step, fit, evaluate, predict), before their shape or values are looked at.
 */
export function refuseLengthsWithoutRecurrent(
  argument: string,
  lengths: unknown,
  model: { readonly recurrentLayers: readonly unknown[] },
): void {
  if (lengths !== undefined && model.recurrentLayers.length === 0)
    throw new ValueError(
      argument,
      'none for a model without a recurrent layer (lengths say where each sequence ends for RNN, LSTM and GRU layers)',
      'lengths',
    );
}

/**
 * A batch's lengths on the host and on the device ([B] f32, what the kernels read): the one form in which
 * lengths travel inside a model (layers, the Trainer's loss). Lengths are checked once, where they enter a
 * model or a module (Sequential.forward, Trainer.step, fit, evaluate, predict, RNN.run …: see
 * toBatchLengths); a Trainer makes them before recording a step, so that the step stays one submit.
 * Sequential.forward takes them as well as plain lengths.
 */
export class BatchLengths {
  constructor(
    readonly host: Int32Array,
    readonly device: Tensor,
  ) {}
}

/** BatchLengths made by toBatchLengths: checked for B rows of T steps, so passing them on needs no second check. */
class CheckedLengths extends BatchLengths {
  constructor(
    host: Int32Array,
    device: Tensor,
    readonly B: number,
    readonly T: number,
  ) {
    super(host, device);
  }
}

/**
 * Lengths in any public form (an array, a typed array, `{ mask }` or BatchLengths) as checked
 * BatchLengths for B sequences of T steps: checked here (see checkLengths) unless toBatchLengths made
 * them for the same B and T; `upload` puts checked host lengths on the device (BatchLengths keep theirs).
 */
export function toBatchLengths(
  argument: string,
  lengths: SequenceLengths | BatchLengths,
  B: number,
  T: number,
  upload: (host: Int32Array) => Tensor,
): BatchLengths {
  if (lengths instanceof CheckedLengths && lengths.B === B && lengths.T === T) return lengths;
  const given = lengths instanceof BatchLengths;
  const host = checkLengths(argument, given ? lengths.host : lengths, B, T);
  return new CheckedLengths(host, given ? lengths.device : upload(host), B, T);
}

/**
 * Lengths of a data set's N sequences of T steps (fit, evaluate, predict), checked once where they enter;
 * batch() gives a batch's rows as BatchLengths that need no second check.
 */
export class SampleLengths {
  readonly host: Int32Array; // [N]

  constructor(
    argument: string,
    lengths: unknown,
    N: number,
    readonly T: number,
  ) {
    this.host = checkLengths(argument, lengths, N, T);
  }

  /** Samples idx[start .. start+B) as BatchLengths, their device tensor [B] filled by `write`. */
  batch(
    idx: readonly number[],
    start: number,
    B: number,
    device: Tensor,
    write: (device: Tensor, host: Int32Array) => void,
  ): BatchLengths {
    const host = Int32Array.from({ length: B }, (_, r) => this.host[idx[start + r]]);
    write(device, host);
    return new CheckedLengths(host, device, B, this.T);
  }
}
