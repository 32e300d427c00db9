// safetensors, the format PyTorch users already have (torch / safetensors.torch.save_file):
// 8-byte little-endian header length N, N bytes of JSON header, then the raw little-endian data.
// Loading validates everything (header length, JSON, dtypes, shapes, offsets inside the file and
// without overlap) and throws a SafetensorsError naming what is wrong. Tensor names are data: the
// dicts made here have no prototype, so a name like '__proto__' or 'constructor' is just a key.
import { checkOptions, expectArrayLike, expectObject } from '../core/checks.js';
import { WebGpuRnnError } from '../core/errors.js';
import type { StateDict } from '../core/state.js';

export class SafetensorsError extends WebGpuRnnError {}

// Integer dtypes (a BatchNorm's num_batches_tracked, token ids) are read into the same f64 data, exact to 2^53.
const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
} as const;
type DType = keyof typeof DTYPE_BYTES;

export type SavedTensor = { shape: number[]; data: Float64Array };

const METADATA = '__metadata__';

/** Serialises named tensors as F32 (default) or F64 safetensors. */
export function saveSafetensors(
  dict: StateDict,
  options: { dtype?: 'F32' | 'F64'; metadata?: Record<string, string> } = {},
): Uint8Array {
  expectObject('dict', dict, 'a state dict { name: { shape, data } } (await model.stateDict())');
  checkOptions('options', options, ['dtype', 'metadata']);
  const dtype = options.dtype ?? 'F32';
  if (dtype !== 'F32' && dtype !== 'F64')
    throw new SafetensorsError(`dtype: expected 'F32' or 'F64', got ${JSON.stringify(dtype)}`);
  const bytesPer = DTYPE_BYTES[dtype];
  const names = Object.keys(dict).sort();
  if (names.includes(METADATA))
    throw new SafetensorsError(`tensor name '${METADATA}' is reserved for the file's metadata`);
  const header: Record<string, unknown> = Object.create(null);
  if (options.metadata) header[METADATA] = options.metadata;
  let offset = 0;
  for (const name of names) {
    expectObject(`dict['${name}']`, dict[name], '{ shape, data }');
    const { shape, data } = dict[name];
    expectArrayLike(`dict['${name}'].shape`, shape, 'a list of sizes');
    expectArrayLike(`dict['${name}'].data`, data);
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n)
      throw new SafetensorsError(`tensor '${name}': shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, offset + n * bytesPer] };
    offset += n * bytesPer;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // align the data to 8 bytes, as the reference writer does
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = dict[name];
    for (let i = 0; i < data.length; i++, pos += bytesPer) {
      if (dtype === 'F32') view.setFloat32(pos, data[i], true);
      else view.setFloat64(pos, data[i], true);
    }
  }
  return out;
}

/**
 * Parses safetensors bytes into named f64 tensors (F64, F32, F16, BF16 and the integers I64, I32, I16, I8, U64,
 * U32, U16, U8, BOOL are read; an I64 or U64 value beyond ±(2^53 − 1) is refused naming its tensor); both dicts have no prototype.
 */
export function loadSafetensors(bytes: Uint8Array): {
  tensors: Record<string, SavedTensor>;
  metadata: Record<string, string>;
} {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError(`expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 8) throw new SafetensorsError(`file too short for a header length: ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(bytes.length - 8))
    throw new SafetensorsError(`header length ${headerLen} exceeds the ${bytes.length - 8} bytes after it`);
  const n = Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new SafetensorsError('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const tensors: Record<string, SavedTensor> = Object.create(null);
  const metadata: Record<string, string> = Object.create(null);
  const ranges: Array<[number, number, string]> = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA) {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
        throw new SafetensorsError(`${METADATA}: expected an object of strings, got ${JSON.stringify(entry)}`);
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string')
          throw new SafetensorsError(`${METADATA}['${key}']: expected a string, got ${JSON.stringify(value)}`);
        metadata[key] = value;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw new SafetensorsError(`tensor '${name}': entry is not an object`);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) {
      throw new SafetensorsError(
        `tensor '${name}': dtype ${JSON.stringify(e.dtype)} not supported (expected one of ${Object.keys(DTYPE_BYTES).join(', ')})`,
      );
    }
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      throw new SafetensorsError(
        `tensor '${name}': shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`,
      );
    const offs = e.data_offsets;
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((o) => Number.isInteger(o) && o >= 0) ||
      offs[0] > offs[1]
    ) {
      throw new SafetensorsError(`tensor '${name}': data_offsets ${JSON.stringify(offs)} is not [begin, end]`);
    }
    const dtype = e.dtype as DType;
    const count = (e.shape as number[]).reduce((a, b) => a * b, 1);
    const [begin, end] = offs as [number, number];
    if (end > dataLen)
      throw new SafetensorsError(`tensor '${name}': data_offsets [${begin}, ${end}] outside the ${dataLen} data bytes`);
    if (end - begin !== count * DTYPE_BYTES[dtype]) {
      throw new SafetensorsError(
        `tensor '${name}': ${end - begin} bytes for shape [${(e.shape as number[]).join(', ')}] of ${dtype} (expected ${count * DTYPE_BYTES[dtype]})`,
      );
    }
    ranges.push([begin, end, name]);
    tensors[name] = { shape: e.shape as number[], data: decode(view, dataStart + begin, count, dtype, name) };
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1])
      throw new SafetensorsError(`tensors '${ranges[i - 1][2]}' and '${ranges[i][2]}' overlap`);
  }
  return { tensors, metadata };
}

function decode(view: DataView, pos: number, count: number, dtype: DType, name: string): Float64Array {
  const out = new Float64Array(count);
  const step = DTYPE_BYTES[dtype];
  for (let i = 0; i < count; i++, pos += step) {
    if (dtype === 'I64' || dtype === 'U64') {
      const v = dtype === 'I64' ? view.getBigInt64(pos, true) : view.getBigUint64(pos, true);
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
        throw new SafetensorsError(
          `tensor '${name}': ${dtype} value ${v} at element ${i} is beyond ±(2^53 − 1), the integers a float64 holds exactly`,
        );
      out[i] = Number(v);
    } else if (dtype === 'I32') out[i] = view.getInt32(pos, true);
    else if (dtype === 'I16') out[i] = view.getInt16(pos, true);
    else if (dtype === 'U32') out[i] = view.getUint32(pos, true);
    else if (dtype === 'U16') out[i] = view.getUint16(pos, true);
    else if (dtype === 'I8') out[i] = view.getInt8(pos);
    else if (dtype === 'U8') out[i] = view.getUint8(pos);
    else if (dtype === 'BOOL') out[i] = view.getUint8(pos) === 0 ? 0 : 1;
    else if (dtype === 'F32') out[i] = view.getFloat32(pos, true);
    else if (dtype === 'F64') out[i] = view.getFloat64(pos, true);
    else if (dtype === 'BF16') out[i] = bf16(view.getUint16(pos, true));
    else out[i] = f16(view.getUint16(pos, true));
  }
  return out;
}

function bf16(bits: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, bits << 16);
  return buf.getFloat32(0);
}

function f16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
