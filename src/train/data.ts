// Host data for fit / evaluate / predict: checked against the model once, then gathered batch by batch
// (whole samples or whole time steps copied as blocks) into device tensors reused for every batch of
// the same size. Sequences arrive batch-first [N, T, I] (the common host layout) or time-major
// [T, N, I]; when the model reads the other layout, the batch is transposed on the GPU (one dispatch).
import type { Backend } from '../ops/index.js';
import { expectArrayLike, expectBoolean } from '../core/checks.js';
import { checkClassTargets } from '../ops/cross_entropy/spec.js';
import { checkIds } from '../ops/embedding/spec.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../core/errors.js';
import { sameShape } from '../core/shapes.js';
import type { Sequential } from '../nn/sequential.js';
import type { Tensor } from '../core/tensor.js';
import type { BatchLengths, SampleLengths } from '../core/lengths.js';
import type { LossName } from './loss.js';

/** Host values with their shape, e.g. { data: Float32Array, shape: [N, T, I] }. */
export interface HostArray {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}

/** Rows [N, features] may come as a flat array; sequences need their shape. */
export type HostData = ArrayLike<number> | HostArray;

export interface LayoutOptions {
  /** Sequences (and per-step targets) are time-major [T, N, ·] instead of batch-first [N, T, ·]. */
  timeMajor?: boolean;
}

/** A data set checked against a model: N samples of rows (T = 0) or sequences of T steps. */
export interface Samples {
  readonly x: ArrayLike<number>;
  readonly targets: ArrayLike<number> | null;
  readonly N: number;
  /** Steps per sequence; 0 for rows. */
  readonly T: number;
  readonly inF: number;
  /** x holds integer ids (the model starts with an Embedding; inF is 1): device batches drop the feature axis. */
  readonly ids: boolean;
  /** Output features per step (per-step outputs) or per sample. */
  readonly outF: number;
  /** Targets per step: class indices (1 value) or outF values per step and sample. */
  readonly perStep: boolean;
  readonly timeMajor: boolean;
  /** The model reads time-major sequences (no recurrent layer with batchFirst). */
  readonly modelTimeMajor: boolean;
}

function isHostArray(d: unknown): d is HostArray {
  return typeof d === 'object' && d !== null && 'shape' in d && 'data' in d;
}

function values(d: HostData): ArrayLike<number> {
  return isHostArray(d) ? d.data : d;
}

/** Host data: an array or typed array, or { data, shape } around one (its data named in the error). */
/** describeSamples' targets for predict, which has none (null is a bad targets argument, as undefined). */
export const NO_TARGETS = Symbol('no targets');

function expectHostData(argument: string, d: unknown): asserts d is HostData {
  if (isHostArray(d)) expectArrayLike(`${argument}.data`, d.data);
  else expectArrayLike(argument, d, 'an array or typed array of numbers, or { data, shape }');
}

/** The model's first recurrent layer (RNN, LSTM), which fixes the layout it reads sequences in; none for row models. */
function firstRecurrent(model: Sequential): { batchFirst: boolean } | undefined {
  return model.layers.find((l) => 'batchFirst' in l) as { batchFirst: boolean } | undefined;
}

/**
 * Checks x (and targets, unless null) against the model before anything is uploaded: shapes, class
 * indices for crossEntropy, and (checkFinite) no NaN or infinity. `names` label the arguments in errors.
 */
