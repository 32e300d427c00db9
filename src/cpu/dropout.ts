// Inverted dropout, the CPU twin of shaders/dropout.wgsl: the same masks bit for bit, from Philox4x32-10
// (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011; Random123's constants).
// Element i of a call keeps its value, scaled by 1/(1 − p), when lane i mod 4 of
// Philox4x32-10(counter = (⌊i/4⌋, step, stream, 0), key = (seed low 32 bits, seed high bits)) is below
// keepThreshold(p); otherwise it is 0. The mask is linear, so the backward pass is the same call on dL/dy.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high and low 32 bits of a·b for u32 a, b, exact in f64: a·⌊b/2^16⌋ and a·(b mod 2^16) stay below 2^48. */
function mulhilo(a: number, b: number): [number, number] {
  const low = a * (b & 0xffff);
  const high = a * (b >>> 16);
  return [Math.floor((high + Math.floor(low / 65536)) / 65536) >>> 0, Math.imul(a, b) >>> 0];
}

/** Philox4x32 with `rounds` rounds (10 is the standard generator): four u32 draws from a counter and a key. */
export function philox4x32(
  counter: readonly number[],
  key: readonly number[],
  rounds = 10,
): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((v) => v >>> 0);
  let [k0, k1] = key.map((v) => v >>> 0);
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const [hi0, lo0] = mulhilo(M0, c0);
    const [hi1, lo1] = mulhilo(M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

/** Where a dropout call's masks come from: p, the model's seed and the site's stream number. */
export interface DropoutConfig {
  /** Probability of zeroing an element, in [0, 1]. */
  p: number;
  /** An integer; its low and high 32 bits are Philox's key. */
  seed: number;
  /** The dropout site within its model (a u32): each site draws its own masks. */
  stream: number;
}

/**
 * Elements are kept where their draw r (a u32) is below this: ⌈(1 − p)·2^32⌉, so r·2^-32 < 1 − p as
 * PyTorch's bernoulli(1 − p); clamped to 2^32 − 1 (a u32) for p below 2^-32.
 */
export function keepThreshold(p: number): number {
  return Math.min(Math.ceil((1 - p) * 2 ** 32), 2 ** 32 - 1);
}

/** 1/(1 − p), and 0 for p = 1 (nothing is kept: PyTorch's all-zero output). */
export function dropoutScale(p: number): number {
  return p === 1 ? 0 : 1 / (1 - p);
}

/** Philox's key from a seed: its low and high 32 bits. */
export function seedKey(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
}

/** The keep mask (1 kept, 0 dropped) of n elements at a step. */
export function dropoutMask(n: number, config: DropoutConfig, step: number): Uint8Array {
  const keep = keepThreshold(config.p);
  const key = seedKey(config.seed);
  const mask = new Uint8Array(n);
  for (let block = 0; block * 4 < n; block++) {
    const r = philox4x32([block, step, config.stream, 0], key);
    for (let j = 0; j < 4 && block * 4 + j < n; j++) mask[block * 4 + j] = r[j] < keep ? 1 : 0;
  }
  return mask;
}

/** y = x ⊙ mask / (1 − p); also dL/dx from dL/dy at the same step (the mask is linear). */
export function dropoutForward(x: Float64Array, config: DropoutConfig, step: number): Float64Array {
  const mask = dropoutMask(x.length, config, step);
  const scale = dropoutScale(config.p);
  return x.map((v, i) => (mask[i] ? v * scale : 0));
}
