// Token sampling: what ctx.sample takes and returns, and its argument checks (shared by both sides).
import { ShapeError, ValueError, describeShape, describeValue } from '../../core/errors.js';
import { checkOptions, expectObject, expectTensor, optionNames } from '../../core/checks.js';
import { expectShape } from '../../core/shapes.js';
import type { Tensor } from '../../core/tensor.js';

/** How a sample() call picks tokens. */
export interface SampleConfig {
  /** > 0: softmax of logits / temperature; 0: greedy (the argmax, ties → the lowest index). */
  temperature: number;
  /** Keep the k largest logits (ties at the k-th all kept); 0 keeps every token. Unused when greedy. */
  topK: number;
  /** An integer; its low and high 32 bits are Philox's key. */
  seed: number;
  /** A u32 separating independent draws under one seed. */
  stream: number;
}

/** Which rows of a logits tensor a sample() call reads: B rows of V logits, row b from element offset + b·stride. */
export interface SampleRows {
  B: number;
  offset: number;
  stride: number;
}

export interface SampleMethods {
  /**
   * One token per row of logits, on the device: greedy (temperature 0: argmax, ties → the lowest index)
   * or drawn from softmax(logits / temperature), optionally over the topK largest logits, with
   * Philox4x32-10 at (config.seed, config.stream, step, row) — the same tokens on every adapter and on the
   * CPU. `rows` picks B rows of V = logits' last axis from an element offset with a stride (default: all
   * rows). ids [B] (f32 integers, ready for an Embedding) and probs [B], each token's probability under
   * the distribution it was drawn from (greedy: softmax at temperature 1); NaN for a row with a
   * non-finite logit. `step` / `nextStep` [1] alternate between calls as dropout's do.
   */
  sample(
    logits: Tensor,
    step: Tensor,
    nextStep: Tensor,
    config: SampleConfig,
    rows?: SampleRows,
  ): { ids: Tensor; probs: Tensor };
}

/**
 * A sample() call: logits of rank ≥ 2 whose last axis is the vocabulary V (< 2^24: ids are f32), rows inside
 * the tensor (default: every row), temperature 0 (greedy) or positive with a finite f32 inverse, topK an
 * integer in [0, V], an integer seed, a u32 stream, one-element step tensors that differ.
 */
export function sampleChecks(
  logits: Tensor,
  step: Tensor,
  nextStep: Tensor,
  config: SampleConfig,
  rows?: SampleRows,
): SampleRows & { V: number } {
  expectTensor('logits', logits);
  expectTensor('step', step);
  expectTensor('nextStep', nextStep);
  expectObject('config', config, '{ temperature, topK, seed, stream }');
  checkOptions(
    'config',
    config,
    optionNames<SampleConfig>({ temperature: true, topK: true, seed: true, stream: true }),
  );
  checkOptions('rows', rows, optionNames<SampleRows>({ B: true, offset: true, stride: true }));
  if (logits.shape.length < 2)
    throw new ShapeError('logits', '[..., V] of rank ≥ 2 (rows of V logits)', describeShape(logits.shape));
  const V = logits.shape.at(-1)!;
  if (V >= 2 ** 24)
    throw new ShapeError(
      'logits',
      'fewer than 2^24 logits per row (ids are f32, exact integers only below 2^24)',
      describeShape(logits.shape),
    );
  checkSampleConfig(config, V);
  expectShape('step', step.shape, [1]);
  expectShape('nextStep', nextStep.shape, [1]);
  if (step === nextStep)
    throw new ValueError(
      'nextStep',
      'another tensor than step (the kernel reads one and writes the other)',
      'the same tensor',
    );
  const r = rows ?? { B: logits.size / V, offset: 0, stride: V };
  for (const k of ['B', 'offset', 'stride'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < (k === 'B' ? 1 : 0))
      throw new ValueError(`rows.${k}`, k === 'B' ? 'a positive integer' : 'an integer ≥ 0', describeValue(r[k]));
  }
  if (r.offset + (r.B - 1) * r.stride + V > logits.size)
    throw new ShapeError(
      'rows',
      `${r.B} rows of ${V} inside logits ${describeShape(logits.shape)}`,
      `offset ${r.offset}, stride ${r.stride}`,
    );
  return { ...r, V };
}

/** temperature 0 (greedy) or ≥ 1e-30 (its inverse finite in f32), topK an integer in [0, V], an integer seed, a u32 stream. */
export function checkSampleConfig(config: SampleConfig, V: number): void {
  const { temperature, topK, seed, stream } = config;
  if (
    typeof temperature !== 'number' ||
    !(temperature === 0 || (temperature >= 1e-30 && Number.isFinite(temperature)))
  ) {
    throw new ValueError(
      'temperature',
      'a finite number ≥ 1e-30, or 0 for greedy decoding',
      describeValue(temperature),
    );
  }
  if (!Number.isInteger(topK) || topK < 0 || topK > V)
    throw new ValueError('topK', `an integer in [0, ${V}] (0: every token)`, describeValue(topK));
  if (!Number.isSafeInteger(seed)) throw new ValueError('seed', 'an integer', describeValue(seed));
  if (!Number.isInteger(stream) || stream < 0 || stream >= 2 ** 32)
    throw new ValueError('stream', 'an integer in [0, 2^32)', describeValue(stream));
}
