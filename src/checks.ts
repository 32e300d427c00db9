// Argument checks shared by both backends, so a bad call fails the same way on either.
import type { GemmArgs, MatmulOptions, RecurrentWeights, StateSlice } from './backend.js';
import type { Tensor } from './tensor.js';
import { BackendMismatchError, ShapeError, ValueError, describeShape } from './errors.js';
import { checkShape, expectRank, expectShape, sameShape } from './shapes.js';
import type { MatmulDims } from './cpu/matmul.js';

export function checkOwned(owner: object, argument: string, t: Tensor): void {
  if (t.owner !== owner) {
    throw new BackendMismatchError(`${argument}: tensor belongs to another context or backend`);
  }
  t.assertLive(argument);
}

export function matmulDims(a: Tensor, b: Tensor, o: MatmulOptions): MatmulDims {
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
  if (!Number.isFinite(beta)) throw new ValueError('beta', 'a finite number', String(beta));
  if (!Number.isFinite(o.alpha ?? 1)) throw new ValueError('alpha', 'a finite number', String(o.alpha));
  if (beta !== 0 && !o.out) throw new ValueError('out', 'a tensor when beta ≠ 0', 'none');
  return { M, N, K, transA, transB, lda: transA ? M : K, ldb: transB ? K : N, ldc: N, offA: 0, offB: 0, offC: 0 };
}

/** Checks a strided gemm: dims positive, strides wide enough, every element it touches inside its tensor. */
export function gemmDims(g: GemmArgs): MatmulDims {
  const { M, N, K } = g;
  for (const [name, v] of [['M', M], ['N', N], ['K', K]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new ValueError(name, 'a positive integer', String(v));
  }
  const transA = g.transA ?? false;
  const transB = g.transB ?? false;
  const d: MatmulDims = {
    M, N, K, transA, transB,
    lda: g.lda ?? (transA ? M : K),
    ldb: g.ldb ?? (transB ? K : N),
    ldc: g.ldc ?? N,
    offA: g.offsetA ?? 0,
    offB: g.offsetB ?? 0,
    offC: g.offsetOut ?? 0,
  };
  const span = (name: string, t: Tensor, rows: number, cols: number, ld: number, off: number, ldName: string, offName: string) => {
    if (!Number.isInteger(ld) || ld < cols) throw new ValueError(ldName, `an integer ≥ ${cols}`, String(ld));
    if (!Number.isInteger(off) || off < 0) throw new ValueError(offName, 'a non-negative integer', String(off));
    const last = off + (rows - 1) * ld + cols - 1;
    if (last >= t.size) throw new ShapeError(name, `at least ${last + 1} elements for a ${rows}×${cols} block (ld ${ld}, offset ${off})`, `${t.size} (${describeShape(t.shape)})`);
  };
  span('a', g.a, transA ? K : M, transA ? M : K, d.lda, d.offA, 'lda', 'offsetA');
  span('b', g.b, transB ? N : K, transB ? K : N, d.ldb, d.offB, 'ldb', 'offsetB');
  span('out', g.out, M, N, d.ldc, d.offC, 'ldc', 'offsetOut');
  if (g.bias) expectShape('bias', g.bias.shape, [N]);
  if (!Number.isFinite(g.beta ?? 0)) throw new ValueError('beta', 'a finite number', String(g.beta));
  if (!Number.isFinite(g.alpha ?? 1)) throw new ValueError('alpha', 'a finite number', String(g.alpha));
  return d;
}

export function checkSameShape(argument: string, t: Tensor, like: Tensor, likeName: string): void {
  if (!sameShape(t.shape, like.shape)) {
    throw new ShapeError(argument, `the shape of ${likeName} ${describeShape(like.shape)}`, describeShape(t.shape));
  }
}

export function sumAxisDims(x: Tensor, axis: 0 | 1, out?: Tensor, beta = 0): { R: number; C: number; outLen: number } {
  expectRank('x', x.shape, 2);
  if (axis !== 0 && axis !== 1) throw new ValueError('axis', '0 or 1', String(axis));
  const [R, C] = x.shape;
  const outLen = axis === 0 ? C : R;
  if (out) expectShape('out', out.shape, [outLen]);
  if (beta !== 0 && !out) throw new ValueError('out', 'a tensor when beta ≠ 0', 'none');
  return { R, C, outLen };
}

export function checkData(argument: string, data: ArrayLike<number>, size: number): void {
  if (data.length !== size) throw new ShapeError(argument, `${size} values`, `${data.length}`);
}

export function viewAtChecks(base: Tensor, offset: number, shape: readonly number[]): number {
  checkShape('shape', shape);
  const size = shape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(offset) || offset < 0) throw new ValueError('offset', 'a non-negative integer', String(offset));
  if (offset + size > base.size) {
    throw new ShapeError('shape', `at most ${base.size - offset} elements after offset ${offset} in ${describeShape(base.shape)}`, `${describeShape(shape)} = ${size}`);
  }
  return size;
}