export function describeSamples(
  model: Sequential,
  loss: LossName,
  x: HostData,
  targets: HostData | typeof NO_TARGETS,
  options: LayoutOptions & { checkFinite?: boolean; ignoreIndex?: number },
  names: { x: string; targets: string } = { x: 'x', targets: 'targets' },
): Samples {
  expectHostData(names.x, x);
  if (targets !== NO_TARGETS) expectHostData(names.targets, targets);
  expectBoolean('timeMajor', options.timeMajor);
  expectBoolean('checkFinite', options.checkFinite);
  const timeMajor = options.timeMajor ?? false;
  const vocabulary = model.inputIds;
  const ids = vocabulary !== undefined;
  // A model reading ids takes one id per sample (and step), without a feature axis.
  const inF = ids ? 1 : model.inputSize();
  const feature = ids ? '' : `, ${inF}`;
  const data = values(x);
  const recurrent = firstRecurrent(model);
  const modelTimeMajor = !recurrent?.batchFirst;
  let N: number;
  let T: number;
  if (recurrent) {
    const layout = timeMajor ? `[T, N${feature}]` : `[N, T${feature}] (timeMajor: true for [T, N${feature}])`;
    const what = ids ? 'ids of a sequence model' : 'a sequence model';
    if (!isHostArray(x))
      throw new ShapeError(names.x, `{ data, shape: ${layout} } for ${what}`, `${data.length} values without a shape`);
    if (x.shape.length !== (ids ? 2 : 3) || (!ids && x.shape[2] !== inF))
      throw new ShapeError(names.x, layout, describeShape(x.shape));
    [N, T] = timeMajor ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
    if (!(N >= 1 && T >= 1))
      throw new ShapeError(names.x, `${layout} with N ≥ 1 samples and T ≥ 1 steps`, describeShape(x.shape));
  } else if (timeMajor) {
    throw new ValueError('timeMajor', 'false for a model without recurrent layers (rows have no time axis)', 'true');
  } else if (isHostArray(x)) {
    const rows = ids ? '[N] (one id per row)' : `[N, ${inF}]`;
    if (x.shape.length !== (ids ? 1 : 2) || (!ids && x.shape[1] !== inF))
      throw new ShapeError(names.x, rows, describeShape(x.shape));
    if (!(x.shape[0] >= 1)) throw new ShapeError(names.x, `${rows} with N ≥ 1 rows`, describeShape(x.shape));
    [N, T] = [x.shape[0], 0];
  } else {
    if (data.length % inF !== 0 || data.length === 0)
      throw new ShapeError(names.x, `[N, ${inF}] (a multiple of ${inF} values)`, `${data.length} values`);
    [N, T] = [data.length / inF, 0];
  }
  if (data.length !== N * Math.max(T, 1) * inF)
    throw new ShapeError(
      `${names.x}.data`,
      `${N * Math.max(T, 1) * inF} values (the shape's product)`,
      `${data.length}`,
    );
  if (ids) checkIds(names.x, data, vocabulary);
  const sample = ids ? [] : [inF];
  const out = model.outputShape(T === 0 ? [1, ...sample] : modelTimeMajor ? [T, 1, ...sample] : [1, T, ...sample]);
  const perStep = out.length === 3;
  const outF = out.at(-1)!;
  const samples: Samples = {
    x: data,
    targets: targets === NO_TARGETS ? null : values(targets),
    N,
    T,
    inF,
    ids,
    outF,
    perStep,
    timeMajor,
    modelTimeMajor,
  };
  if (targets !== NO_TARGETS) checkTargets(samples, loss, targets, names.targets, options.ignoreIndex);
  if (options.checkFinite ?? true) {
    for (const [name, d] of [
      [names.x, data],
      [names.targets, samples.targets ?? []],
    ] as const) {
      for (let i = 0; i < d.length; i++)
        if (!Number.isFinite(d[i])) throw new ValueError(`${name}[${i}]`, 'a finite number', describeValue(d[i]));
    }
  }
  return samples;
}

function checkTargets(
  s: Samples,
  loss: LossName,
  targets: HostData,
  argument: string,
  ignoreIndex: number | undefined,
): void {
  const classes = loss === 'crossEntropy';
  const [lead, what] = s.perStep
    ? [s.timeMajor ? [s.T, s.N] : [s.N, s.T], 'per step']
    : [[s.N], s.T > 0 ? 'per sequence' : 'per row'];
  const shape = classes ? lead : [...lead, s.outF];
  const expected = `${describeShape(shape)} (${classes ? 'class indices ' : ''}${what})`;
  const data = values(targets);
  if (isHostArray(targets) && !sameShape(targets.shape, shape))
    throw new ShapeError(argument, expected, describeShape(targets.shape));
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new ShapeError(argument, expected, `${data.length} values`);
  if (classes) checkClassTargets(argument, data, s.outF, ignoreIndex);
}

/** Values per sample and step of x and of the targets. */
function widths(s: Samples, loss: LossName): { x: number; t: number } {
  return { x: s.inF, t: loss === 'crossEntropy' ? 1 : s.outF };
}

