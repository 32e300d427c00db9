// The `webgpu-rnn/onnx` entry: ONNX export and import, and the protobuf layer under them. A separate entry so
// that an app that never touches ONNX bundles none of it (nor protobufjs).
/**
 * ONNX export and ONNX's protobuf messages: `import { exportOnnx } from 'webgpu-rnn/onnx'`.
 * @module webgpu-rnn/onnx
 */
export { OnnxError } from './errors.js';
export {
  AttributeType,
  DataLocation,
  DataType,
  decodeModel,
  encodeModel,
  fromUtf8,
  utf8,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type OperatorSetIdProto,
  type StringStringEntryProto,
  type TensorProto,
  type TensorShapeDimension,
  type TensorShapeProto,
  type TypeProto,
  type ValueInfoProto,
} from './proto.js';
export {
  DEFAULT_OPSET,
  exportOnnx,
  f16Bits,
  MAX_OPSET,
  PRODUCER_NAME,
  PRODUCER_VERSION,
  type ExportOnnxOptions,
} from './export.js';
export { IMPORT_OPSETS, OnnxUnsupportedError, importOnnx, type ImportOnnxOptions } from './import.js';
