// ONNX's protobuf messages as TypeScript objects, encoded and decoded by protobufjs/light with the schema in
// schema.ts (generated from onnx.proto, ONNX's own). Field names are ONNX's (snake_case, as in the spec);
// int64 fields come back as JS numbers (exact up to 2^53; INT64_MAX, which exporters write for "to the end"
// in Slice, reads as 9223372036854775807 rounded to 2^63); bytes come back as Uint8Array views.
import protobuf from 'protobufjs/light.js';
import { describeValue } from '../core/errors.js';
import { OnnxError } from './errors.js';
import { ONNX_SCHEMA } from './schema.js';

/** TensorProto.DataType: the element types this library writes or reads. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  SPARSE_TENSOR: 11,
  TYPE_PROTO: 13,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSORS: 12,
  TYPE_PROTOS: 14,
} as const;

/** TensorProto.DataLocation. */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

export interface OperatorSetIdProto {
  /** '' (or absent) is the default domain, ai.onnx. */
  domain?: string;
  version?: number;
}

export interface TensorProto {
  dims?: number[];
  /** A DataType value. */
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: number[];
  name?: string;
  doc_string?: string;
  /** Little-endian element bytes; when present, the typed *_data fields are empty. */
  raw_data?: Uint8Array;
  external_data?: StringStringEntryProto[];
  /** A DataLocation value. */
  data_location?: number;
  double_data?: number[];
  uint64_data?: number[];
}

export interface TensorShapeDimension {
  dim_value?: number;
  dim_param?: string;
  denotation?: string;
}

export interface TensorShapeProto {
  dim?: TensorShapeDimension[];
}

export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  sequence_type?: { elem_type?: TypeProto };
  map_type?: { key_type?: number; value_type?: TypeProto };
  optional_type?: { elem_type?: TypeProto };
  sparse_tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  denotation?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  doc_string?: string;
  metadata_props?: StringStringEntryProto[];
}

export interface AttributeProto {
  name?: string;
  ref_attr_name?: string;
  doc_string?: string;
  /** An AttributeType value. */
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeProto[];
  doc_string?: string;
  metadata_props?: StringStringEntryProto[];
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparse_initializer?: unknown[];
  doc_string?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
  metadata_props?: StringStringEntryProto[];
}

export interface ModelProto {
  ir_version?: number;
  opset_import?: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props?: StringStringEntryProto[];
  functions?: unknown[];
}

let modelType: protobuf.Type | undefined;

/** The ModelProto type, built from the schema on first use. */
function modelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');
  return modelType;
}

/** Serializes a model to ONNX's wire format (a .onnx file's bytes). Throws OnnxError for a field of the wrong type. */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelProto();
  const problem = type.verify(model);
  if (problem !== null) throw new OnnxError('model', 'a valid ModelProto', problem);
  const bytes = type.encode(type.fromObject(model as Record<string, unknown>)).finish();
  // A copy: protobufjs may hand out a view into a shared pool (Node's Buffer.allocUnsafe).
  return new Uint8Array(bytes);
}

/**
 * Parses a .onnx file's bytes. Every repeated field is an array (empty when absent); absent scalars are
 * undefined. Throws OnnxError for bytes that are not a ModelProto (truncated, corrupt, a wrong wire type).
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array))
    throw new OnnxError(
      'bytes',
      'a Uint8Array (an ArrayBuffer from fetch() or file.arrayBuffer() goes in as new Uint8Array(buffer))',
      describeValue(bytes),
    );
  const type = modelProto();
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (e) {
    throw new OnnxError('bytes', 'an ONNX ModelProto', `unreadable protobuf (${(e as Error).message})`);
  }
  return type.toObject(message, { longs: Number, enums: Number, arrays: true, defaults: false }) as ModelProto;
}

/** The UTF-8 bytes of a string attribute value, and back. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