/** Copies len values; typed arrays as one block. */
function copyBlock(dst: Staging, dstOffset: number, src: ArrayLike<number>, srcOffset: number, len: number): void {
  if (ArrayBuffer.isView(src))
    dst.set((src as unknown as Float32Array).subarray(srcOffset, srcOffset + len), dstOffset);
  else for (let k = 0; k < len; k++) dst[dstOffset + k] = src[srcOffset + k];
}

/** Steps t0 … t0+steps-1 of every sequence (a truncated-BPTT chunk). */
export interface StepWindow {
  t0: number;
  steps: number;
}

/**
 * Gathers samples idx[start .. start+B) of `src` (per sample: `steps` steps of `width` values, laid out
 * batch-first [N, steps, width] or time-major [steps, N, width]), steps window.t0 … t0+window.steps-1 of
 * each, into dst in the same layout with B for N and window.steps for steps.
 */
function gather(
  dst: Staging,
  src: ArrayLike<number>,
  idx: readonly number[],
  start: number,
  B: number,
  N: number,
  steps: number,
  width: number,
  timeMajor: boolean,
  window: StepWindow,
): void {
  const { t0, steps: len } = window;
  if (!timeMajor || steps === 1) {
    for (let r = 0; r < B; r++)
      copyBlock(dst, r * len * width, src, (idx[start + r] * steps + t0) * width, len * width);
    return;
  }
  for (let t = 0; t < len; t++) {
    for (let r = 0; r < B; r++)
      copyBlock(dst, (t * B + r) * width, src, ((t0 + t) * N + idx[start + r]) * width, width);
  }
}

interface BatchTensors {
  x: Tensor;
  t: Tensor | null;
  lengths: Tensor | null; // [B] with SampleLengths
  hx: Staging;
  ht: Staging | null;
}

/**
 * Host staging of batches, in the backend's precision: f64 on the CPU (the f64 reference sees the host's
 * values), f32 for WebGPU (what its buffers hold).
 */
type Staging = Float32Array | Float64Array;

/**
 * Device tensors for batches of a Samples set (and their lengths, when given), one set per batch size (and
 * chunk length), reused across epochs.
 */
export class Batcher {
  private readonly bySize = new Map<string, BatchTensors>();
  private transposed: Tensor[] = [];

  constructor(
    private readonly ctx: Backend,
    readonly samples: Samples,
    private readonly loss: LossName,
    readonly lengths: SampleLengths | null = null,
  ) {}

  /**
   * Uploads samples idx[start .. start+B) as x and targets in the model's layout (valid until the next
   * load); with a window, only those steps of each sequence (targets per step). hostTarget: the same
   * targets on the host, in the host layout (also valid until the next load). lengths: the samples'
   * lengths as the model takes them (valid until the next load), with SampleLengths.
   */
  load(
    idx: readonly number[],
    start: number,
    B: number,
    window: StepWindow = { t0: 0, steps: this.samples.T },
  ): { x: Tensor; target: Tensor | null; hostTarget: Staging | null; lengths?: BatchLengths } {
    const s = this.samples;
    const w = widths(s, this.loss);
    const whole = { t0: 0, steps: 1 }; // rows, and targets per sequence
    const b = this.buffers(B, window.steps);
    gather(b.hx, s.x, idx, start, B, s.N, Math.max(s.T, 1), w.x, s.timeMajor, s.T > 0 ? window : whole);
    this.ctx.write(b.x, b.hx);
    if (b.t && b.ht) {
      gather(b.ht, s.targets!, idx, start, B, s.N, s.perStep ? s.T : 1, w.t, s.timeMajor, s.perStep ? window : whole);
      this.ctx.write(b.t, b.ht);
    }
    for (const t of this.transposed.splice(0)) t.release();
    const laidOut = s.T > 0 ? this.toModelLayout(b.x) : b.x;
    // Ids keep a trailing 1 ([B, 1] or a sequence [·, ·, 1]) until here, as class targets do.
    const x = s.ids ? laidOut.view(laidOut.shape.slice(0, -1)) : laidOut;
    const target = b.t && s.perStep ? this.toModelLayout(b.t) : b.t;
    // Written after the transposes are recorded: the write flushes them, as a model's upload of lengths does.
    const lengths = this.lengths?.batch(idx, start, B, b.lengths!, (t, host) => this.ctx.write(t, host));
    if (!target) return { x, target: null, hostTarget: null, lengths };
    const classes = this.loss === 'crossEntropy';
    return { x, target: classes ? target.view(target.shape.slice(0, -1)) : target, hostTarget: b.ht, lengths };
  }

