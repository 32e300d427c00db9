// An encoder–decoder with Luong attention (Luong, Pham & Manning 2015), or without attention (the classic
// encoder–decoder of Sutskever et al. 2014 and Cho et al. 2014), teacher-forced:
//   encoder: any recurrent module (RNN/LSTM/GRU, stacked, bidirectional) over the embedded source, with
//     per-row source lengths; its outputs are the attention's keys and values.
//   bridge: decoder layer l starts from encoder layer L_enc − L_dec + l: its final h as it is when the
//     sizes match (one direction, same hidden size), else h₀ = tanh(W [h_fwd; h_bwd] + b) (a learnt
//     bridge, one W and b for all layers); c₀ is the encoder's cN for an LSTM under an LSTM without a bridge, else 0.
//   decoder: a unidirectional stacked RNN/LSTM/GRU over the embedded target inputs (with input feeding,
//     [embedding; h̃_{t−1}], h̃_{−1} = 0, one step at a time), attention after it over all its steps,
//     h̃ = tanh(W_c [c; h]) and logits = W_o h̃ + b_o.
//   without attention (attention: null) the decoder sees the source only through its initial state (the
//     bridge) and h̃ = tanh(W_c h): the same layers less the context, so the two differ in attention alone.
// Sequences are time-major: source ids [T_src, B], target ids [T_tgt, B] with target[0] the start token;
// the decoder reads target[0 … T_tgt − 2] and predicts target[1 … T_tgt − 1], steps at or past a row's
// target length ignored by the loss.
import type { Backend } from '../ops/index.js';
import type { AttentionResult, AttentionScore, AttentionWeights } from '../ops/attention/spec.js';
import type { CellKind, RecurrentConfig, RecurrentLayerCache, RecurrentWeights } from '../ops/recurrent/spec.js';
import { checkOptions, expectBoolean, expectObject, optionNames } from '../core/checks.js';
import { ValueError, describeValue } from '../core/errors.js';
import { exclusive } from '../core/busy.js';
import { Lifetime } from '../core/lifetime.js';
import { BatchLengths, checkLengths } from '../core/lengths.js';
import { Rng } from '../core/rng.js';
import { expectPositiveInt } from '../core/shapes.js';
import type { ReadStateDict, StateDict, StateEntry, LoadResult } from '../core/state.js';
import type { Tensor } from '../core/tensor.js';
import { beamSearch, checkBeamOptions, type BeamSearchResult, type BeamStepInput } from './beam.js';
import { DropoutSites } from './layers.js';
import { GRU, LSTM, RNN } from './recurrent.js';
import { ParamSet, type ParamSpec } from './params.js';

export interface Seq2SeqRecurrentOptions {
  cell: 'rnn' | 'lstm' | 'gru';
  hiddenSize: number;
  /** Default 1. */
  numLayers?: number;
}

export interface Seq2SeqOptions {
  /** Source vocabulary size and embedding width. */
  sourceVocab: number;
  sourceEmbedding: number;
  /** Target vocabulary size (the logits' width) and embedding width. */
  targetVocab: number;
  targetEmbedding: number;
  /** The encoder; bidirectional concatenates both directions' outputs (keys and values of width 2·H). */
  encoder: Seq2SeqRecurrentOptions & { bidirectional?: boolean };
  /** The decoder: numLayers ≤ the encoder's (decoder layer l starts from encoder layer L_enc − L_dec + l). */
  decoder: Seq2SeqRecurrentOptions;
  /**
   * The attention's score ('dot' needs decoder hiddenSize = the encoder's output width); `scaled`: 'dot' and
   * 'general' scores times 1/√d (d the keys' width; default false); for 'additive', `units`, its hidden size
   * (default the decoder's). null: no attention — the decoder sees the source only through
   * its initial state, h̃ = tanh(W_c h) with W_c [H_dec, H_dec] (kept, so that a model with and one without
   * attention differ in attention alone), no attention parameters, and the attention weights that forward,
   * decodeStep and decode return are null / absent.
   */
  attention: { score: AttentionScore; scaled?: boolean; units?: number } | null;
  /**
   * Luong's input feeding: h̃_{t−1} concatenated to the decoder's input at step t (default false; without
   * attention h̃ = tanh(W_c h)).
   */
  inputFeeding?: boolean;
  /** Seed of the parameter initialisation (default 0). */
  seed?: number;
}

/** A teacher-forced batch: ids as host arrays, row-major [T, B] (time-major), with per-row lengths. */
export interface Seq2SeqBatch {
  /** Source ids [T_src · B], time-major (element t·B + b), integers in [0, sourceVocab). */
  source: ArrayLike<number>;
  /** B lengths in [1, T_src]. */
  sourceLengths: ArrayLike<number>;
  /** Target ids [T_tgt · B], time-major, target[0] the start token; T_tgt ≥ 2. */
  target: ArrayLike<number>;
  /** B lengths in [1, T_tgt] (counting the start token): steps t ≥ length − 1 predict nothing. */
  targetLengths: ArrayLike<number>;
}

export interface ForwardOptions {
  /**
   * Scheduled sampling (Bengio et al. 2015): the probability that a row's decoder input at step t ≥ 1 is
   * the model's own greedy token from step t − 1 instead of the target's (seeded draws; default 0, plain
   * teacher forcing). Steps then run one at a time. No gradient flows through the choice.
   */
  samplingProbability?: number;
}

/** Seq2Seq.decode's options: beam search (greedy with beamWidth 1) as src/nn/beam.ts defines it. */
export interface Seq2SeqDecodeOptions {
  /** k in [1, targetVocab] hypotheses per source (default 1: greedy decoding). */
  beamWidth?: number;
  /** At most this many tokens per hypothesis, the end token counted. */
  maxLength: number;
  /** GNMT length penalty exponent α ≥ 0 (default 0). */
  lengthPenalty?: number;
  /** The decoder's first input token, in [0, targetVocab). */
  startToken: number;
  /** The token that finishes a hypothesis, in [0, targetVocab). */
  endToken: number;
  /** Steps between readbacks of the finished flags (default: one readback at the end). */
  readEvery?: number;
}

const DECODE_OPTIONS = optionNames<Seq2SeqDecodeOptions>({
  beamWidth: true,
  maxLength: true,
  lengthPenalty: true,
  startToken: true,
  endToken: true,
  readEvery: true,
});

/** Encoded sources for decoding (see Seq2Seq.encode). */
export interface Seq2SeqEncoded {
  readonly B: number;
  readonly S: number;
  /** The encoder's outputs [T_src, B, D·H_enc]: the attention's keys and values (unread without attention). */
  readonly keys: Tensor;
  readonly lengths: BatchLengths;
  /** The decoder's initial state. */
  readonly state: Seq2SeqDecoderState;
  release(): void;
}

