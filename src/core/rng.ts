// One small seeded PRNG (mulberry32) for initialisation and tests: same seed, same numbers everywhere.
import { ValueError, describeValue } from './errors.js';
import { expectNonNegativeInt } from './shapes.js';

export class Rng {
  private state: number;
  private spareNormal: number | undefined;

  /** `seed`: an integer (its low 32 bits are the state; a fraction or a string would alias another seed silently). */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new ValueError('seed', 'an integer', describeValue(seed));
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal by Box–Muller. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  uniformArray(n: number, lo = -1, hi = 1): Float64Array {
    expectNonNegativeInt('n', n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(lo, hi);
    return out;
  }
}
