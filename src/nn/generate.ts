// Step-by-step generation from a model that reads ids (Embedding first): the prompt runs once, then each
// step samples one token per sequence on the GPU and feeds it straight back as the next step's ids, the
// recurrent states carried on the device. Tokens (and their probabilities) collect in device buffers and
// come back in one readback per `readEvery` tokens: no host round trip inside the loop.
import { checkOptions, expectBoolean, expectCallback, expectObject, optionNames } from '../core/checks.js';
import { checkSampleConfig, type SampleRows } from '../ops/sample/spec.js';
import { checkIds } from '../ops/embedding/spec.js';
import { ShapeError, ValueError, describeShape, describeValue } from '../core/errors.js';
import type { Layer, RecurrentState } from './layers.js';
import type { Backend } from '../ops/index.js';
import { expectPositiveInt } from '../core/shapes.js';
import type { Tensor } from '../core/tensor.js';

export interface GenerateOptions {
  /** B prompts of the same length L ≥ 1, ids in [0, V): the sequences to continue, generated side by side. */
  prompt: readonly (readonly number[])[];
  /** Tokens to generate after each prompt. */
  steps: number;
  /** Softmax temperature (default 1); 0 is greedy decoding (argmax, ties → the lowest index). */
  temperature?: number;
  /** Sample from the k most likely tokens only (ties at the k-th kept); default 0: every token. */
  topK?: number;
  /** Seed of the draws (default 0): the same seed, model and prompt give the same tokens, on the GPU and the CPU. */
  seed?: number;
  /**
   * Also return each chosen token's probability under the distribution it was drawn from (softmax at the
   * temperature, renormalised over the top k with topK); with temperature 0 (greedy), its probability under
   * the model's softmax at temperature 1 — how sure the model was, where the point mass would always say 1.
   */
  probabilities?: boolean;
  /** Tokens per readback (default: all of them in one readback at the end). */
  readEvery?: number;
  /** Called after each readback with the tokens read ([B][n], from step `from`), awaited before generation goes on. */
  onTokens?: (chunk: { from: number; tokens: number[][]; probabilities?: number[][] }) => void | Promise<void>;
}

export interface GenerateResult {
  /** [B][steps]: the generated ids after each prompt. */
  tokens: number[][];
  /** [B][steps], with the probabilities option. */
  probabilities?: number[][];
}

const GENERATE_OPTIONS = optionNames<GenerateOptions>({
  prompt: true,
  steps: true,
  temperature: true,
  topK: true,
  seed: true,
  probabilities: true,
  readEvery: true,
  onTokens: true,
});

/**
 * What generation uses of a model: Sequential.generate calls generate(this, …), so this file names the
 * members it needs rather than import the class that imports it.
 */
export interface GenerativeModel {
  readonly ctx: Backend;
  readonly layers: readonly Layer[];
  readonly recurrentLayers: Layer[];
  readonly inputIds: number | undefined;
  readonly batchFirst: boolean;
  readonly training: boolean;
  train(mode: boolean): unknown;
  eval(): unknown;
  forward(
    x: Tensor,
    options: { states: readonly RecurrentState[] | null },
  ): { output: Tensor; states: RecurrentState[] };
  forward(x: Tensor): Tensor;
}

/** Where the logits of each sequence's last step sit in the model's output. */
function lastStepRows(output: readonly number[], batchFirst: boolean, B: number, V: number): SampleRows {
  if (output.length === 2) return { B, offset: 0, stride: V }; // [B, V]: the model reduces to the last step itself
  const T = batchFirst ? output[1] : output[0];
  return batchFirst ? { B, offset: (T - 1) * V, stride: T * V } : { B, offset: (T - 1) * B * V, stride: V };
}

/** The options against the model, before any work: the vocabulary V, B prompts of L ids, the sampler's configuration. */
function checkGeneration(model: GenerativeModel, options: GenerateOptions) {
  expectObject('options', options, '{ prompt, steps, … }');
  checkOptions('options', options, GENERATE_OPTIONS);
  const V = model.inputIds;
  if (V === undefined)
    throw new ValueError(
      'model',
      'a model whose first layer is an Embedding (generation feeds sampled ids back)',
      'a model that reads features',
    );
  const { prompt } = options;
  if (!Array.isArray(prompt) || prompt.length === 0)
    throw new ValueError('prompt', 'a non-empty array of prompts (arrays of ids)', describeValue(prompt));
  const B = prompt.length;
  const L = Array.isArray(prompt[0]) ? prompt[0].length : 0;
  prompt.forEach((p, b) => {
    if (!Array.isArray(p) || p.length === 0 || p.length !== L)
      throw new ShapeError(
        `prompt[${b}]`,
        `an array of ${L || 'at least 1'} ids (every prompt as long as prompt[0])`,
        describeValue(p),
      );
    checkIds(`prompt[${b}]`, p, V);
  });
  expectPositiveInt('steps', options.steps);
  // The generated ids (and probabilities) of all B sequences live in one tensor [steps·B].
  const maxSteps = Math.floor(model.ctx.maxTensorElements / B);
  if (options.steps > maxSteps)
    throw new ShapeError(
      'steps',
      `at most ${maxSteps} for ${B} prompt${B === 1 ? '' : 's'} (steps × prompts ≤ ${model.ctx.maxTensorElements}, the backend's maxTensorElements)`,
      `${options.steps}`,
    );
  const readEvery = options.readEvery ?? options.steps;
  expectPositiveInt('readEvery', readEvery);
  expectBoolean('probabilities', options.probabilities);
  expectCallback('onTokens', options.onTokens);
  const config = { temperature: options.temperature ?? 1, topK: options.topK ?? 0, seed: options.seed ?? 0, stream: 0 };
  checkSampleConfig(config, V);
  const batchFirst = model.batchFirst;
  const promptShape = batchFirst ? [B, L] : [L, B];
  let out = promptShape;
  for (const layer of model.layers) {
    if (layer.stateSpec?.(out).bidirectional)
      throw new ValueError(
        'model',
        'unidirectional recurrent layers (a backward-in-time direction cannot run step by step)',
        `a bidirectional ${layer.constructor.name}`,
      );
    out = layer.outputShape(out);
  }
  const perStep = batchFirst ? [B, L, V] : [L, B, V];
  if (out.length === 3 ? out.some((d, i) => d !== perStep[i]) : out[0] !== B || out[1] !== V) {
    throw new ShapeError(
      'model',
      `logits over the model's ${V} ids per step (${describeShape(perStep)}) or for the last step ([${B}, ${V}])`,
      `output ${describeShape(out)}`,
    );
  }
  return { V, B, L, readEvery, config };
}