export function lossChecks(kind: 'mse' | 'crossEntropy', y: Tensor, target: Tensor, reduction: string): { B: number; C: number } {
  if (reduction !== 'mean' && reduction !== 'sum') throw new ValueError('reduction', "'mean' or 'sum'", JSON.stringify(reduction));
  if (kind === 'mse') {
    checkSameShape('target', target, y, 'the prediction');
    return { B: y.size, C: 1 };
  }
  expectRank('logits', y.shape, 2);
  expectShape('targets', target.shape, [y.shape[0]]);
  return { B: y.shape[0], C: y.shape[1] };
}

export function optimizerChecks(param: Tensor, grad: Tensor, state: Tensor[], gscale: Tensor, step: Tensor, lr: Tensor): void {
  checkSameShape('grad', grad, param, 'param');
  state.forEach((s, i) => checkSameShape(`state[${i}]`, s, param, 'param'));
  expectShape('gscale', gscale.shape, [4]);
  expectShape('step', step.shape, [1]);
  expectShape('lr', lr.shape, [1]);
}

/** Class targets must be integers in [0, C): checked on the host before they reach a kernel. */
export function checkClassTargets(argument: string, targets: ArrayLike<number>, C: number): void {
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (!Number.isInteger(t) || t < 0 || t >= C) {
      throw new ValueError(`${argument}[${i}]`, `an integer class index in [0, ${C - 1}]`, String(t));
    }
  }
}

export interface RnnLayerDims {
  T: number;
  B: number;
  I: number;
  H: number;
  D: 1 | 2;
}

/**
 * Refuses a tensor of `elements` values past the backend's largest (`maxElements`, from `limit`),
 * before anything is allocated: a typed error naming both, never a RangeError or an out-of-memory crash.
 */
export function checkAllocation(argument: string, elements: number, maxElements: number, limit: string, what = `${elements} elements`): void {
  if (elements > maxElements) throw new ShapeError(argument, `at most ${maxElements} elements per tensor (${limit})`, what);
}

/**
 * Shapes of one recurrent layer's call; G gates per unit (1 RNN, 4 LSTM). Also refuses a sequence whose
 * largest per-layer buffer would not fit in `maxElements`: δ or the gates for all steps [T·B, D·G·H]
 * (+ an LSTM's carried [D, B, H]), or the padded h and c sequences 2·(T+2)·B·D·H (+ < 64 padding).
 */
