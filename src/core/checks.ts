// Argument checks shared by both backends, so a bad call fails the same way on either.
import type {
  Backend,
  BceWithLogitsOptions,
  CrossEntropyOptions,
  DropoutConfig,
  HuberOptions,
  RmspropHyper,
  SmoothL1Options,
  GemmArgs,
  MatmulOptions,
  StepMask,
} from '../backend.js';
import { Tensor } from './tensor.js';
import { BackendMismatchError, ShapeError, ValueError, describeShape, describeValue } from './errors.js';
import { checkShape, expectRank, expectShape, sameShape } from './shapes.js';
import type { MatmulDims } from '../cpu/matmul.js';

/**
 * Throws a ValueError unless `value` is a Tensor: the first check of every public call that takes one,
 * so a host array, an options object or undefined never reaches `.shape` as a TypeError.
 */
export function expectTensor(argument: string, value: unknown): asserts value is Tensor {
  if (value instanceof Tensor) return;
  const host =
    Array.isArray(value) ||
    ArrayBuffer.isView(value) ||
    (typeof value === 'object' && value !== null && 'data' in value);
  const hint = host ? ' (upload host values with ctx.tensor(data, shape); fit/evaluate/predict take host arrays)' : '';
  throw new ValueError(argument, `a Tensor${hint}`, describeValue(value));
}

/** expectTensor for an optional argument: undefined and null mean none. */
export function expectOptionalTensor(argument: string, value: unknown): asserts value is Tensor | null | undefined {
  if (value !== undefined && value !== null) expectTensor(argument, value);
}

/** Throws a ValueError unless `value` is a plain object (options, a state dict). */
export function expectObject(
  argument: string,
  value: unknown,
  expected = 'an options object',
): asserts value is Record<string, unknown> {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    ArrayBuffer.isView(value) ||
    value instanceof Tensor
  ) {
    throw new ValueError(argument, expected, describeValue(value));
  }
}

/** Throws a ValueError unless `value` is an array or a typed array (of anything; see checkData for numbers). */
export function expectArrayLike(
  argument: string,
  value: unknown,
  expected = 'an array or typed array of numbers',
): asserts value is ArrayLike<unknown> {
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView)))
    throw new ValueError(argument, expected, describeValue(value));
}

/** Throws a ValueError unless a boolean option is true, false or undefined (its default): 'yes' or 0 must not pass as truthy or falsy. */
export function expectBoolean(argument: string, value: unknown): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean')
    throw new ValueError(argument, 'true or false', describeValue(value));
}

/** Throws a ValueError unless a callback option is a function or undefined. */
export function expectCallback(argument: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function')
    throw new ValueError(argument, 'a function', describeValue(value));
}

/** Throws a ValueError unless `value` is a context from createContext() (a Backend). */
export function expectBackend(argument: string, value: unknown): asserts value is Backend {
  const b = value as Partial<Backend> | null;
  if (
    typeof b !== 'object' ||
    b === null ||
    (b.kind !== 'webgpu' && b.kind !== 'cpu') ||
    typeof b.tensor !== 'function'
  ) {
    throw new ValueError(argument, 'a context from createContext()', describeValue(value));
  }
}

/** Every option name of T, checked by the compiler: an option added to T but not listed here fails to compile. */
export function optionNames<T>(names: Record<keyof T, true>): readonly string[] {
  return Object.keys(names);
}

/**
 * Refuses options that are not an object or have a name outside `names` (a PyTorch `dropout` or
 * `proj_size` must not be ignored silently); undefined means all defaults.
 */
export function checkOptions(argument: string, options: unknown, names: readonly string[]): void {
  if (options === undefined) return;
  expectObject(argument, options);
  for (const key of Object.keys(options)) {
    if (names.includes(key)) continue;
    const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const hint = camel !== key && names.includes(camel) ? ` (did you mean ${camel}?)` : '';
    throw new ValueError(
      argument,
      `only the options ${names.join(', ')}`,
      `unknown option ${JSON.stringify(key)}${hint}`,
    );
  }
}