/** The decoder's carried state: h (and an LSTM's c) [L_dec, B, H_dec] in one tensor, and h̃_{t−1} [B, H_dec] with input feeding. */
export interface Seq2SeqDecoderState {
  readonly h: Tensor;
  readonly c?: Tensor;
  readonly feed: Tensor | null;
  /** The tensor holding h and c (c at an aligned offset after h). */
  readonly block: Tensor;
  release(): void;
}

const OPTIONS = optionNames<Seq2SeqOptions>({
  sourceVocab: true,
  sourceEmbedding: true,
  targetVocab: true,
  targetEmbedding: true,
  encoder: true,
  decoder: true,
  attention: true,
  inputFeeding: true,
  seed: true,
});
const CELLS = ['rnn', 'lstm', 'gru'];
const GATES: Record<CellKind, number> = { rnn: 1, lstm: 4, gru: 3 };
const ALIGN = 64;
/** Labels of target steps that predict nothing (crossEntropy's ignoreIndex). */
const IGNORE = -1;

function checkRecurrent(argument: string, o: Seq2SeqRecurrentOptions, extra: string[]): void {
  expectObject(argument, o, '{ cell, hiddenSize, numLayers? }');
  checkOptions(argument, o, ['cell', 'hiddenSize', 'numLayers', ...extra]);
  if (!CELLS.includes(o.cell))
    throw new ValueError(`${argument}.cell`, "'rnn', 'lstm' or 'gru'", describeValue(o.cell));
  expectPositiveInt(`${argument}.hiddenSize`, o.hiddenSize);
  expectPositiveInt(`${argument}.numLayers`, o.numLayers ?? 1);
}

/** Decoder states of every layer in one tensor (h at 0, an LSTM's c at the aligned S). */
interface Block {
  tensor: Tensor;
  S: number;
}

/** What one segment of decoder steps (all of them, or one with input feeding) keeps for backward. */
interface Segment {
  t0: number;
  n: number;
  x: Tensor; // [n, B, I] the first layer's input
  caches: RecurrentLayerCache[];
  init: Block | null;
  final: Block;
  attention: AttentionResult | null;
  pre: Tensor; // [n·B, Hd] W_c [c; h] (W_c h without attention)
}

/** A forward's tensors, freed by the next forward or release(). */
interface Run {
  B: number;
  S: number;
  T: number;
  sourceIds: Tensor;
  inputIds: Tensor;
  labels: Tensor;
  lengths: BatchLengths;
  encoderOutput: Tensor;
  bridgeInput?: Tensor; // [Ld·B, D·He]
  bridgePre?: Tensor;
  init: Block;
  embedded: Tensor; // [T, B, Et]
  segments: Segment[];
  hTilde: Tensor; // [T·B, Hd]
  logits: Tensor; // [T·B, V]
  weights: Tensor | null; // [B, T, S]
  owned: Tensor[];
}

/**
 * An encoder–decoder with Luong attention (see the top of this file): parameters in one ParamSet named
 * 'sourceEmbedding.weight', 'targetEmbedding.weight', 'encoder.<torch name>', 'bridge.weight' / 'bridge.bias'
 * (when bridged), 'decoder.<torch name>', 'attention.wa' or 'attention.wq' / 'wk' / 'v', 'attentional.weight'
 * (W_c [H_dec, D·H_enc + H_dec], or [H_dec, H_dec] without attention) and 'output.weight' / 'output.bias'.
 * forward() then backward() for teacher-forced training (fitTeacherForced, or a Trainer), encode() and
 * decodeStep() for decoding.
 */
export class Seq2Seq {
  readonly params: ParamSet;
  readonly encoder: RNN | LSTM | GRU;
  readonly inputFeeding: boolean;
  readonly bridged: boolean;
  private readonly decoderCell: CellKind;
  private readonly Hd: number;
  private readonly Ld: number;
  private readonly Dv: number;
  /** null: no attention. */
  private readonly score: AttentionScore | null;
  /** The context's width in W_c's columns: D·H_enc with attention, 0 without. */
  private readonly Dc: number;
  private readonly scaled: boolean;
  private readonly dropout: DropoutSites;
  private readonly lifetime = new Lifetime('Seq2Seq model');
  private last?: Run;
  private backwardOwned: Tensor[] = [];
  private eyes = new Map<number, Tensor>();
  private readonly samplingRng: Rng;
  private samplingSteps?: [Tensor, Tensor];

  /** The options as given at construction (a copy: later changes to the caller's object change nothing). */
  readonly options: Seq2SeqOptions;

