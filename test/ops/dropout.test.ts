// Dropout's kernel (src/ops/dropout/dropout.wgsl) against its CPU twin (cpu.ts there): Philox4x32-10 against
// Random123's published known answers, GPU masks equal to CPU masks bit for bit on awkward sizes, the keep
// rate and scale as statistics, fresh masks per step from one step-counter pair, and typed errors.
import { describe, expect, it } from 'vitest';
import { ValueError, createContext, type Backend, type DropoutConfig, type Tensor } from '../../src/index.js';
import { dropoutForward, dropoutMask } from '../../src/ops/dropout/cpu.js';
import { keepThreshold } from '../../src/ops/dropout/spec.js';
import { philox4x32 } from '../../src/ops/philox/philox.js';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();
// f32 products x·(1/(1 − p)) against f64: one rounding each.
const VALUE_TOL = { atol: 1e-7, rtol: 1e-6 };

/** One dropout call per step on `be`, steps 0, 1, …: the outputs and whether each element was kept. */
async function runSteps(be: Backend, xs: Float64Array, config: DropoutConfig, steps: number): Promise<Float64Array[]> {
  const x = be.tensor(xs, [xs.length]);
  const counters: [Tensor, Tensor] = [be.zeros([1]), be.zeros([1])];
  const ys: Tensor[] = [];
  for (let s = 0; s < steps; s++) ys.push(be.dropout(x, counters[s % 2], counters[(s + 1) % 2], config));
  const out = await be.readMany(ys);
  for (const t of [x, ...counters, ...ys]) t.release();
  return out;
}