export function checkOwned(owner: object, argument: string, t: Tensor): void {
  expectTensor(argument, t);
  if (t.owner !== owner) {
    throw new BackendMismatchError(`${argument}: tensor belongs to another context or backend`);
  }
  t.assertLive(argument);
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

export function checkSameShape(argument: string, t: Tensor, like: Tensor, likeName: string): void {
  expectTensor(likeName, like);
  expectTensor(argument, t);
  if (!sameShape(t.shape, like.shape)) {
    throw new ShapeError(argument, `the shape of ${likeName} ${describeShape(like.shape)}`, describeShape(t.shape));
  }
}

export function sumAxisDims(x: Tensor, axis: 0 | 1, out?: Tensor, beta = 0): { R: number; C: number; outLen: number } {
  expectTensor('x', x);
  expectOptionalTensor('out', out);
  expectRank('x', x.shape, 2);
  if (axis !== 0 && axis !== 1) throw new ValueError('axis', '0 or 1', describeValue(axis));
  const [R, C] = x.shape;
  const outLen = axis === 0 ? C : R;
  if (out) expectShape('out', out.shape, [outLen]);
  if (beta !== 0 && !out) throw new ValueError('out', 'a tensor when beta ≠ 0', 'none');
  return { R, C, outLen };
}

/** Host values for a tensor: an array or typed array of `size` numbers (NaN is data; a string or null is not). */
export function checkData(argument: string, data: ArrayLike<number>, size: number): void {
  expectArrayLike(argument, data);
  if (Array.isArray(data)) {
    const i = data.findIndex((v) => typeof v !== 'number');
    if (i >= 0) throw new ValueError(`${argument}[${i}]`, 'a number', describeValue(data[i]));
  }
  if (data.length !== size) throw new ShapeError(argument, `${size} values`, `${data.length}`);
}

export function viewAtChecks(base: Tensor, offset: number, shape: readonly number[]): number {
  expectTensor('base', base);
  checkShape('shape', shape);
  const size = shape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(offset) || offset < 0)
    throw new ValueError('offset', 'a non-negative integer', describeValue(offset));
  if (offset + size > base.size) {
    throw new ShapeError(
      'shape',
      `at most ${base.size - offset} elements after offset ${offset} in ${describeShape(base.shape)}`,
      `${describeShape(shape)} = ${size}`,
    );
  }
  return size;
}

/** The losses of the Backend interface, by the name their checks report. */
export type LossKind = 'mse' | 'l1' | 'huber' | 'smoothL1' | 'bceWithLogits' | 'crossEntropy';

/** Arguments of a loss: a prediction and targets of its shape, or logits [B, C] and class indices [B] (crossEntropy). */
export function lossChecks(kind: LossKind, y: Tensor, target: Tensor, reduction: string): { B: number; C: number } {
  const logits = kind === 'crossEntropy' || kind === 'bceWithLogits';
  expectTensor(logits ? 'logits' : 'y', y);
  expectTensor(logits ? 'targets' : 'target', target);
  if (reduction !== 'mean' && reduction !== 'sum')
    throw new ValueError('reduction', "'mean' or 'sum'", JSON.stringify(reduction));
  if (kind !== 'crossEntropy') {
    checkSameShape(logits ? 'targets' : 'target', target, y, logits ? 'logits' : 'the prediction');
    return { B: y.size, C: y.shape.at(-1) ?? 1 };
  }
  expectRank('logits', y.shape, 2);
  expectShape('targets', target.shape, [y.shape[0]]);
  return { B: y.shape[0], C: y.shape[1] };
}

/** A loss's StepMask against its predictions: T·B rows (C per row) from y's shape. Returns T and B. */
export function stepMaskChecks(y: Tensor, rows: boolean, steps: StepMask): { T: number; B: number } {
  expectObject('steps', steps, '{ lengths, count, batchFirst }');
  expectTensor('steps.lengths', steps.lengths);
  expectRank('steps.lengths', steps.lengths.shape, 1);
  const B = steps.lengths.shape[0];
  const N = rows ? y.shape[0] : y.size / y.shape.at(-1)!;
  if (!rows) expectRank('y', y.shape, 3);
  if (N % B !== 0) throw new ShapeError('steps.lengths', `B lengths dividing the ${N} rows of the prediction`, `${B}`);
  const T = N / B;
  if (!Number.isInteger(steps.count) || steps.count < B || steps.count > N)
    throw new ValueError('steps.count', `Σ lengths, an integer in [${B}, ${N}]`, describeValue(steps.count));
  if (typeof steps.batchFirst !== 'boolean')
    throw new ValueError('steps.batchFirst', 'a boolean', describeValue(steps.batchFirst));
  return { T, B };
}