  constructor(
    readonly ctx: Backend,
    options: Seq2SeqOptions,
  ) {
    expectObject('options', options, 'seq2seq options { sourceVocab, sourceEmbedding, targetVocab, … }');
    checkOptions('options', options, OPTIONS);
    for (const k of ['sourceVocab', 'sourceEmbedding', 'targetVocab', 'targetEmbedding'] as const)
      expectPositiveInt(k, options[k]);
    checkRecurrent('encoder', options.encoder, ['bidirectional']);
    checkRecurrent('decoder', options.decoder, []);
    expectBoolean('encoder.bidirectional', options.encoder.bidirectional);
    expectBoolean('inputFeeding', options.inputFeeding);
    const attention = options.attention;
    if (attention !== null) {
      expectObject('attention', attention, "{ score: 'dot' | 'general' | 'additive', scaled?, units? } or null");
      checkOptions('attention', attention, ['score', 'scaled', 'units']);
      const { score } = attention;
      if (score !== 'dot' && score !== 'general' && score !== 'additive')
        throw new ValueError(
          'attention.score',
          "'dot', 'general' or 'additive' (attention: null for none)",
          describeValue(score),
        );
      expectBoolean('attention.scaled', attention.scaled);
      if (attention.units !== undefined) expectPositiveInt('attention.units', attention.units);
      if (attention.scaled && score === 'additive')
        throw new ValueError('attention.scaled', "false for the 'additive' score (it has no scale)", 'true');
      if (attention.units !== undefined && score !== 'additive')
        throw new ValueError(
          'attention.units',
          `none for the '${score}' score (only 'additive' has units)`,
          'a number',
        );
    }
    const score = attention?.score ?? null;
    this.options = options = {
      ...options,
      encoder: { ...options.encoder },
      decoder: { ...options.decoder },
      attention: attention && { ...attention },
    };
    const D = options.encoder.bidirectional ? 2 : 1;
    const He = options.encoder.hiddenSize;
    const Le = options.encoder.numLayers ?? 1;
    this.Hd = options.decoder.hiddenSize;
    this.Ld = options.decoder.numLayers ?? 1;
    this.Dv = D * He;
    if (this.Ld > Le) throw new ValueError('decoder.numLayers', `at most the encoder's ${Le}`, describeValue(this.Ld));
    if (score === 'dot' && this.Hd !== this.Dv)
      throw new ValueError(
        'decoder.hiddenSize',
        `the encoder's output width ${this.Dv} for the 'dot' score`,
        describeValue(this.Hd),
      );
    this.score = score;
    this.Dc = score ? this.Dv : 0;
    this.scaled = options.attention?.scaled ?? false;
    this.decoderCell = options.decoder.cell;
    this.inputFeeding = options.inputFeeding ?? false;
    this.bridged = D !== 1 || He !== this.Hd;
    const encoderOptions = {
      inputSize: options.sourceEmbedding,
      hiddenSize: He,
      numLayers: Le,
      bidirectional: D === 2,
    };
    const cell = options.encoder.cell;
    this.encoder =
      cell === 'lstm' ? new LSTM(encoderOptions) : cell === 'gru' ? new GRU(encoderOptions) : new RNN(encoderOptions);

    const rng = new Rng(options.seed ?? 0);
    const uniform = (bound: number, n: number) => () => rng.uniformArray(n, -bound, bound);
    const normal = (n: number) => () => Float64Array.from({ length: n }, () => rng.normal());
    const [Vs, Es, Vt, Et, Hd] = [
      options.sourceVocab,
      options.sourceEmbedding,
      options.targetVocab,
      options.targetEmbedding,
      this.Hd,
    ];
    const specs: ParamSpec[] = [
      { name: 'sourceEmbedding.weight', shape: [Vs, Es], init: normal(Vs * Es) },
      { name: 'targetEmbedding.weight', shape: [Vt, Et], init: normal(Vt * Et) },
      ...this.encoder.paramSpecs(rng).map((s) => ({ ...s, name: `encoder.${s.name}` })),
    ];
    if (this.bridged) {
      const b = 1 / Math.sqrt(this.Dv);
      specs.push(
        { name: 'bridge.weight', shape: [Hd, this.Dv], init: uniform(b, Hd * this.Dv) },
        { name: 'bridge.bias', shape: [Hd], init: uniform(b, Hd) },
      );
    }
    const G = GATES[this.decoderCell];
    const bd = 1 / Math.sqrt(Hd);
    for (let l = 0; l < this.Ld; l++) {
      const I = l > 0 ? Hd : Et + (this.inputFeeding ? Hd : 0);
      specs.push(
        { name: `decoder.weight_ih_l${l}`, shape: [G * Hd, I], init: uniform(bd, G * Hd * I) },
        { name: `decoder.weight_hh_l${l}`, shape: [G * Hd, Hd], init: uniform(bd, G * Hd * Hd) },
        { name: `decoder.bias_ih_l${l}`, shape: [G * Hd], init: uniform(bd, G * Hd) },
        { name: `decoder.bias_hh_l${l}`, shape: [G * Hd], init: uniform(bd, G * Hd) },
      );
    }
    if (score === 'general')
      specs.push({ name: 'attention.wa', shape: [Hd, this.Dv], init: uniform(1 / Math.sqrt(this.Dv), Hd * this.Dv) });
    if (score === 'additive') {
      const U = options.attention?.units ?? Hd;
      specs.push(
        { name: 'attention.wq', shape: [U, Hd], init: uniform(bd, U * Hd) },
        { name: 'attention.wk', shape: [U, this.Dv], init: uniform(1 / Math.sqrt(this.Dv), U * this.Dv) },
        { name: 'attention.v', shape: [U], init: uniform(1 / Math.sqrt(U), U) },
      );
    }
    const bc = 1 / Math.sqrt(this.Dc + Hd);
    specs.push(
      { name: 'attentional.weight', shape: [Hd, this.Dc + Hd], init: uniform(bc, Hd * (this.Dc + Hd)) },
      { name: 'output.weight', shape: [Vt, Hd], init: uniform(bd, Vt * Hd) },
      { name: 'output.bias', shape: [Vt], init: uniform(bd, Vt) },
    );
    this.params = new ParamSet(ctx, specs);
    this.samplingRng = new Rng((options.seed ?? 0) + 1);
    this.dropout = new DropoutSites(options.seed ?? 0);
    try {
      this.encoder.bind(ctx, this.params, 'encoder.', [], this.dropout);
    } catch (e) {
      this.params.release();
      throw e;
    }
  }

  private p(name: string): Tensor {
    return this.params.value(name);
  }

  private g(name: string): Tensor {
    return this.params.grad(name);
  }

  private decoderWeights(l: number, grads: boolean): RecurrentWeights {
    const f = (n: string) => (grads ? this.g(`decoder.${n}_l${l}`) : this.p(`decoder.${n}_l${l}`));
    return { wih: f('weight_ih'), whh: f('weight_hh'), bih: f('bias_ih'), bhh: f('bias_hh') };
  }

  private attentionWeights(grads: boolean): AttentionWeights | undefined {
    const f = (n: string) => (grads ? this.g(`attention.${n}`) : this.p(`attention.${n}`));
    if (this.score === 'general') return { wa: f('wa') };
    if (this.score === 'additive') return { wq: f('wq'), wk: f('wk'), v: f('v') };
    return undefined;
  }

  /** An identity matrix [n, n], kept: products with it copy blocks between strided layouts exactly. */
  private eye(n: number): Tensor {
    let t = this.eyes.get(n);
    if (!t) {
      const data = new Float64Array(n * n);
      for (let i = 0; i < n; i++) data[i * n + i] = 1;
      t = this.ctx.tensor(data, [n, n]);
      this.eyes.set(n, t);
    }
    return t;
  }

  /** out[rows, cols] block (+)= a's [rows, cols] block, both strided: a product with the identity. */
  private copyBlock(
    a: Tensor,
    out: Tensor,
    rows: number,
    cols: number,
    o: { lda?: number; offsetA?: number; ldc?: number; offsetOut?: number; beta?: number },
  ): void {
    this.ctx.gemm({ a, b: this.eye(cols), out, M: rows, N: cols, K: cols, ...o });
  }

  private block(B: number, own: (t: Tensor) => Tensor): Block {
    if (this.decoderCell !== 'lstm') return { tensor: own(this.ctx.empty([this.Ld, B, this.Hd])), S: 0 };
    const S = this.blockS(B);
    return { tensor: own(this.ctx.empty([2 * S])), S };
  }

  private slices(block: Block, l: number, B: number) {
    const off = l * B * this.Hd;
    return this.decoderCell === 'lstm'
      ? { h: { tensor: block.tensor, offset: off }, c: { tensor: block.tensor, offset: block.S + off } }
      : { h: { tensor: block.tensor, offset: off } };
  }