export function recurrentChecks(x: Tensor, w: RecurrentWeights, D: number, H: number, G: number, slices: Record<string, StateSlice | null | undefined>, maxElements: number): RnnLayerDims {
  expectRank('x', x.shape, 3);
  const [T, B, I] = x.shape;
  if (D !== 1 && D !== 2) throw new ValueError('D', '1 or 2 directions', String(D));
  const largest = Math.max(T * B * D * G * H + D * B * H, 2 * (T + 2) * B * D * H + 64);
  checkAllocation('x', largest, maxElements, "the backend's maxTensorElements", `${describeShape(x.shape)}, whose buffers for ${D}·${G}·${H} units need ${largest}`);
  expectShape('weight_ih', w.wih.shape, [D * G * H, I]);
  expectShape('weight_hh', w.whh.shape, [D * G * H, H]);
  if (w.bih) expectShape('bias_ih', w.bih.shape, [D * G * H]);
  if (w.bhh) expectShape('bias_hh', w.bhh.shape, [D * G * H]);
  for (const [name, slice] of Object.entries(slices)) {
    if (!slice) continue;
    if (!Number.isInteger(slice.offset) || slice.offset < 0 || slice.offset + D * B * H > slice.tensor.size) {
      throw new ShapeError(name, `room for a [${D}, ${B}, ${H}] block at element ${slice.offset}`, `${describeShape(slice.tensor.shape)}`);
    }
  }
  return { T, B, I, H, D: D as 1 | 2 };
}

export function mergeChecks(x: Tensor, mode: string, dy?: Tensor): number {
  if (mode !== 'sum' && mode !== 'mul' && mode !== 'ave') throw new ValueError('mode', "'sum', 'mul' or 'ave'", JSON.stringify(mode));
  expectRank('x', x.shape, 3);
  if (x.shape[2] % 2 !== 0) throw new ShapeError('x', '[T, B, 2H] (an even last dimension)', describeShape(x.shape));
  const H = x.shape[2] / 2;
  if (dy) expectShape('dy', dy.shape, [x.shape[0], x.shape[1], H]);
  return H;
}

/** Gates per hidden unit of a cell kind. */
export function gatesOf(cell: string): number {
  if (cell === 'rnn') return 1;
  if (cell === 'lstm') return 4;
  throw new ValueError('cell', "'rnn' or 'lstm'", JSON.stringify(cell));
}

export function clipValueCheck(clipValue: number): void {
  if (!(clipValue > 0) || !Number.isFinite(clipValue)) throw new ValueError('clipValue', 'a positive finite number', String(clipValue));
}

export function gradNormChecks(maxNorm: number, normType: unknown, loss: Tensor | null): void {
  if (!(maxNorm > 0)) throw new ValueError('maxNorm', 'a positive number (Infinity: measure without clipping)', String(maxNorm));
  if (normType !== 2 && normType !== 'inf') throw new ValueError('normType', "2 or 'inf'", JSON.stringify(normType));
  if (loss) expectShape('loss', loss.shape, [1]);
}

export function segmentChecks(x: Tensor, segments: Tensor, table: ArrayLike<number> | null): number {
  expectRank('segments', segments.shape, 2);
  if (segments.shape[1] !== 2) throw new ShapeError('segments', '[count, 2] (offset, length) pairs', describeShape(segments.shape));
  if (x.size >= 2 ** 24) throw new ShapeError('x', 'fewer than 2^24 elements (segment offsets travel as exact f32)', `${x.size}`);
  if (table) {
    for (let s = 0; s < table.length; s += 2) {
      if (!Number.isInteger(table[s]) || !Number.isInteger(table[s + 1]) || table[s] < 0 || table[s] + table[s + 1] > x.size) {
        throw new ValueError(`segments[${s / 2}]`, `an (offset, length) pair inside [0, ${x.size})`, `(${table[s]}, ${table[s + 1]})`);
      }
    }
  }
  return segments.shape[0];
}

/** [A, B, C] or [N, A, B, C] → the sizes, N = 1 for rank 3. */
export function transposeDims(x: Tensor): { N: number; A: number; B: number; C: number; out: number[] } {
  if (x.shape.length !== 3 && x.shape.length !== 4) throw new ShapeError('x', 'rank 3 [A, B, C] or rank 4 [N, A, B, C]', `rank ${x.shape.length} (shape ${describeShape(x.shape)})`);
  const [N, A, B, C] = x.shape.length === 3 ? [1, ...x.shape] : x.shape;
  return { N, A, B, C, out: x.shape.length === 3 ? [B, A, C] : [N, B, A, C] };
}