const CROSS_ENTROPY_OPTIONS = optionNames<CrossEntropyOptions>({ ignoreIndex: true, labelSmoothing: true });

/** crossEntropy's options: ignoreIndex an integer f32 holds exactly (targets live in f32), labelSmoothing in [0, 1]. */
export function crossEntropyOptionChecks(options: CrossEntropyOptions | undefined): void {
  checkOptions('crossEntropy options', options, CROSS_ENTROPY_OPTIONS);
  const { ignoreIndex, labelSmoothing } = options ?? {};
  if (ignoreIndex !== undefined && !(Number.isInteger(ignoreIndex) && Math.abs(ignoreIndex) <= 2 ** 24)) {
    throw new ValueError(
      'ignoreIndex',
      'an integer in [-2^24, 2^24] (e.g. -100, as torch)',
      describeValue(ignoreIndex),
    );
  }
  if (
    labelSmoothing !== undefined &&
    !(typeof labelSmoothing === 'number' && labelSmoothing >= 0 && labelSmoothing <= 1)
  ) {
    throw new ValueError('labelSmoothing', 'a number in [0, 1]', describeValue(labelSmoothing));
  }
}

/** huber's options: delta > 0 (torch refuses 0 too); returns it (default 1). */
export function huberOptionChecks(options: HuberOptions | undefined): number {
  checkOptions('huber options', options, ['delta']);
  const delta = options?.delta ?? 1;
  if (!(typeof delta === 'number' && Number.isFinite(delta) && delta > 0))
    throw new ValueError('delta', 'a finite number > 0', describeValue(delta));
  return delta;
}

/** smoothL1's options: beta ≥ 0 (0 is L1Loss, as torch); returns it (default 1). */
export function smoothL1OptionChecks(options: SmoothL1Options | undefined): number {
  checkOptions('smoothL1 options', options, ['beta']);
  const beta = options?.beta ?? 1;
  if (!(typeof beta === 'number' && Number.isFinite(beta) && beta >= 0))
    throw new ValueError('beta', 'a finite number ≥ 0', describeValue(beta));
  return beta;
}

const BCE_OPTIONS = optionNames<BceWithLogitsOptions>({ posWeight: true });

/** bceWithLogits's options: posWeight a Tensor [C] along the logits' last axis. */
export function bceOptionChecks(options: BceWithLogitsOptions | undefined, C: number): Tensor | null {
  checkOptions('bceWithLogits options', options, BCE_OPTIONS);
  const pw = options?.posWeight;
  if (pw === undefined) return null;
  expectTensor('posWeight', pw);
  expectShape('posWeight', pw.shape, [C]);
  return pw;
}

export function optimizerChecks(
  param: Tensor,
  grad: Tensor,
  state: Tensor[],
  gscale: Tensor,
  step: Tensor,
  lr: Tensor,
): void {
  for (const [name, t] of [
    ['gscale', gscale],
    ['step', step],
    ['lr', lr],
  ] as const)
    expectTensor(name, t);
  checkSameShape('grad', grad, param, 'param');
  state.forEach((s, i) => checkSameShape(`state[${i}]`, s, param, 'param'));
  expectShape('gscale', gscale.shape, [4]);
  expectShape('step', step.shape, [1]);
  expectShape('lr', lr.shape, [1]);
}

/** rmspropStep's tensors: gradAvg and momentumBuf need the param's shape only when used (centered, momentum > 0), every written one its own tensor. */
export function rmspropChecks(
  param: Tensor,
  grad: Tensor,
  squareAvg: Tensor,
  gradAvg: Tensor,
  momentumBuf: Tensor,
  gscale: Tensor,
  lr: Tensor,
  h: RmspropHyper,
): void {
  for (const [name, t] of [
    ['gscale', gscale],
    ['lr', lr],
  ] as const)
    expectTensor(name, t);
  checkSameShape('grad', grad, param, 'param');
  checkSameShape('squareAvg', squareAvg, param, 'param');
  expectShape('gscale', gscale.shape, [4]);
  expectShape('lr', lr.shape, [1]);
  expectTensor('gradAvg', gradAvg);
  expectTensor('momentumBuf', momentumBuf);
  if (h.centered) checkSameShape('gradAvg', gradAvg, param, 'param');
  if (h.momentum > 0) checkSameShape('momentumBuf', momentumBuf, param, 'param');
  const written: [string, Tensor][] = [
    ['param', param],
    ['squareAvg', squareAvg],
    ['gradAvg', gradAvg],
    ['momentumBuf', momentumBuf],
  ];
  written.forEach(([name, t], i) => {
    const other = written.findIndex(([, u]) => u === t);
    if (other < i)
      throw new ValueError(
        name,
        `another tensor than ${written[other][0]} (the kernel writes both)`,
        'the same tensor',
      );
  });
}

