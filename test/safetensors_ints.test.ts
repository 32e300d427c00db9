// Integer tensors in safetensors files (a BatchNorm's num_batches_tracked, saved token ids): read into
// the f64 data, exact to 2^53; a larger I64 is refused naming its tensor; the float weights of such a
// checkpoint load into a model with loadStateDict(…, { strict: false }), the rest reported as unexpected.
import { describe, expect, it } from 'vitest';
import { CpuBackend, Linear, SafetensorsError, Sequential, loadSafetensors } from '../src/index.js';
import { readFileSync } from 'node:fs';
import { fixturePath, readFixture } from './fixtures.js';

type Entry = { dtype: string; shape: number[]; bytes: Uint8Array };

/** A safetensors file holding these raw entries, in order. */
function file(entries: Record<string, Entry>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, e] of Object.entries(entries)) {
    header[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const e of Object.values(entries)) {
    out.set(e.bytes, pos);
    pos += e.bytes.length;
  }
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('safetensors integer dtypes', () => {
  it('reads I64, I32, I16, I8, U64, U32, U16, U8 and BOOL into f64 data, exact to 2^53', () => {
    const big = 2 ** 53 - 1;
    const { tensors } = loadSafetensors(
      file({
        i64: { dtype: 'I64', shape: [4], bytes: bytesOf(BigInt64Array.of(0n, -3n, BigInt(big), -BigInt(big))) },
        i32: { dtype: 'I32', shape: [2], bytes: bytesOf(Int32Array.of(-(2 ** 31), 2 ** 31 - 1)) },
        i16: { dtype: 'I16', shape: [2], bytes: bytesOf(Int16Array.of(-32768, 32767)) },
        i8: { dtype: 'I8', shape: [2], bytes: bytesOf(Int8Array.of(-128, 127)) },
        u64: { dtype: 'U64', shape: [1], bytes: bytesOf(BigUint64Array.of(BigInt(big))) },
        u32: { dtype: 'U32', shape: [1], bytes: bytesOf(Uint32Array.of(2 ** 32 - 1)) },
        u16: { dtype: 'U16', shape: [1], bytes: bytesOf(Uint16Array.of(65535)) },
        u8: { dtype: 'U8', shape: [2], bytes: Uint8Array.of(0, 255) },
        flags: { dtype: 'BOOL', shape: [2, 1], bytes: Uint8Array.of(1, 0) },
      }),
    );
    expect(Array.from(tensors.i64.data)).toEqual([0, -3, big, -big]);
    expect(Array.from(tensors.i32.data)).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    expect(Array.from(tensors.i16.data)).toEqual([-32768, 32767]);
    expect(Array.from(tensors.i8.data)).toEqual([-128, 127]);
    expect(Array.from(tensors.u64.data)).toEqual([big]);
    expect(Array.from(tensors.u32.data)).toEqual([2 ** 32 - 1]);
    expect(Array.from(tensors.u16.data)).toEqual([65535]);
    expect(Array.from(tensors.u8.data)).toEqual([0, 255]);
    expect(tensors.flags).toEqual({ shape: [2, 1], data: Float64Array.of(1, 0) });
  });

  it('refuses an I64 beyond 2^53 - 1, naming the tensor and the value', () => {
    const bytes = file({ ids: { dtype: 'I64', shape: [2], bytes: bytesOf(BigInt64Array.of(1n, 2n ** 53n)) } });
    expect(() => loadSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => loadSafetensors(bytes)).toThrow(/tensor 'ids': I64 value 9007199254740992 at element 1 is beyond/);
  });

  it('a torch checkpoint with integer tensors (fixtures/gen_int_checkpoint.py) loads its float weights with strict: false', () => {
    const expected =
      readFixture<Record<string, { dtype: string; shape: number[]; data: number[] }>>('int_checkpoint.json');
    const { tensors } = loadSafetensors(new Uint8Array(readFileSync(fixturePath('int_checkpoint.safetensors'))));
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected).sort());
    expect(expected['1.num_batches_tracked'].dtype).toBe('torch.int64');
    for (const [name, e] of Object.entries(expected)) {
      expect(tensors[name].shape, name).toEqual(e.shape);
      expect(Array.from(tensors[name].data), name).toEqual(e.data);
    }
    expect(Array.from(tensors['1.num_batches_tracked'].data)).toEqual([3]);
    const model = new Sequential(new CpuBackend(), [new Linear(3, 2)], { seed: 1 });
    const result = model.loadStateDict(tensors, { strict: false });
    expect(result.missingKeys).toEqual([]);
    expect(result.unexpectedKeys.sort()).toEqual(
      ['1.bias', '1.num_batches_tracked', '1.running_mean', '1.running_var', '1.weight', 'vocab_ids'].sort(),
    );
    return model.stateDict().then((d) => {
      expect(Array.from(d['0.weight'].data)).toEqual(expected['0.weight'].data);
      expect(Array.from(d['0.bias'].data)).toEqual(expected['0.bias'].data);
    });
  });
});