describe('Philox4x32-10 (CPU twin)', () => {
  // Random123 1.14, tests/kat_vectors: counter (4 words), key (2 words) → 4 words.
  it.each([
    [
      [0, 0, 0, 0],
      [0, 0],
      [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ],
  ])('known answer %#', (counter, key, expected) => {
    expect(philox4x32(counter, key)).toEqual(expected);
  });

  it('keep threshold: ⌈(1 − p)·2^32⌉, 0 for p = 1, clamped below 2^32', () => {
    expect(keepThreshold(0.5)).toBe(2 ** 31);
    expect(keepThreshold(1)).toBe(0);
    expect(keepThreshold(0)).toBe(2 ** 32 - 1);
  });
});

describe('dropout kernel, GPU vs CPU', () => {
  // 1, fewer than a Philox block, a prime, one past a workgroup's 1024 elements, several workgroups.
  it.each([1, 3, 251, 1025, 4099])('the same masks bit for bit and the same values, n=%i, 3 steps', async (n) => {
    const xs = seeded(n).uniformArray(n, -2, 2);
    for (const p of [0.1, 0.5, 0.9]) {
      const config = { p, seed: 1234 + n, stream: 3 };
      const g = await runSteps(gpu(), xs, config, 3);
      const c = await runSteps(cpu, xs, config, 3);
      for (let s = 0; s < 3; s++) {
        const mask = dropoutMask(n, config, s);
        expect(
          Array.from(g[s], (v) => (v !== 0 ? 1 : 0)),
          `GPU mask, p=${p} step ${s}`,
        ).toEqual(Array.from(mask));
        expectClose(c[s], dropoutForward(xs, config, s), { atol: 0, rtol: 0, label: `CPU step ${s}` });
        expectClose(g[s], c[s], { ...VALUE_TOL, label: `p=${p} step ${s}` });
      }
    }
  });

  it('a seed above 2^32 reaches the key (its high bits change the masks) on both backends', async () => {
    const xs = new Float64Array(512).fill(1);
    const low = { p: 0.5, seed: 7, stream: 0 };
    const high = { p: 0.5, seed: 7 + 2 ** 32, stream: 0 };
    const [g] = await runSteps(gpu(), xs, high, 1);
    expect(Array.from(g, (v) => (v !== 0 ? 1 : 0))).toEqual(Array.from(dropoutMask(512, high, 0)));
    expect(Array.from(dropoutMask(512, high, 0))).not.toEqual(Array.from(dropoutMask(512, low, 0)));
  });

  it('p = 1 zeroes everything (as PyTorch); the counter still advances', async () => {
    const xs = seeded(2).uniformArray(37);
    for (const be of [gpu(), cpu])
      for (const y of await runSteps(be, xs, { p: 1, seed: 0, stream: 0 }, 2))
        expect(Array.from(y)).toEqual(new Array(37).fill(0));
  });

  // Keep rate and scale over 1e5 elements per step, 4 steps, on the GPU: the kept count K ~ Binomial(n, 1 − p)
  // within 4σ; kept elements are x/(1 − p); the mean of y estimates the mean of x (x = 1 here).
  it.each([0.1, 0.5, 0.8])('keep rate within 4σ and scale 1/(1 − p) over 1e5 elements, p=%f', async (p) => {
    const n = 100_000;
    const ys = await runSteps(gpu(), new Float64Array(n).fill(1), { p, seed: 99, stream: 1 }, 4);
    const sigma = Math.sqrt(n * p * (1 - p));
    for (const y of ys) {
      let [kept, badScale, agreeNext] = [0, 0, 0]; // agreeNext: neighbours with the same fate (lag-1 dependence)
      for (let i = 0; i < n; i++) {
        if (y[i] !== 0) kept++;
        if (y[i] !== 0 && Math.abs(y[i] - 1 / (1 - p)) > 1e-6 / (1 - p)) badScale++;
        if (i > 0 && (y[i] !== 0) === (y[i - 1] !== 0)) agreeNext++;
      }
      expect(badScale).toBe(0);
      console.log(
        `p=${p}: kept ${kept} of ${n} (expected ${n * (1 - p)}, σ ${sigma.toFixed(1)}, ${((kept - n * (1 - p)) / sigma).toFixed(2)}σ)`,
      );
      expect(Math.abs(kept - n * (1 - p))).toBeLessThan(4 * sigma);
      // Independent neighbours agree with probability q = p² + (1 − p)²; overlapping pairs (i−1, i), (i, i+1)
      // covary by P(three alike) − q², so the count's variance is (n−1)·q(1−q) + 2(n−2)·(p³ + (1−p)³ − q²).
      const q = p * p + (1 - p) * (1 - p);
      const variance = (n - 1) * q * (1 - q) + 2 * (n - 2) * (p ** 3 + (1 - p) ** 3 - q * q);
      expect(Math.abs(agreeNext - (n - 1) * q)).toBeLessThan(4 * Math.sqrt(variance));
    }
  });

  it('masks differ between steps and between streams as independent masks would', async () => {
    const n = 20_000;
    const xs = new Float64Array(n).fill(1);
    const [a, b] = await runSteps(gpu(), xs, { p: 0.5, seed: 5, stream: 0 }, 2);
    const [other] = await runSteps(gpu(), xs, { p: 0.5, seed: 5, stream: 1 }, 1);
    for (const [u, v, what] of [
      [a, b, 'steps 0 and 1'],
      [a, other, 'streams 0 and 1'],
    ] as const) {
      let agree = 0;
      for (let i = 0; i < n; i++) if ((u[i] !== 0) === (v[i] !== 0)) agree++;
      expect(Math.abs(agree - n / 2), what).toBeLessThan(4 * Math.sqrt(n / 4));
    }
  });

  it('the same seed gives the same masks in a second WebGPU context and on the CPU', async () => {
    const xs = seeded(3).uniformArray(300);
    const config = { p: 0.3, seed: 42, stream: 2 };
    const first = await runSteps(gpu(), xs, config, 2);
    const other = await createContext({ backend: 'webgpu' });
    const again = await runSteps(other, xs, config, 2);
    other.destroy();
    const onCpu = await runSteps(cpu, xs, config, 2);
    for (let s = 0; s < 2; s++) {
      expect(Array.from(again[s])).toEqual(Array.from(first[s]));
      expect(Array.from(onCpu[s], (v) => v !== 0)).toEqual(Array.from(first[s], (v) => v !== 0));
    }
  });

  it('writeCounter sets the step a dropout call draws at (a u32 as the kernel reads it), one upload on the GPU; bad steps refused', async () => {
    const xs = seeded(9).uniformArray(37, 1, 2);
    const config = { p: 0.5, seed: 11, stream: 2 };
    for (const be of [gpu(), cpu]) {
      const x = be.tensor(xs, [37]);
      const [step, next, wide] = [be.zeros([1]), be.zeros([1]), be.zeros([2])];
      for (const k of [0, 1, 12345, 2 ** 32 - 1]) {
        be.resetCounters();
        be.writeCounter(step, k);
        if (be.kind === 'webgpu') expect(be.counters().uploads).toBe(1);
        const y = be.dropout(x, step, next, config);
        const out = await be.read(y);
        expect(
          Array.from(out, (v) => v !== 0),
          `${be.kind} step ${k}`,
        ).toEqual(Array.from(dropoutMask(37, config, k), (m) => m === 1));
        // The kernel wrote k + 1 (mod 2^32) to the other counter: a dropout after it from there draws step k + 1.
        const y2 = be.dropout(x, next, step, config);
        expect(
          Array.from(await be.read(y2), (v) => v !== 0),
          `${be.kind} step ${k} + 1`,
        ).toEqual(Array.from(dropoutMask(37, config, (k + 1) >>> 0), (m) => m === 1));
        for (const t of [y, y2]) t.release();
      }
      expect(() => be.writeCounter(step, -1)).toThrow(/step: expected an integer in \[0, 2\^32\), got -1/);
      expect(() => be.writeCounter(step, 2 ** 32)).toThrow(ValueError);
      expect(() => be.writeCounter(step, 1.5)).toThrow(ValueError);
      expect(() => be.writeCounter(wide, 1)).toThrow(/tensor: expected shape \[1\]/);
      for (const t of [x, step, next, wide]) t.release();
    }
  });

  it('typed errors for a bad p, seed, stream or step tensor', () => {
    for (const be of [gpu(), cpu]) {
      const x = be.zeros([4]);
      const [s0, s1, wide] = [be.zeros([1]), be.zeros([1]), be.zeros([2])];
      const call =
        (config: Partial<DropoutConfig>, step = s0, next = s1) =>
        () =>
          be.dropout(x, step, next, { p: 0.5, seed: 0, stream: 0, ...config });
      expect(call({ p: -0.1 })).toThrow(/p: expected a probability in \[0, 1\], got -0.1/);
      expect(call({ p: 1.5 })).toThrow(ValueError);
      expect(call({ p: NaN })).toThrow(/p: expected a probability in \[0, 1\], got NaN/);
      expect(call({ seed: 0.5 })).toThrow(/seed: expected an integer, got 0.5/);
      expect(call({ stream: -1 })).toThrow(/stream: expected an integer in \[0, 2\^32\)/);
      expect(call({}, wide)).toThrow(/step: expected shape \[1\]/);
      expect(call({}, s0, s0)).toThrow(/nextStep: expected another tensor than step/);
      for (const t of [x, s0, s1, wide]) t.release();
    }
  });
});