/** Class targets must be integers in [0, C) or ignoreIndex: checked on the host before they reach a kernel. */
export function checkClassTargets(argument: string, targets: ArrayLike<number>, C: number, ignoreIndex?: number): void {
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t !== ignoreIndex && (!Number.isInteger(t) || t < 0 || t >= C)) {
      const ignored = ignoreIndex === undefined ? '' : ` or the ignoreIndex ${ignoreIndex}`;
      throw new ValueError(`${argument}[${i}]`, `an integer class index in [0, ${C - 1}]${ignored}`, describeValue(t));
    }
  }
}

/**
 * Refuses a tensor of `elements` values past the backend's largest (`maxElements`, from `limit`),
 * before anything is allocated: a typed error naming both, never a RangeError or an out-of-memory crash.
 */
export function checkAllocation(
  argument: string,
  elements: number,
  maxElements: number,
  limit: string,
  what = `${elements} elements`,
): void {
  if (elements > maxElements)
    throw new ShapeError(argument, `at most ${maxElements} elements per tensor (${limit})`, what);
}

/** A recurrent layer's lengths tensor: [B] (its values are the caller's to check: see checkLengths). */
export function lengthsTensorCheck(lengths: Tensor | undefined, B: number): void {
  if (lengths === undefined) return;
  expectTensor('lengths', lengths);
  expectShape('lengths', lengths.shape, [B]);
}

/** sequenceMask: x [T, B, C] ([B, T, C] batch-first) and lengths [B]; returns T, B, C. */
export function sequenceMaskChecks(x: Tensor, lengths: Tensor, batchFirst: boolean): [number, number, number] {
  expectTensor('x', x);
  expectRank('x', x.shape, 3);
  if (typeof batchFirst !== 'boolean') throw new ValueError('batchFirst', 'a boolean', describeValue(batchFirst));
  const [T, B] = batchFirst ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
  lengthsTensorCheck(lengths, B);
  return [T, B, x.shape[2]];
}

export function mergeChecks(x: Tensor, mode: string, dy?: Tensor): number {
  expectTensor('x', x);
  expectOptionalTensor('dy', dy);
  if (mode !== 'sum' && mode !== 'mul' && mode !== 'ave')
    throw new ValueError('mode', "'sum', 'mul' or 'ave'", JSON.stringify(mode));
  expectRank('x', x.shape, 3);
  if (x.shape[2] % 2 !== 0) throw new ShapeError('x', '[T, B, 2H] (an even last dimension)', describeShape(x.shape));
  const H = x.shape[2] / 2;
  if (dy) expectShape('dy', dy.shape, [x.shape[0], x.shape[1], H]);
  return H;
}

export function clipValueCheck(clipValue: number): void {
  if (!(clipValue > 0) || !Number.isFinite(clipValue))
    throw new ValueError('clipValue', 'a positive finite number', describeValue(clipValue));
}

export function gradNormChecks(maxNorm: number, normType: unknown, loss: Tensor | null): void {
  if (!(maxNorm > 0))
    throw new ValueError('maxNorm', 'a positive number (Infinity: measure without clipping)', describeValue(maxNorm));
  if (normType !== 2 && normType !== 'inf') throw new ValueError('normType', "2 or 'inf'", JSON.stringify(normType));
  expectOptionalTensor('loss', loss);
  if (loss) expectShape('loss', loss.shape, [1]);
}