  /** A sequence batch in the host layout → the model's (a GPU transpose when they differ). */
  private toModelLayout(t: Tensor): Tensor {
    if (this.samples.timeMajor === this.samples.modelTimeMajor) return t;
    const out = this.ctx.transpose01(t);
    this.transposed.push(out);
    return out;
  }

  private buffers(B: number, T: number): BatchTensors {
    const key = `${B}x${T}`;
    let b = this.bySize.get(key);
    if (!b) {
      const s = this.samples;
      const w = widths(s, this.loss);
      const seq = (width: number) => (s.timeMajor ? [T, B, width] : [B, T, width]);
      const xShape = s.T > 0 ? seq(w.x) : [B, w.x];
      // Class targets keep a trailing 1 ([B, 1] or a sequence [·, ·, 1]) so one transpose serves both; load() drops it.
      const tShape = s.perStep ? seq(w.t) : [B, w.t];
      const hasTargets = s.targets !== null;
      const Staging = this.ctx.kind === 'cpu' ? Float64Array : Float32Array;
      b = {
        x: this.ctx.empty(xShape),
        t: hasTargets ? this.ctx.empty(tShape) : null,
        lengths: this.lengths ? this.ctx.empty([B]) : null,
        hx: new Staging(xShape.reduce((a, c) => a * c, 1)),
        ht: hasTargets ? new Staging(tShape.reduce((a, c) => a * c, 1)) : null,
      };
      this.bySize.set(key, b);
    }
    return b;
  }

  release(): void {
    for (const t of this.transposed.splice(0)) t.release();
    for (const b of this.bySize.values()) {
      b.x.release();
      b.t?.release();
      b.lengths?.release();
    }
    this.bySize.clear();
  }
}

/** Writes a batch's outputs (read back in the host layout) into the full result [N, ·] or [T, N, ·]. */
export function scatterOutputs(
  result: Float64Array,
  batch: Float64Array,
  s: Samples,
  idx: readonly number[],
  start: number,
  B: number,
): void {
  const steps = s.perStep ? s.T : 1;
  const width = s.outF;
  if (!s.timeMajor || steps === 1) {
    const per = steps * width;
    for (let r = 0; r < B; r++) result.set(batch.subarray(r * per, (r + 1) * per), idx[start + r] * per);
    return;
  }
  for (let t = 0; t < steps; t++) {
    for (let r = 0; r < B; r++)
      result.set(batch.subarray((t * B + r) * width, (t * B + r + 1) * width), (t * s.N + idx[start + r]) * width);
  }
}

/**
 * Checks truncated BPTT's sequence starts against the samples: [N, T] ([T, N] time-major) of 0 or 1, a 1
 * where a sample's row begins a new sequence, which may only be at a chunk's first step (t a multiple of
 * `chunk`). Returns whether sample n starts a new sequence at step t.
 */
export function describeStarts(s: Samples, starts: HostData, chunk: number): (n: number, t: number) => boolean {
  const argument = 'tbptt.starts';
  expectHostData(argument, starts);
  const shape = s.timeMajor ? [s.T, s.N] : [s.N, s.T];
  const data = values(starts);
  if ((isHostArray(starts) && !sameShape(starts.shape, shape)) || data.length !== s.N * s.T) {
    throw new ShapeError(
      argument,
      `${describeShape(shape)} (0 or 1 per sample and step)`,
      isHostArray(starts) ? describeShape(starts.shape) : `${data.length} values`,
    );
  }
  const at = (n: number, t: number) => data[s.timeMajor ? t * s.N + n : n * s.T + t];
  for (let n = 0; n < s.N; n++) {
    for (let t = 0; t < s.T; t++) {
      const v = at(n, t);
      const where = s.timeMajor ? `${t}, ${n}` : `${n}, ${t}`;
      if (v !== 0 && v !== 1) throw new ValueError(`${argument}[${where}]`, '0 or 1', String(v));
      if (v === 1 && t % chunk !== 0)
        throw new ValueError(
          `${argument}[${where}]`,
          `0: a sequence may start only at a chunk's first step (a multiple of ${chunk})`,
          '1',
        );
    }
  }
  return (n, t) => at(n, t) === 1;
}
