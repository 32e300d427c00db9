// The ONNX fixtures (fixtures/onnx/, written by fixtures/onnx_gen.py with torch 1.13's torch.onnx.export).
import { readFileSync } from 'node:fs';
import type { FixtureTensor } from './fixtures.js';
import { fixturePath } from './fixtures.js';

export interface OnnxFixture {
  opset: number;
  /** The layers the import builds, by class ('Activation' for an ActivationLayer). */
  layers: string[];
  ids: boolean;
  x: FixtureTensor;
  /** PyTorch's output of the f32 weights' values run in float64, and of the f32 run. */
  output: FixtureTensor;
  output_f32: FixtureTensor;
  state_dict: Record<string, FixtureTensor>;
}

/** The fixtures the import reads (each has a .json beside its .onnx). */
export const IMPORT_FIXTURES = [
  'lstm_1layer',
  'lstm_stacked_bidir',
  'lstm_bidir_batchfirst',
  'gru_1layer',
  'gru_stacked_bidir_batchfirst',
  'gru_nobias_stacked',
  'rnn_tanh_batchfirst',
  'rnn_relu_stacked_bidir',
  'rnn_seq_linear',
  'mlp_relu_tanh_sigmoid',
  'mlp_leakyrelu_elu',
  'embedding_gru_last_linear',
  'lstm_stacked_last_linear',
  'gru_bidir_hn_linear',
  'lstm_hn_linear',
  'gru_slice_last_linear',
  'rnn_slice_last_linear',
];

export function onnxBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(`onnx/${name}.onnx`)));
}