export function segmentChecks(x: Tensor, segments: Tensor, table: ArrayLike<number> | null): number {
  expectTensor('x', x);
  expectTensor('segments', segments);
  expectRank('segments', segments.shape, 2);
  if (segments.shape[1] !== 2)
    throw new ShapeError('segments', '[count, 2] (offset, length) pairs', describeShape(segments.shape));
  if (x.size >= 2 ** 24)
    throw new ShapeError('x', 'fewer than 2^24 elements (segment offsets travel as exact f32)', `${x.size}`);
  if (table) {
    for (let s = 0; s < table.length; s += 2) {
      if (
        !Number.isInteger(table[s]) ||
        !Number.isInteger(table[s + 1]) ||
        table[s] < 0 ||
        table[s] + table[s + 1] > x.size
      ) {
        throw new ValueError(
          `segments[${s / 2}]`,
          `an (offset, length) pair inside [0, ${x.size})`,
          `(${table[s]}, ${table[s + 1]})`,
        );
      }
    }
  }
  return segments.shape[0];
}

/** [A, B, C] or [N, A, B, C] → the sizes, N = 1 for rank 3. */
export function transposeDims(x: Tensor): { N: number; A: number; B: number; C: number; out: number[] } {
  expectTensor('x', x);
  if (x.shape.length !== 3 && x.shape.length !== 4)
    throw new ShapeError(
      'x',
      'rank 3 [A, B, C] or rank 4 [N, A, B, C]',
      `rank ${x.shape.length} (shape ${describeShape(x.shape)})`,
    );
  const [N, A, B, C] = x.shape.length === 3 ? [1, ...x.shape] : x.shape;
  return { N, A, B, C, out: x.shape.length === 3 ? [B, A, C] : [N, B, A, C] };
}

/** A dropout probability: a number in [0, 1] (1 zeroes everything, as PyTorch). */
export function checkDropoutP(argument: string, p: unknown): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new ValueError(argument, 'a probability in [0, 1]', describeValue(p));
}

/** A dropout call: p in [0, 1], an integer seed, a u32 stream, one-element step tensors, neither of them x. */
export function dropoutChecks(x: Tensor, step: Tensor, nextStep: Tensor, config: DropoutConfig): void {
  expectTensor('x', x);
  expectTensor('step', step);
  expectTensor('nextStep', nextStep);
  checkDropoutP('p', config?.p);
  if (!Number.isSafeInteger(config.seed)) throw new ValueError('seed', 'an integer', describeValue(config.seed));
  if (!Number.isInteger(config.stream) || config.stream < 0 || config.stream >= 2 ** 32)
    throw new ValueError('stream', 'an integer in [0, 2^32)', describeValue(config.stream));
  expectShape('step', step.shape, [1]);
  expectShape('nextStep', nextStep.shape, [1]);
  if (step === nextStep)
    throw new ValueError(
      'nextStep',
      'another tensor than step (the kernel reads one and writes the other)',
      'the same tensor',
    );
}

/** writeCounter's arguments: a [1] tensor of the backend and a u32. */
export function counterChecks(owner: object, t: Tensor, step: number): void {
  checkOwned(owner, 'tensor', t);
  expectShape('tensor', t.shape, [1]);
  if (!Number.isInteger(step) || step < 0 || step >= 2 ** 32)
    throw new ValueError('step', 'an integer in [0, 2^32)', describeValue(step));
}

/** An embedding call: weight [V, E] with V below 2^24 (ids travel as exact f32), ids of rank ≥ 1, dOut [...ids, E]. */
export function embeddingChecks(weight: Tensor, ids: Tensor, dOut?: Tensor): { V: number; E: number; N: number } {
  expectTensor('weight', weight);
  expectTensor('ids', ids);
  expectOptionalTensor('dOut', dOut);
  expectRank('weight', weight.shape, 2);
  const [V, E] = weight.shape;
  if (V > 2 ** 24)
    throw new ShapeError(
      'weight',
      'at most 2^24 rows (ids are f32, exact integers only below 2^24)',
      describeShape(weight.shape),
    );
  if (dOut) expectShape('dOut', dOut.shape, [...ids.shape, E]);
  return { V, E, N: ids.size };
}

/** An embedding's padding row: null, or an integer row of the weight (already made non-negative). */
export function checkPaddingRow(paddingIdx: number | null, V: number): void {
  if (paddingIdx !== null && (!Number.isInteger(paddingIdx) || paddingIdx < 0 || paddingIdx >= V))
    throw new ValueError('paddingIdx', `null or an integer row in [0, ${V - 1}]`, describeValue(paddingIdx));
}
