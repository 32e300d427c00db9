// Shape conventions, written once for the whole library:
//   B batch, T time steps, I input size, H hidden size, D directions (1 or 2),
//   G gates (1 RNN, 4 LSTM), O outputs, L layers.
// Sequences are time-major [T, B, I], row-major (PyTorch batch_first=False).
// Weights keep PyTorch layout and names: weight_ih_l{k} [G·H, I], weight_hh_l{k} [G·H, H],
// bias_ih_l{k} / bias_hh_l{k} [G·H]; Linear weight [O, I], bias [O].
// GPU tensors are f32; the CPU reference computes in f64.
import { ShapeError, ValueError, describeShape, describeValue } from './errors.js';

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws a ShapeError unless `shape` is a list of positive integers. */
export function checkShape(argument: string, shape: Shape): void {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ShapeError(argument, 'a non-empty list of positive integers', describeValue(shape));
  }
}

export function expectShape(argument: string, actual: Shape, expected: Shape): void {
  if (!sameShape(actual, expected)) {
    throw new ShapeError(argument, `shape ${describeShape(expected)}`, `shape ${describeShape(actual)}`);
  }
}

export function expectRank(argument: string, actual: Shape, rank: number): void {
  if (actual.length !== rank) {
    throw new ShapeError(argument, `rank ${rank}`, `rank ${actual.length} (shape ${describeShape(actual)})`);
  }
}

export function expectPositiveInt(argument: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0)
    throw new ValueError(argument, 'a positive integer', describeValue(value));
}

export function expectFinite(argument: string, value: number): void {
  if (!Number.isFinite(value)) throw new ValueError(argument, 'a finite number', describeValue(value));
}

export function expectNonNegativeInt(argument: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new ValueError(argument, 'an integer ≥ 0', describeValue(value));
}