  /** Every argument of a batch, before any work: ids in their vocabularies, lengths in [1, T]. */
  checkBatch(batch: Seq2SeqBatch): {
    B: number;
    S: number;
    Ttgt: number;
    srcLengths: Int32Array;
    tgtLengths: Int32Array;
  } {
    expectObject('batch', batch, '{ source, sourceLengths, target, targetLengths }');
    checkOptions('batch', batch, ['source', 'sourceLengths', 'target', 'targetLengths']);
    for (const k of ['source', 'sourceLengths', 'target', 'targetLengths'] as const)
      if (!batch[k] || typeof batch[k] !== 'object' || typeof batch[k].length !== 'number')
        throw new ValueError(k, 'an array of numbers', describeValue(batch[k]));
    const B = batch.sourceLengths.length;
    if (B === 0) throw new ValueError('sourceLengths', 'one length per batch row (B ≥ 1)', 'none');
    if (batch.targetLengths.length !== B)
      throw new ValueError('targetLengths', `${B} lengths (as sourceLengths)`, `${batch.targetLengths.length}`);
    if (batch.source.length % B !== 0 || batch.source.length === 0)
      throw new ValueError('source', `T_src · ${B} ids (time-major [T_src, B])`, `${batch.source.length} ids`);
    if (batch.target.length % B !== 0 || batch.target.length < 2 * B)
      throw new ValueError(
        'target',
        `T_tgt · ${B} ids with T_tgt ≥ 2 (time-major [T_tgt, B])`,
        `${batch.target.length} ids`,
      );
    const S = batch.source.length / B;
    const Ttgt = batch.target.length / B;
    checkIds('source', batch.source, this.options.sourceVocab);
    checkIds('target', batch.target, this.options.targetVocab);
    const srcLengths = checkLengths('sourceLengths', Array.from(batch.sourceLengths), B, S);
    const tgtLengths = checkLengths('targetLengths', Array.from(batch.targetLengths), B, Ttgt);
    return { B, S, Ttgt, srcLengths, tgtLengths };
  }

  /**
   * Teacher-forced forward: logits [(T_tgt − 1)·B, targetVocab] (time-major rows) and the attention
   * weights α [B, T_tgt − 1, T_src] (null without attention); both valid until the next forward.
   */
  forward(
    batch: Seq2SeqBatch,
    options: ForwardOptions = {},
  ): { logits: Tensor; weights: Tensor | null; labels: Tensor } {
    this.lifetime.check();
    const { B, S, Ttgt, srcLengths, tgtLengths } = this.checkBatch(batch);
    checkOptions('options', options, ['samplingProbability']);
    const p = options.samplingProbability ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new ValueError('samplingProbability', 'a number in [0, 1]', describeValue(p));
    const ctx = this.ctx;
    const T = Ttgt - 1;
    const Hd = this.Hd;
    const Et = this.options.targetEmbedding;
    const owned: Tensor[] = [];
    const own = (t: Tensor) => (owned.push(t), t);
    try {
      const inputIds = own(ctx.tensor(Array.from(batch.target).slice(0, T * B), [T, B]));
      const labelData = new Float64Array(T * B);
      for (let t = 0; t < T; t++)
        for (let b = 0; b < B; b++)
          labelData[t * B + b] = t + 1 < tgtLengths[b] ? batch.target[(t + 1) * B + b] : IGNORE;
      const labels = own(ctx.tensor(labelData, [T * B]));
      const { sourceIds, lengths, encoderOutput, init, bridgeInput, bridgePre } = this.encodeBatch(
        batch.source,
        srcLengths,
        B,
        S,
        own,
      );
      // Decoder, attention and the attentional layer, by segments of steps.
      const embedded = own(ctx.embedding(this.p('targetEmbedding.weight'), inputIds));
      const hTilde = own(ctx.empty([T * B, Hd]));
      const weights = this.score ? own(ctx.empty([B, T, S])) : null;
      const I = Et + (this.inputFeeding ? Hd : 0);
      const segments: Segment[] = [];
      let state: Block = init;
      const stepwise = this.inputFeeding || p > 0;
      const steps = stepwise ? Array.from({ length: T }, (_, t) => [t, 1]) : [[0, T]];
      for (const [t0, n] of steps) {
        if (p > 0 && t0 > 0) this.feedOwnTokens(batch.target, p, t0, B, hTilde, inputIds, embedded, own);
        let x = embedded;
        if (stepwise && !this.inputFeeding) {
          x = own(ctx.empty([1, B, Et]));
          this.copyBlock(embedded, x, B, Et, { offsetA: t0 * B * Et });
        }
        if (this.inputFeeding) {
          x = own(ctx.zeros([1, B, I]));
          this.copyBlock(embedded, x, B, Et, { offsetA: t0 * B * Et, ldc: I });
          if (t0 > 0) this.copyBlock(hTilde, x, B, Hd, { offsetA: (t0 - 1) * B * Hd, ldc: I, offsetOut: Et });
        }
        const seg = this.segmentForward(x, state, encoderOutput, B, lengths, own);
        segments.push({ ...seg, t0, n });
        ctx.copy(own(ctx.activation(seg.pre, 'tanh')), hTilde, t0 * B * Hd);
        // α [B, n, S] into rows t0 … t0 + n − 1 of [B, T, S].
        if (weights) this.copyBlock(seg.attention!.weights, weights, B, n * S, { ldc: T * S, offsetOut: t0 * S });
        state = seg.final;
      }
      const logits = own(ctx.matmul(hTilde, this.p('output.weight'), { transB: true, bias: this.p('output.bias') }));
      const run: Run = {
        B,
        S,
        T,
        sourceIds,
        inputIds,
        labels,
        lengths,
        encoderOutput,
        bridgeInput,
        bridgePre,
        init,
        embedded,
        segments,
        hTilde,
        logits,
        weights,
        owned,
      };
      this.releaseRun(this.last);
      this.last = run;
      return { logits, weights, labels };
    } catch (e) {
      for (const t of owned) t.release();
      throw e;
    }
  }

