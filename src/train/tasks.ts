// Synthetic sequence tasks for demonstrations and tests.
import { expectPositiveInt } from '../core/shapes.js';
import type { Rng } from '../core/rng.js';

/**
 * The adding problem (Hochreiter & Schmidhuber 1997): inputs x [T, B, 2] time-major, each step a
 * value ~ U(0, 1) and a marker, one marker in each half of the sequence; targets y [B, 1] = the sum of
 * the two marked values. Predicting the mean scores MSE = 1/6 ≈ 0.167.
 */
export function addingProblem(rng: Rng, T: number, B: number): { x: Float64Array; y: Float64Array } {
  expectPositiveInt('T', T);
  expectPositiveInt('B', B);
  const x = new Float64Array(T * B * 2);
  const y = new Float64Array(B);
  const half = Math.ceil(T / 2);
  for (let b = 0; b < B; b++) {
    const first = rng.int(half);
    const second = half + rng.int(Math.max(T - half, 1));
    for (let t = 0; t < T; t++) {
      const v = rng.next();
      x[(t * B + b) * 2] = v;
      if (t === first || t === second) {
        x[(t * B + b) * 2 + 1] = 1;
        y[b] += v;
      }
    }
  }
  return { x, y };
}