/** See Sequential.generate. */
export async function generate(model: GenerativeModel, options: GenerateOptions): Promise<GenerateResult> {
  const { V, B, L, readEvery, config } = checkGeneration(model, options);
  const { prompt } = options;
  const recurrent = model.recurrentLayers;
  const batchFirst = model.batchFirst;
  const promptShape = batchFirst ? [B, L] : [L, B];
  const ctx = model.ctx;
  const host = batchFirst ? prompt.flat() : Array.from({ length: L * B }, (_, i) => prompt[i % B][Math.floor(i / B)]);
  // The prompt first: an upload flushes recorded work, and the whole generation is then one submit.
  let ids = ctx.tensor(host, promptShape); // the prompt, then each step's sampled ids
  const counters = [ctx.zeros([1]), ctx.zeros([1])];
  const tokens = ctx.empty([options.steps * B]); // [steps, B]
  const probs = options.probabilities ? ctx.empty([options.steps * B]) : null; // [steps, B]
  const result: GenerateResult = {
    tokens: prompt.map(() => []),
    probabilities: probs ? prompt.map(() => []) : undefined,
  };
  // A model without recurrent layers (Embedding → Linear) has no state: each step sees its last token only.
  let states: RecurrentState[] | null = null;
  const forward = (x: Tensor): Tensor => {
    if (recurrent.length === 0) return model.forward(x);
    const r = model.forward(x, { states });
    states = r.states;
    return r.output;
  };
  // Evaluation mode (no dropout) across the awaits of the readbacks; the model's mode comes back after.
  const wasTraining = model.training;
  model.eval();
  try {
    let from = 0;
    let logits = forward(ids);
    for (let s = 0; s < options.steps; s++) {
      const drawn = ctx.sample(
        logits,
        counters[s % 2],
        counters[(s + 1) % 2],
        config,
        lastStepRows(logits.shape, batchFirst, B, V),
      );
      ctx.copy(drawn.ids, tokens, s * B);
      if (probs) ctx.copy(drawn.probs, probs, s * B);
      // Released tensors go back to the pool; recorded work runs in order, so later reuse cannot disturb it.
      drawn.probs.release();
      ids.release();
      ids = drawn.ids;
      if (s + 1 < options.steps) logits = forward(ids.view(batchFirst ? [B, 1] : [1, B]));
      if ((s + 1) % readEvery === 0 || s + 1 === options.steps) {
        await readChunk(from, s + 1);
        from = s + 1;
      }
    }
  } finally {
    model.train(wasTraining);
    for (const t of [ids, tokens, ...counters, ...(probs ? [probs] : [])]) t.release();
  }
  return result;

  async function readChunk(from: number, to: number): Promise<void> {
    const n = to - from;
    const views = [tokens, ...(probs ? [probs] : [])].map((t) => ctx.viewAt(t, from * B, [n * B]));
    const [t, p] = await ctx.readMany(views);
    const chunk = {
      from,
      tokens: prompt.map((_, b) => Array.from({ length: n }, (_, k) => t[k * B + b])),
      probabilities: p ? prompt.map((_, b) => Array.from({ length: n }, (_, k) => p[k * B + b])) : undefined,
    };
    const bad = chunk.tokens.findIndex((row) => row.some(Number.isNaN));
    if (bad >= 0) {
      const k = chunk.tokens[bad].findIndex(Number.isNaN);
      throw new ValueError(
        'model',
        'finite logits (a non-finite one makes the sampled token NaN)',
        `a non-finite logit at generated step ${from + k} of sequence ${bad}`,
      );
    }
    // One push per token: spreading a long chunk into push() overflows the call stack.
    chunk.tokens.forEach((row, b) => row.forEach((id) => result.tokens[b].push(id)));
    chunk.probabilities?.forEach((row, b) => row.forEach((p) => result.probabilities![b].push(p)));
    await options.onTokens?.(options.probabilities ? chunk : { from, tokens: chunk.tokens });
  }
}