  /**
   * Encodes sources for decoding (evaluation: no gradient kept): source ids [T_src · B] time-major with
   * their lengths, checked before any work. The result holds the keys and the decoder's initial state;
   * release() frees it. A teacher-forced forward() before it can no longer be backpropagated (backward() asks for a new forward).
   */
  encode(source: ArrayLike<number>, sourceLengths: ArrayLike<number>): Seq2SeqEncoded {
    this.lifetime.check();
    const { B, S, srcLengths } = this.checkSources(source, sourceLengths);
    // The encoder's run replaces the one a teacher-forced forward kept: that forward can no longer be backpropagated.
    this.releaseRun(this.last);
    this.last = undefined;
    const owned: Tensor[] = [];
    const own = (t: Tensor) => (owned.push(t), t);
    try {
      const e = this.encodeBatch(source, srcLengths, B, S, own);
      const keys = this.ctx.empty(e.encoderOutput.shape);
      this.ctx.copy(e.encoderOutput, keys, 0);
      const block = this.block(B, (t) => t);
      this.ctx.copy(e.init.tensor, block.tensor, 0);
      const lengths = new BatchLengths(srcLengths, this.ctx.tensor(srcLengths, [B]));
      const state = this.stateOf(block, B, this.inputFeeding ? this.ctx.zeros([B, this.Hd]) : null);
      return {
        B,
        S,
        keys,
        lengths,
        state,
        release: () => {
          keys.release();
          lengths.device.release();
          state.release();
        },
      };
    } finally {
      for (const t of owned) t.release();
    }
  }

  /** Source ids [T_src · B] and their B lengths, before any work. */
  private checkSources(
    source: ArrayLike<number>,
    sourceLengths: ArrayLike<number>,
  ): { B: number; S: number; srcLengths: Int32Array } {
    for (const [k, v] of [
      ['source', source],
      ['sourceLengths', sourceLengths],
    ] as const)
      if (!v || typeof v !== 'object' || typeof v.length !== 'number')
        throw new ValueError(k, 'an array of numbers', describeValue(v));
    const B = sourceLengths.length;
    if (B === 0) throw new ValueError('sourceLengths', 'one length per batch row (B ≥ 1)', 'none');
    if (source.length % B !== 0 || source.length === 0)
      throw new ValueError('source', `T_src · ${B} ids (time-major [T_src, B])`, `${source.length} ids`);
    const S = source.length / B;
    checkIds('source', source, this.options.sourceVocab);
    const srcLengths = checkLengths('sourceLengths', Array.from(sourceLengths), B, S);
    return { B, S, srcLengths };
  }

  private stateOf(block: Block, B: number, feed: Tensor | null): Seq2SeqDecoderState {
    const shape = [this.Ld, B, this.Hd];
    return {
      h: this.ctx.viewAt(block.tensor, 0, shape),
      c: this.decoderCell === 'lstm' ? this.ctx.viewAt(block.tensor, block.S, shape) : undefined,
      feed,
      block: block.tensor,
      release: () => {
        block.tensor.release();
        feed?.release();
      },
    };
  }

  /**
   * One decoder step for B rows (a beam search's entry point): the previous tokens [B] (f32 ids on the
   * device, e.g. the start token or the last step's choices) and the carried state → logits and
   * log-probabilities (log softmax of the logits) [B, targetVocab], the attention weights α [B, 1, T_src]
   * (null without attention) and the next state. Everything returned is the caller's to release; `state`
   * stays as it was. Gradients are not kept.
   */
  decodeStep(
    encoded: Seq2SeqEncoded,
    tokens: Tensor,
    state: Seq2SeqDecoderState,
  ): { logits: Tensor; logProbs: Tensor; weights: Tensor | null; state: Seq2SeqDecoderState } {
    this.lifetime.check();
    const ctx = this.ctx;
    const { B } = encoded;
    const [Hd, Et] = [this.Hd, this.options.targetEmbedding];
    if (
      !tokens ||
      typeof tokens !== 'object' ||
      !Array.isArray((tokens as Tensor).shape) ||
      tokens.shape.length !== 1 ||
      tokens.shape[0] !== B
    )
      throw new ValueError('tokens', `a [${B}] tensor of ids`, describeValue(tokens));
    const owned: Tensor[] = [];
    const own = (t: Tensor) => (owned.push(t), t);
    try {
      const I = Et + (this.inputFeeding ? Hd : 0);
      const emb = own(ctx.embedding(this.p('targetEmbedding.weight'), tokens)); // [B, Et]
      let x = emb.view([1, B, Et]);
      if (this.inputFeeding) {
        x = own(ctx.empty([1, B, I]));
        this.copyBlock(emb, x, B, Et, { ldc: I });
        this.copyBlock(state.feed!, x, B, Hd, { ldc: I, offsetOut: Et });
      }
      const init: Block = { tensor: state.block, S: state.c ? this.blockS(B) : 0 };
      const seg = this.segmentForward(x, init, encoded.keys, B, encoded.lengths, own);
      for (const c of seg.caches) c.release();
      const hTilde = ctx.activation(seg.pre, 'tanh');
      const logits = ctx.matmul(hTilde, this.p('output.weight'), { transB: true, bias: this.p('output.bias') });
      const logProbs = ctx.logSoftmax(logits);
      let weights: Tensor | null = null;
      if (seg.attention) {
        weights = ctx.empty([B, 1, encoded.S]);
        ctx.copy(seg.attention.weights, weights, 0);
        seg.attention.release();
      }
      const next = this.stateOf(seg.final, B, this.inputFeeding ? hTilde : null);
      if (!this.inputFeeding) hTilde.release();
      owned.splice(owned.indexOf(seg.final.tensor), 1);
      return { logits, logProbs, weights, state: next };
    } finally {
      for (const t of owned) t.release();
    }
  }

  /**
   * Greedy (beamWidth 1) or beam decoding of B sources, batched on the device: the sources are encoded
   * once and their keys and lengths repeated for the B·k hypotheses (a hypothesis never leaves its
   * source); each step gathers the decoder's states (h, an LSTM's c, h̃ with input feeding) by the
   * search's parents, runs decodeStep and hands beamSearch its log-probabilities and α. Nothing is read
   * back until the end (or every readEvery steps). Every argument is checked before any work. Returns
   * each source's hypotheses, best first, with tokens, scores and attention weights [|tokens|][T_src]
   * (absent without attention).
   */
  decode(
    source: ArrayLike<number>,
    sourceLengths: ArrayLike<number>,
    options: Seq2SeqDecodeOptions,
  ): Promise<BeamSearchResult> {
    this.lifetime.check();
    return exclusive(this, 'decode', () => this.decodeHeld(source, sourceLengths, options));
  }

