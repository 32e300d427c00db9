// matmul: GPU (each variant) vs the CPU twin on awkward sizes, all transpose combinations, the fused epilogue.
import { describe, it } from 'vitest';
import { MATMUL_VARIANTS } from '../../src/ops/matmul/webgpu.js';
import type { ActivationLike } from '../../src/index.js';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();

// f32 products summed over K ≤ 130 terms of size ≤ 1: error ~ K·2⁻²⁴ ≈ 1e-5.
const TOL = { atol: 2e-5, rtol: 1e-4 };

// [M, N, K]: 1, primes, non-multiples of every tile (32, 64), several workgroups, a long thin case.
const SIZES: Array<[number, number, number]> = [
  [1, 1, 1],
  [7, 13, 5],
  [33, 65, 17],
  [64, 64, 64],
  [130, 67, 129],
  [1, 200, 3],
  [257, 3, 31],
];

async function check(
  M: number,
  N: number,
  K: number,
  o: { transA: boolean; transB: boolean; bias?: boolean; act?: ActivationLike; beta?: number; alpha?: number },
  seed: number,
) {
  const rng = seeded(seed);
  const aData = rng.uniformArray(M * K);
  const bData = rng.uniformArray(K * N);
  const biasData = rng.uniformArray(N);
  const cData = rng.uniformArray(M * N);
  const aShape = o.transA ? [K, M] : [M, K];
  const bShape = o.transB ? [N, K] : [K, N];
  const results: Float64Array[] = [];
  for (const be of [gpu(), cpu]) {
    const a = be.tensor(aData, aShape);
    const b = be.tensor(bData, bShape);
    const bias = o.bias ? be.tensor(biasData, [N]) : undefined;
    const out = o.beta ? be.tensor(cData, [M, N]) : undefined;
    const c = be.matmul(a, b, {
      transA: o.transA,
      transB: o.transB,
      bias,
      activation: o.act,
      beta: o.beta,
      alpha: o.alpha,
      out,
    });
    results.push(await be.read(c));
    for (const t of [a, b, bias, c]) t?.release();
  }
  expectClose(results[0], results[1], { ...TOL, label: `C ${M}x${N}x${K} ${JSON.stringify(o)}` });
}

describe.each(MATMUL_VARIANTS)('matmul_%s vs CPU', (variant) => {
  it.each(SIZES)('plain and transposed, M=%i N=%i K=%i', async (M, N, K) => {
    gpu().matmulVariant = variant;
    let seed = M * 1000 + N * 10 + K;
    for (const transA of [false, true])
      for (const transB of [false, true]) await check(M, N, K, { transA, transB }, seed++);
  });

  it('fused epilogue: α, β·C, bias and every activation', async () => {
    gpu().matmulVariant = variant;
    const acts: ActivationLike[] = [
      'identity',
      'sigmoid',
      'tanh',
      'relu',
      { name: 'leaky_relu', param: 0.2 },
      { name: 'elu', param: 0.7 },
    ];
    let seed = 7;
    for (const act of acts) {
      await check(37, 29, 23, { transA: false, transB: true, bias: true, act, beta: 0.5, alpha: 1.5 }, seed++);
      await check(5, 66, 3, { transA: true, transB: false, bias: true, act }, seed++);
    }
  });
});

describe.each(MATMUL_VARIANTS)('gemm_%s on strided blocks vs CPU', (variant) => {
  // Blocks inside larger buffers: leading dimensions wider than the block, non-zero offsets.
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('transA=%s transB=%s', async (transA, transB) => {
    gpu().matmulVariant = variant;
    const [M, N, K] = [13, 9, 21];
    const [lda, ldb, ldc] = [(transA ? M : K) + 5, (transB ? K : N) + 3, N + 7];
    const [offA, offB, offC] = [11, 4, 2 * ldc + 3];
    const rng = seeded(M + N + K + Number(transA) * 2 + Number(transB));
    const aData = rng.uniformArray(offA + (transA ? K : M) * lda);
    const bData = rng.uniformArray(offB + (transB ? N : K) * ldb);
    const cData = rng.uniformArray(offC + M * ldc);
    const results: Float64Array[] = [];
    for (const be of [gpu(), cpu]) {
      const a = be.tensor(aData, [aData.length]);
      const b = be.tensor(bData, [bData.length]);
      const c = be.tensor(cData, [cData.length]);
      be.gemm({
        a,
        b,
        out: c,
        M,
        N,
        K,
        transA,
        transB,
        lda,
        ldb,
        ldc,
        offsetA: offA,
        offsetB: offB,
        offsetOut: offC,
        beta: 1,
        alpha: 0.5,
      });
      results.push(await be.read(c));
      for (const t of [a, b, c]) t.release();
    }
    // Elements outside the block must be untouched: compare the whole buffer.
    expectClose(results[0], results[1], { ...TOL, label: 'C buffer' });
  });
});
