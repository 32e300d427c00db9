// Philox4x32 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011; Random123's constants),
// in exact u32 arithmetic: the CPU side of philox.wgsl, which dropout and sampling prepend. Counter-based:
// a draw depends only on its counter and key, so the GPU and the CPU draw the same bits in any order.

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

/** Philox's key from a seed: its low and high 32 bits. */
export function seedKey(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
}
