// Matrix products: what ctx.matmul and ctx.gemm take, the block of memory each reads and writes
// (MatmulDims, shared by the CPU twin and the kernels), and their argument checks.
import {
  checkOptions,
  expectBoolean,
  expectObject,
  expectOptionalTensor,
  expectTensor,
  optionNames,
} from '../../core/checks.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../../core/errors.js';
import { expectRank, expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';
import type { ActivationLike } from '../activation/spec.js';

export interface MatmulOptions {
  /** A is stored [K, M] and used transposed. */
  transA?: boolean;
  /** B is stored [N, K] and used transposed. */
  transB?: boolean;
  /** Scale of the product (default 1). */
  alpha?: number;
  /** Scale of the existing `out` added to the result (default 0: `out` is not read). */
  beta?: number;
  /** [N], added to every row. */
  bias?: Tensor;
  /** Applied last (default identity). */
  activation?: ActivationLike;
  /** [M, N] tensor to write into (required when beta ≠ 0). */
  out?: Tensor;
}

/** A strided matrix product on blocks of larger tensors (BLAS gemm): out = act(α·op(A)·op(B) + β·out + bias). */
export interface GemmArgs {
  a: Tensor;
  b: Tensor;
  out: Tensor;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  /** Row strides as stored; default: packed. */
  lda?: number;
  ldb?: number;
  ldc?: number;
  /** Element offsets of each block's first element; default 0. */
  offsetA?: number;
  offsetB?: number;
  offsetOut?: number;
  alpha?: number;
  beta?: number;
  bias?: Tensor;
  activation?: ActivationLike;
}

/** The epilogue options a product applies after op(A)·op(B). */
export type GemmEpilogue = Pick<GemmArgs, 'alpha' | 'beta' | 'bias' | 'activation'>;

/** One product's sizes and memory layout, checked: what both the kernels and the CPU twin run. */
export interface MatmulDims {
  M: number;
  N: number;
  K: number;
  transA: boolean; // A stored [K, M] instead of [M, K]
  transB: boolean; // B stored [N, K] instead of [K, N]
  lda: number; // row strides as stored (BLAS leading dimensions)
  ldb: number;
  ldc: number;
  offA: number; // element offsets of the first element
  offB: number;
  offC: number;
}

export interface MatmulMethods {
  /** out [M, N] = act(α·op(A)·op(B) + β·out + bias). */
  matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor;
  /** The same kernel on strided blocks, written into args.out. */
  gemm(args: GemmArgs): void;
}

const MATMUL_OPTIONS = optionNames<MatmulOptions>({
  transA: true,
  transB: true,
  alpha: true,
  beta: true,
  bias: true,
  activation: true,
  out: true,
});
const GEMM_ARGS = optionNames<GemmArgs>({
  a: true,
  b: true,
  out: true,
  M: true,
  N: true,
  K: true,
  transA: true,
  transB: true,
  lda: true,
  ldb: true,
  ldc: true,
  offsetA: true,
  offsetB: true,
  offsetOut: true,
  alpha: true,
  beta: true,
  bias: true,
  activation: true,
});

export function matmulDims(a: Tensor, b: Tensor, o: MatmulOptions): MatmulDims {
  expectTensor('a', a);
  expectTensor('b', b);
  checkOptions('options', o, MATMUL_OPTIONS);
  expectOptionalTensor('bias', o.bias);
  expectOptionalTensor('out', o.out);
  expectBoolean('transA', o.transA);
  expectBoolean('transB', o.transB);
  expectRank('a', a.shape, 2);
  expectRank('b', b.shape, 2);
  const transA = o.transA ?? false;
  const transB = o.transB ?? false;
  const [M, K] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [Kb, N] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== Kb) {
    throw new ShapeError(
      'b',
      `inner dimension ${K} to match a ${describeShape(a.shape)}${transA ? 'ᵀ' : ''}`,
      `${Kb} (b ${describeShape(b.shape)}${transB ? 'ᵀ' : ''})`,
    );
  }
  if (o.bias) expectShape('bias', o.bias.shape, [N]);
  if (o.out) expectShape('out', o.out.shape, [M, N]);
  const beta = o.beta ?? 0;
  if (!Number.isFinite(beta)) throw new ValueError('beta', 'a finite number', describeValue(beta));
  if (!Number.isFinite(o.alpha ?? 1)) throw new ValueError('alpha', 'a finite number', describeValue(o.alpha));
  if (beta !== 0 && !o.out) throw new ValueError('out', 'a tensor when beta ≠ 0', 'none');
  return { M, N, K, transA, transB, lda: transA ? M : K, ldb: transB ? K : N, ldc: N, offA: 0, offB: 0, offC: 0 };
}

/** Checks a strided gemm: dims positive, strides wide enough, every element it touches inside its tensor. */
export function gemmDims(g: GemmArgs): MatmulDims {
  expectObject('args', g, 'gemm arguments { a, b, out, M, N, K, … }');
  checkOptions('args', g, GEMM_ARGS);
  expectTensor('a', g.a);
  expectTensor('b', g.b);
  expectTensor('out', g.out);
  expectOptionalTensor('bias', g.bias);
  const { M, N, K } = g;
  for (const [name, v] of [
    ['M', M],
    ['N', N],
    ['K', K],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new ValueError(name, 'a positive integer', describeValue(v));
  }
  const transA = g.transA ?? false;
  const transB = g.transB ?? false;
  const d: MatmulDims = {
    M,
    N,
    K,
    transA,
    transB,
    lda: g.lda ?? (transA ? M : K),
    ldb: g.ldb ?? (transB ? K : N),
    ldc: g.ldc ?? N,
    offA: g.offsetA ?? 0,
    offB: g.offsetB ?? 0,
    offC: g.offsetOut ?? 0,
  };
  const span = (
    name: string,
    t: Tensor,
    rows: number,
    cols: number,
    ld: number,
    off: number,
    ldName: string,
    offName: string,
  ) => {
    if (!Number.isInteger(ld) || ld < cols) throw new ValueError(ldName, `an integer ≥ ${cols}`, describeValue(ld));
    if (!Number.isInteger(off) || off < 0) throw new ValueError(offName, 'a non-negative integer', describeValue(off));
    const last = off + (rows - 1) * ld + cols - 1;
    if (last >= t.size)
      throw new ShapeError(
        name,
        `at least ${last + 1} elements for a ${rows}×${cols} block (ld ${ld}, offset ${off})`,
        `${t.size} (${describeShape(t.shape)})`,
      );
  };
  span('a', g.a, transA ? K : M, transA ? M : K, d.lda, d.offA, 'lda', 'offsetA');
  span('b', g.b, transB ? N : K, transB ? K : N, d.ldb, d.offB, 'ldb', 'offsetB');
  span('out', g.out, M, N, d.ldc, d.offC, 'ldc', 'offsetOut');
  if (g.bias) expectShape('bias', g.bias.shape, [N]);
  if (!Number.isFinite(g.beta ?? 0)) throw new ValueError('beta', 'a finite number', describeValue(g.beta));
  if (!Number.isFinite(g.alpha ?? 1)) throw new ValueError('alpha', 'a finite number', describeValue(g.alpha));
  return d;
}