  /** @internal decode() with the model already taken (by the fit whose callback calls e.decode). */
  async decodeHeld(
    source: ArrayLike<number>,
    sourceLengths: ArrayLike<number>,
    options: Seq2SeqDecodeOptions,
  ): Promise<BeamSearchResult> {
    this.lifetime.check();
    const ctx = this.ctx;
    expectObject('options', options, '{ maxLength, startToken, endToken, beamWidth?, lengthPenalty?, readEvery? }');
    checkOptions('options', options, DECODE_OPTIONS);
    const { B, S, srcLengths } = this.checkSources(source, sourceLengths);
    const k = options.beamWidth ?? 1;
    const BK = B * k;
    const [Hd, Ld] = [this.Hd, this.Ld];
    const held: Tensor[] = [];
    const hold = (t: Tensor) => (held.push(t), t);
    let encoded: Seq2SeqEncoded | undefined;
    let repeated: Seq2SeqEncoded | undefined;
    let state: Seq2SeqDecoderState | undefined;
    let repeatRows: Tensor | undefined;
    // The index tensor [Ld, BK] of layer l's rows l·prev + rows[r] in a state of `prev` rows, on the device:
    // ones [Ld, 1] × rows [1, BK] + the offsets l·prev (exact in f32), the constants uploaded once per decode.
    const offsets = new Map<number, Tensor>();
    let ones: Tensor | undefined;
    const layerRows = (rows: Tensor, prev: number): Tensor => {
      if (Ld === 1) return rows;
      ones ??= hold(ctx.tensor(new Array<number>(Ld).fill(1), [Ld, 1]));
      let offset = offsets.get(prev);
      if (!offset) {
        const data = Array.from({ length: Ld * BK }, (_, i) => Math.floor(i / BK) * prev);
        offsets.set(prev, (offset = hold(ctx.tensor(data, [Ld, BK]))));
      }
      const idx = ctx.empty([Ld, BK]);
      ctx.copy(offset, idx, 0);
      ctx.gemm({ a: ones, b: rows.view([1, BK]), out: idx, M: Ld, N: BK, K: 1, beta: 1 });
      return idx;
    };
    // A state of BK rows: row r of each layer is row rows[r] of `from` (of `prev` rows).
    const gather = (from: Seq2SeqDecoderState, prev: number, rows: Tensor): Seq2SeqDecoderState => {
      const idx = layerRows(rows, prev);
      const block = this.block(BK, (t) => t);
      const parts: [Tensor, number][] = [[from.h, 0]];
      if (from.c) parts.push([from.c, block.S]);
      for (const [t, offset] of parts) {
        const g = ctx.embedding(t.view([Ld * prev, Hd]), idx.view([Ld * BK]));
        ctx.copy(g, block.tensor, offset);
        g.release();
      }
      if (idx !== rows) idx.release();
      return this.stateOf(block, BK, from.feed ? ctx.embedding(from.feed, rows) : null);
    };
    const step = ({ tokens, parents, step: s }: BeamStepInput) => {
      const gathered = s === 0 ? gather(encoded!.state, B, repeatRows!) : gather(state!, BK, parents);
      state?.release();
      state = undefined;
      const out = this.decodeStep(repeated!, tokens, gathered);
      gathered.release();
      state = out.state;
      out.logits.release();
      if (!out.weights) return { logProbs: out.logProbs };
      const attention = ctx.empty([BK, S]);
      ctx.copy(out.weights, attention, 0);
      out.weights.release();
      return { logProbs: out.logProbs, attention };
    };
    const search = {
      sources: B,
      beamWidth: k,
      vocabulary: this.options.targetVocab,
      startToken: options.startToken,
      endToken: options.endToken,
      maxLength: options.maxLength,
      lengthPenalty: options.lengthPenalty,
      readEvery: options.readEvery,
      step,
    };
    checkBeamOptions(ctx, search);
    try {
      encoded = this.encode(source, sourceLengths);
      // Hypothesis r = b·k + i reads source b: its keys, its length, its initial state.
      repeatRows = hold(
        ctx.tensor(
          Array.from({ length: BK }, (_, r) => Math.floor(r / k)),
          [BK],
        ),
      );
      const keyRows = hold(
        ctx.tensor(
          Array.from({ length: S * BK }, (_, i) => Math.floor(i / BK) * B + Math.floor((i % BK) / k)),
          [S, BK],
        ),
      );
      const keys = ctx.embedding(encoded.keys.view([S * B, this.Dv]), keyRows); // [S, BK, Dv]
      const lengths = Int32Array.from({ length: BK }, (_, r) => srcLengths[Math.floor(r / k)]);
      const lengthsDevice = ctx.tensor(lengths, [BK]);
      repeated = {
        B: BK,
        S,
        keys,
        lengths: new BatchLengths(lengths, lengthsDevice),
        state: encoded.state,
        release: () => {
          keys.release();
          lengthsDevice.release();
        },
      };
      return await beamSearch(ctx, search);
    } finally {
      (state as Seq2SeqDecoderState | undefined)?.release();
      repeated?.release();
      encoded?.release();
      for (const t of held) t.release();
    }
  }

  private blockS(B: number): number {
    return Math.ceil((this.Ld * B * this.Hd) / ALIGN) * ALIGN;
  }

  /** The encoder over source ids [S, B] and the decoder's initial states (the bridge). */
  private encodeBatch(
    source: ArrayLike<number>,
    srcLengths: Int32Array,
    B: number,
    S: number,
    own: (t: Tensor) => Tensor,
  ) {
    const ctx = this.ctx;
    const [Hd, Dv, Ld] = [this.Hd, this.Dv, this.Ld];
    const sourceIds = own(ctx.tensor(source, [S, B]));
    const lengths = new BatchLengths(srcLengths, own(ctx.tensor(srcLengths, [B])));
    // Encoder.
    const srcEmb = own(ctx.embedding(this.p('sourceEmbedding.weight'), sourceIds));
    const enc = this.encoder.run(srcEmb, { lengths });
    const encoderOutput = enc.output;
    const hN = enc.hN;
    const cN = 'cN' in enc ? (enc.cN as Tensor) : null;
    // Bridge into the decoder's initial states.
    const He = this.options.encoder.hiddenSize;
    const D = Dv / He;
    const Le = this.options.encoder.numLayers ?? 1;
    const init = this.block(B, own);
    ctx.clear(init.tensor);
    const first = (Le - Ld) * D * B * He; // the first encoder layer that starts the decoder
    let bridgeInput: Tensor | undefined;
    let bridgePre: Tensor | undefined;
    if (this.bridged) {
      const perRow = own(ctx.transpose01(hN.view([Le, D, B, He]))); // [Le, B, D, He]
      bridgeInput = own(copyOf(ctx, ctx.viewAt(perRow, first, [Ld * B, Dv])));
      bridgePre = own(ctx.matmul(bridgeInput, this.p('bridge.weight'), { transB: true, bias: this.p('bridge.bias') }));
      ctx.copy(own(ctx.activation(bridgePre, 'tanh')), init.tensor, 0);
    } else {
      ctx.copy(ctx.viewAt(hN, first, [Ld * B * Hd]), init.tensor, 0);
      if (cN && this.decoderCell === 'lstm') ctx.copy(ctx.viewAt(cN, first, [Ld * B * Hd]), init.tensor, init.S);
    }
    return { sourceIds, lengths, encoderOutput, init, bridgeInput, bridgePre };
  }

