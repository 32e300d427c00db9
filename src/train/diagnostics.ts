// Diagnostics for vanishing and exploding gradients. dL/dh_k ≈ (f'(h) W)^t dL/dh_{k+t}: the spectral
// radius ρ(W) of the recurrent matrix says which way a given initialisation leans (ρ·max f' < 1 vanishes,
// > 1 can explode).
import { expectArrayLike } from '../core/checks.js';
import { ShapeError, ValueError, describeValue } from '../core/errors.js';
import { Rng } from '../core/rng.js';

/**
 * ρ(W) = max |λ| of a square matrix [n, n] (row-major), by power iteration with Gelfand's formula
 * ρ = lim ‖W^k v‖^{1/k}, which also converges when the dominant eigenvalues are a complex pair.
 */
export function spectralRadius(w: ArrayLike<number>, n: number, iterations = 500, seed = 0): number {
  expectArrayLike('w', w, 'the matrix as an array of n·n numbers, row-major');
  if (!Number.isInteger(n) || n <= 0) throw new ValueError('n', 'a positive integer', describeValue(n));
  if (w.length !== n * n) throw new ShapeError('w', `${n * n} values (a square [${n}, ${n}] matrix)`, `${w.length}`);
  if (!Number.isInteger(iterations) || iterations < 10)
    throw new ValueError('iterations', 'an integer ≥ 10', describeValue(iterations));
  const rng = new Rng(seed);
  let v = Float64Array.from({ length: n }, () => rng.normal());
  let logGrowth = 0;
  const burnIn = Math.floor(iterations / 2);
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += w[i * n + k] * v[k];
      next[i] = s;
    }
    const norm = Math.hypot(...next);
    if (norm === 0) return 0; // nilpotent along v
    if (it >= burnIn) logGrowth += Math.log(norm);
    v = next.map((x) => x / norm);
  }
  return Math.exp(logGrowth / (iterations - burnIn));
}
