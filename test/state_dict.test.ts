// State dicts: PyTorch names out and in, safetensors and JSON round trips, and every malformed input
// refused with a typed error — with the weights left exactly as they were.
import { describe, expect, it } from 'vitest';
import {
  SafetensorsError,
  ShapeError,
  StateDictFormatError,
  ValueError,
  loadSafetensors,
  mlp,
  saveSafetensors,
  stateDictFromJson,
  stateDictToJson,
  type Backend,
} from '../src/index.js';
import { expectClose, useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();

describe('state dict names and round trips', () => {
  it('uses torch.nn.Sequential names and survives safetensors (F32, F64) and JSON', async () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const a = mlp(be, [3, 5, 2], { seed: 1 });
      const b = mlp(be, [3, 5, 2], { seed: 2 });
      const sd = await a.stateDict();
      expect(Object.keys(sd)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
      expect(sd['0.weight'].shape).toEqual([5, 3]);
      for (const dtype of ['F32', 'F64'] as const) {
        b.loadStateDict(loadSafetensors(saveSafetensors(sd, { dtype })).tensors);
        const back = await b.stateDict();
        for (const n of Object.keys(sd)) expectClose(back[n].data, sd[n].data, { atol: 0, rtol: dtype === 'F32' || be.kind === 'webgpu' ? 1e-7 : 0, label: `${dtype} ${n}` });
      }
      b.loadStateDict(stateDictFromJson(stateDictToJson(sd)));
      const back = await b.stateDict();
      for (const n of Object.keys(sd)) expect(Array.from(back[n].data)).toEqual(Array.from(sd[n].data));
      a.release();
      b.release();
    }
  });
});

describe('loadStateDict refuses bad dicts and changes nothing', () => {
  const good = async (be: Backend) => {
    const m = mlp(be, [3, 5, 2], { seed: 9 });
    const sd = await m.stateDict();
    m.release();
    return sd;
  };
  const cases: Array<[string, (sd: Record<string, { shape: number[]; data: Float64Array }>) => unknown, new (...a: never[]) => Error, RegExp]> = [
    ['a missing key', (sd) => Object.fromEntries(Object.entries(sd).filter(([n]) => n !== '2.bias')), ValueError, /missing \[2\.bias\]/],
    ['an unexpected key', (sd) => ({ ...sd, '4.weight': { shape: [1], data: [1] } }), ValueError, /unexpected \[4\.weight\]/],
    ['a wrong shape', (sd) => ({ ...sd, '0.weight': { shape: [3, 5], data: sd['0.weight'].data } }), ShapeError, /stateDict\['0\.weight'\]\.shape: expected \[5, 3\], got \[3, 5\]/],
    ['too few values', (sd) => ({ ...sd, '0.bias': { shape: [5], data: [1, 2] } }), ShapeError, /0\.bias'\]\.data: expected 5 values, got 2/],
    ['a NaN', (sd) => ({ ...sd, '2.weight': { shape: [2, 5], data: [1, 2, 3, 4, 5, 6, 7, 8, 9, NaN] } }), ValueError, /2\.weight'\]\.data\[9\]: expected a finite number, got NaN/],
  ];
  it.each(cases)('%s', async (_label, mutate, type, message) => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const model = mlp(be, [3, 5, 2], { seed: 1 });
      const before = await model.stateDict();
      const bad = mutate(await good(be)) as never;
      expect(() => model.loadStateDict(bad)).toThrow(type);
      expect(() => model.loadStateDict(bad)).toThrow(message);
      const after = await model.stateDict();
      for (const n of Object.keys(before)) expect(Array.from(after[n].data)).toEqual(Array.from(before[n].data));
      model.release();
    }
  });
});

describe('malformed safetensors files', () => {
  const valid = saveSafetensors({ w: { shape: [2, 2], data: [1, 2, 3, 4] }, b: { shape: [2], data: [5, 6] } });
  const headerLen = Number(new DataView(valid.buffer).getBigUint64(0, true));
  const withHeader = (header: object, dataBytes = 24) => {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['too short', valid.subarray(0, 5), /too short/],
    ['header length past the end', (() => { const c = valid.slice(); new DataView(c.buffer).setBigUint64(0, BigInt(1e9), true); return c; })(), /header length 1000000000 exceeds/],
    ['header not JSON', (() => { const c = valid.slice(); c[8] = 0x7b; c[9] = 0x7b; return c; })(), /not valid UTF-8 JSON/],
    ['unsupported dtype', withHeader({ w: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }), /dtype "I64" not supported/],
    ['offsets outside the data', withHeader({ w: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }), /outside the 24 data bytes/],
    ['byte count not matching the shape', withHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }), /16 bytes for shape \[3\] of F32 \(expected 12\)/],
    ['overlapping tensors', withHeader({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } }), /overlap/],
    ['bad shape', withHeader({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }), /shape \[-1\] is not a list/],
  ];
  it('reads the valid file', () => {
    expect(headerLen % 8).toBe(0);
    expect(Array.from(loadSafetensors(valid).tensors.w.data)).toEqual([1, 2, 3, 4]);
  });
  it.each(cases)('%s', (_label, bytes, message) => {
    expect(() => loadSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => loadSafetensors(bytes)).toThrow(message);
  });
  it('JSON: wrong format tag and malformed text', () => {
    expect(() => stateDictFromJson('{"format":"other","version":1,"tensors":{}}')).toThrow(StateDictFormatError);
    expect(() => stateDictFromJson('{not json')).toThrow(/does not parse/);
  });
});