  /**
   * Scheduled sampling at step t: each row, with probability p (seeded draws), reads the model's own
   * greedy token from step t − 1 (argmax of its logits, on the device) instead of the target's; the
   * chosen ids replace that step's in inputIds and their embeddings in `embedded`.
   */
  private feedOwnTokens(
    target: ArrayLike<number>,
    p: number,
    t: number,
    B: number,
    hTilde: Tensor,
    inputIds: Tensor,
    embedded: Tensor,
    own: (t: Tensor) => Tensor,
  ): void {
    const ctx = this.ctx;
    const [Hd, Et] = [this.Hd, this.options.targetEmbedding];
    const chosen = Array.from({ length: B }, () => this.samplingRng.uniform(0, 1) < p);
    if (!chosen.some(Boolean)) return;
    const previous = own(copyOf(ctx, ctx.viewAt(hTilde, (t - 1) * B * Hd, [B, Hd])));
    const logits = own(ctx.matmul(previous, this.p('output.weight'), { transB: true, bias: this.p('output.bias') }));
    this.samplingSteps ??= [ctx.tensor([0], [1]), ctx.tensor([1], [1])];
    const { ids, probs } = ctx.sample(logits, this.samplingSteps[0], this.samplingSteps[1], {
      temperature: 0,
      topK: 0,
      seed: 0,
      stream: 0,
    });
    own(ids);
    own(probs);
    // ids_t = diag(chosen) · own + (1 − chosen) ⊙ teacher: exact in f32 (products with 0 and 1).
    const diag = new Float64Array(B * B);
    const teacher = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      if (chosen[b]) diag[b * B + b] = 1;
      else teacher[b] = target[t * B + b];
    }
    const mixed = own(ctx.tensor(teacher, [B, 1]));
    ctx.gemm({ a: own(ctx.tensor(diag, [B, B])), b: ids, out: mixed, M: B, N: 1, K: B, beta: 1 });
    ctx.copy(mixed, inputIds, t * B);
    ctx.copy(own(ctx.embedding(this.p('targetEmbedding.weight'), mixed.view([B]))), embedded, t * B * Et);
  }

  /** Decoder layers over x [n, B, I] from `init`, attention and W_c [c; h] (W_c h without attention). */
  private segmentForward(
    x: Tensor,
    init: Block | null,
    enc: Tensor,
    B: number,
    lengths: BatchLengths,
    own: (t: Tensor) => Tensor,
  ) {
    const ctx = this.ctx;
    const [Hd, Dv] = [this.Hd, this.Dv];
    const config: RecurrentConfig = { cell: this.decoderCell, D: 1, H: Hd, activation: { name: 'tanh', param: 0 } };
    const final = this.block(B, own);
    const caches: RecurrentLayerCache[] = [];
    let h = x;
    for (let l = 0; l < this.Ld; l++) {
      const cache = ctx.recurrentLayerForward(
        h,
        this.decoderWeights(l, false),
        config,
        init ? this.slices(init, l, B) : { h: null },
        this.slices(final, l, B),
      );
      caches.push(cache);
      h = cache.output;
    }
    const n = h.shape[0];
    const attention = this.score
      ? ctx.attention(h, enc, enc, {
          score: this.score,
          weights: this.attentionWeights(false),
          lengths,
          scaled: this.scaled || undefined,
        })
      : null;
    const Wc = this.p('attentional.weight');
    const Dc = this.Dc;
    const pre = own(ctx.empty([n * B, Hd]));
    if (attention)
      ctx.gemm({ a: attention.context, b: Wc, out: pre, M: n * B, N: Hd, K: Dv, transB: true, ldb: Dv + Hd });
    const beta = attention ? 1 : 0;
    ctx.gemm({ a: h, b: Wc, out: pre, M: n * B, N: Hd, K: Hd, transB: true, ldb: Dc + Hd, offsetB: Dc, beta });
    return { x, caches, init, final, attention, pre };
  }

  /**
   * Backprop of dL/dlogits [(T_tgt − 1)·B, targetVocab] through the last forward: the output projection,
   * the attentional layer, attention (when there is one), the decoder (BPTT, through input feeding), the
   * bridge, the encoder and both embeddings. Parameter gradients accumulate (until zeroGrad).
   */
  backward(dLogits: Tensor): void {
    this.lifetime.check();
    const run = this.last;
    if (!run) throw new ValueError('backward', 'a forward() first', 'no saved forward');
    const ctx = this.ctx;
    const { B, S, T } = run;
    const [Hd, Dv, Ld, Dc] = [this.Hd, this.Dv, this.Ld, this.Dc];
    const Et = this.options.targetEmbedding;
    const I = Et + (this.inputFeeding ? Hd : 0);
    const owned: Tensor[] = [];
    const own = (t: Tensor) => (owned.push(t), t);
    try {
      // Output projection.
      const gWo = this.g('output.weight');
      ctx.matmul(dLogits, run.hTilde, { transA: true, out: gWo, beta: 1 });
      ctx.sumAxis(dLogits, 0, { out: this.g('output.bias'), beta: 1 });
      const dHTilde = own(ctx.matmul(dLogits, this.p('output.weight'))); // [T·B, Hd], fed steps add to it
      const dEmbedded = own(ctx.zeros([T, B, Et]));
      const dEnc = own(ctx.zeros([S, B, Dv]));
      const Wc = this.p('attentional.weight');
      const gWc = this.g('attentional.weight');
      let dState: Block | null = null;
      for (let i = run.segments.length - 1; i >= 0; i--) {
        const seg = run.segments[i];
        const { t0, n } = seg;
        const rows = n * B;
        const hT = ctx.viewAt(run.hTilde, t0 * B * Hd, [rows, Hd]);
        const dhT = ctx.viewAt(dHTilde, t0 * B * Hd, [rows, Hd]);
        const dPre = own(ctx.activationBackward(seg.pre, own(copyOf(ctx, hT)), own(copyOf(ctx, dhT)), 'tanh'));
        const top = seg.caches[Ld - 1].output; // [n, B, Hd]
        const ldw = Dc + Hd;
        ctx.gemm({ a: dPre, b: top, out: gWc, M: Hd, N: Hd, K: rows, transA: true, ldc: ldw, offsetOut: Dc, beta: 1 });
        const dTop = own(ctx.empty([n, B, Hd]));
        ctx.gemm({ a: dPre, b: Wc, out: dTop, M: rows, N: Hd, K: Hd, ldb: ldw, offsetB: Dc });
        if (seg.attention) {
          const context = seg.attention.context; // [n, B, Dv]
          ctx.gemm({ a: dPre, b: context, out: gWc, M: Hd, N: Dv, K: rows, transA: true, ldc: ldw, beta: 1 });
          const dContext = own(ctx.empty([n, B, Dv]));
          ctx.gemm({ a: dPre, b: Wc, out: dContext, M: rows, N: Dv, K: Hd, ldb: ldw });
          const g = ctx.attentionBackward(seg.attention, dContext, { grads: this.attentionWeights(true) });
          own(g.dQueries);
          own(g.dKeys);
          own(g.dValues);
          this.copyBlock(g.dQueries, dTop, rows, Hd, { beta: 1 });
          this.copyBlock(g.dKeys, dEnc, S * B, Dv, { beta: 1 });
          this.copyBlock(g.dValues, dEnc, S * B, Dv, { beta: 1 });
        }
        const dInit = this.block(B, own);
        let dOut: Tensor = dTop;
        for (let l = Ld - 1; l >= 0; l--) {
          const dx = ctx.recurrentLayerBackward(
            seg.caches[l],
            dOut,
            dState ? this.slices(dState, l, B) : { h: null },
            this.decoderWeights(l, true),
            this.slices(dInit, l, B),
            true,
          );
          dOut = own(dx!);
        }
        // dOut: dL/dx [n, B, I] → the embeddings' rows and, fed, h̃_{t0 − 1}.
        this.copyBlock(dOut, dEmbedded, rows, Et, { lda: I, offsetOut: t0 * B * Et });
        if (this.inputFeeding && t0 > 0)
          this.copyBlock(dOut, dHTilde, B, Hd, { lda: I, offsetA: Et, offsetOut: (t0 - 1) * B * Hd, beta: 1 });
        dState = dInit;
      }
      ctx.embeddingBackward(run.inputIds, dEmbedded, this.g('targetEmbedding.weight'), null);
      // Bridge: dL/d(decoder initial states) → the encoder's final states.
      const He = this.options.encoder.hiddenSize;
      const D = Dv / He;
      const Le = this.options.encoder.numLayers ?? 1;
      const first = (Le - Ld) * D * B * He;
      const dHN = own(ctx.zeros([Le * D, B, He]));
      let dCN: Tensor | undefined;
      const dh0 = ctx.viewAt(dState!.tensor, 0, [Ld * B, Hd]);
      if (run.bridgeInput) {
        const h0 = own(ctx.activation(run.bridgePre!, 'tanh'));
        const dPre = own(ctx.activationBackward(run.bridgePre!, h0, own(copyOf(ctx, dh0)), 'tanh'));
        ctx.matmul(dPre, run.bridgeInput, { transA: true, out: this.g('bridge.weight'), beta: 1 });
        ctx.sumAxis(dPre, 0, { out: this.g('bridge.bias'), beta: 1 });
        const dPerRow = own(ctx.zeros([Le, B, D, He]));
        ctx.gemm({ a: dPre, b: this.p('bridge.weight'), out: dPerRow, M: Ld * B, N: Dv, K: Hd, offsetOut: first });
        ctx.copy(own(ctx.transpose01(dPerRow)), dHN, 0);
      } else {
        ctx.copy(dh0, dHN, first);
        if (this.encoder instanceof LSTM && this.decoderCell === 'lstm') {
          dCN = own(ctx.zeros([Le * D, B, He]));
          ctx.copy(ctx.viewAt(dState!.tensor, dState!.S, [Ld * B * Hd]), dCN, first);
        }
      }
      const dSrc =
        this.encoder instanceof LSTM
          ? this.encoder.backwardFull(dEnc, { dHN, dCN, inputGrad: true }).dInput
          : this.encoder.backwardFull(dEnc, { dHN, inputGrad: true }).dInput;
      ctx.embeddingBackward(run.sourceIds, dSrc!, this.g('sourceEmbedding.weight'), null);
      for (const t of this.backwardOwned) t.release();
      this.backwardOwned = owned;
    } catch (e) {
      for (const t of owned) t.release();
      throw e;
    }
  }

  /**
   * One teacher-forced step's loss: forward, mean cross-entropy over the target steps that predict a token
   * (padding ignored), backward. Returns the loss tensor [1] (read it when needed).
   */
  lossAndBackward(batch: Seq2SeqBatch): Tensor {
    const { logits, labels } = this.forward(batch);
    const { loss, grad } = this.ctx.crossEntropy(logits, labels, 'mean', { ignoreIndex: IGNORE });
    try {
      this.backward(grad);
    } finally {
      grad.release();
    }
    return loss;
  }

  /** @internal The dropout sites' next steps (none: the model has no dropout; Trainer.stateDict's `dropout.` part). */
  dropoutStateDict(): ReadStateDict {
    this.lifetime.check();
    return this.dropout.stateDict();
  }

  /** @internal Entries loading what dropoutStateDict() gave. */
  dropoutStateEntries(): Map<string, StateEntry> {
    this.lifetime.check();
    return this.dropout.stateEntries();
  }

  zeroGrad(): void {
    this.lifetime.check();
    this.params.zeroGrad();
  }

  stateDict(): Promise<ReadStateDict> {
    this.lifetime.check();
    return this.params.stateDict();
  }

  gradDict(): Promise<ReadStateDict> {
    this.lifetime.check();
    return this.params.gradDict();
  }

  loadStateDict(dict: StateDict, options?: { strict?: boolean }): LoadResult {
    this.lifetime.check();
    return this.params.loadStateDict(dict, options);
  }

  release(): void {
    if (!this.lifetime.end()) return;
    this.releaseRun(this.last);
    for (const t of this.backwardOwned) t.release();
    for (const t of this.eyes.values()) t.release();
    for (const t of this.samplingSteps ?? []) t.release();
    this.encoder.release();
    this.dropout.release();
    this.params.release();
  }

  private releaseRun(run: Run | undefined): void {
    if (!run) return;
    for (const s of run.segments) {
      for (const c of s.caches) c.release();
      s.attention?.release();
    }
    for (const t of run.owned) t.release();
  }
}

/** A contiguous copy of a view (ops that bind whole tensors take it). */
function copyOf(ctx: Backend, t: Tensor): Tensor {
  const out = ctx.empty(t.shape);
  ctx.copy(t, out, 0);
  return out;
}

function checkIds(argument: string, ids: ArrayLike<number>, V: number): void {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (!Number.isInteger(v) || v < 0 || v >= V)
      throw new ValueError(`${argument}[${i}]`, `an id in [0, ${V})`, describeValue(v));
  }
}
