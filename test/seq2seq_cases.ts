// Seq2Seq test cases shared by seq2seq*.test.ts: seeded batches, the teacher-forced loss, and model
// configurations (with each score, stacked, bridged or not, input feeding, and without attention).
import type { Seq2Seq, Seq2SeqBatch, Seq2SeqOptions } from '../src/index.js';

export function batch(S: number, T: number, B: number, Vs: number, Vt: number, seed: number): Seq2SeqBatch {
  let x = seed;
  const next = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
  return {
    source: Array.from({ length: S * B }, () => next(Vs)),
    sourceLengths: Array.from({ length: B }, (_, b) => (b === 0 ? S : 1 + next(S))),
    target: Array.from({ length: T * B }, () => next(Vt)),
    targetLengths: Array.from({ length: B }, (_, b) => (b === 0 ? T : 1 + next(T))),
  };
}

export async function lossOf(model: Seq2Seq, data: Seq2SeqBatch): Promise<number> {
  const { logits, labels } = model.forward(data);
  const { loss, grad } = model.ctx.crossEntropy(logits, labels, 'mean', { ignoreIndex: -1 });
  const [v] = await model.ctx.readMany([loss]);
  loss.release();
  grad.release();
  return v[0];
}

export const configs: Array<[string, Seq2SeqOptions]> = [
  [
    'bidirectional LSTM → GRU, additive, input feeding',
    {
      sourceVocab: 5,
      sourceEmbedding: 2,
      targetVocab: 4,
      targetEmbedding: 3,
      encoder: { cell: 'lstm', hiddenSize: 2, bidirectional: true, numLayers: 2 },
      decoder: { cell: 'gru', hiddenSize: 3 },
      attention: { score: 'additive', units: 2 },
      inputFeeding: true,
    },
  ],
  [
    'LSTM → LSTM (no bridge, c carried), scaled dot',
    {
      sourceVocab: 5,
      sourceEmbedding: 2,
      targetVocab: 4,
      targetEmbedding: 3,
      encoder: { cell: 'lstm', hiddenSize: 3, numLayers: 2 },
      decoder: { cell: 'lstm', hiddenSize: 3, numLayers: 2 },
      attention: { score: 'dot', scaled: true },
    },
  ],
  [
    'LSTM → LSTM from the top 2 of 3 encoder layers (no bridge), general',
    {
      sourceVocab: 5,
      sourceEmbedding: 2,
      targetVocab: 4,
      targetEmbedding: 2,
      encoder: { cell: 'lstm', hiddenSize: 2, numLayers: 3 },
      decoder: { cell: 'lstm', hiddenSize: 2, numLayers: 2 },
      attention: { score: 'general' },
    },
  ],
  [
    'RNN → RNN, general, input feeding',
    {
      sourceVocab: 4,
      sourceEmbedding: 2,
      targetVocab: 5,
      targetEmbedding: 2,
      encoder: { cell: 'rnn', hiddenSize: 3 },
      decoder: { cell: 'rnn', hiddenSize: 3 },
      attention: { score: 'general' },
      inputFeeding: true,
    },
  ],
  [
    'without attention: bidirectional GRU → GRU (bridged)',
    {
      sourceVocab: 5,
      sourceEmbedding: 2,
      targetVocab: 4,
      targetEmbedding: 3,
      encoder: { cell: 'gru', hiddenSize: 2, bidirectional: true },
      decoder: { cell: 'gru', hiddenSize: 3 },
      attention: null,
    },
  ],
  [
    'without attention: LSTM → LSTM, 2 layers (no bridge, c carried), input feeding',
    {
      sourceVocab: 5,
      sourceEmbedding: 2,
      targetVocab: 4,
      targetEmbedding: 2,
      encoder: { cell: 'lstm', hiddenSize: 3, numLayers: 2 },
      decoder: { cell: 'lstm', hiddenSize: 3, numLayers: 2 },
      attention: null,
      inputFeeding: true,
    },
  ],
];
