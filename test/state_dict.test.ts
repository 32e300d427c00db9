// State dicts: PyTorch names out and in, safetensors and JSON round trips, and every malformed input
// refused with a typed error — with the weights left exactly as they were.
import { describe, expect, it } from 'vitest';
import {
  ParamSet,
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
        for (const n of Object.keys(sd))
          expectClose(back[n].data, sd[n].data, {
            atol: 0,
            rtol: dtype === 'F32' || be.kind === 'webgpu' ? 1e-7 : 0,
            label: `${dtype} ${n}`,
          });
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
  const cases: Array<
    [
      string,
      (sd: Record<string, { shape: number[]; data: Float64Array }>) => unknown,
      new (...a: never[]) => Error,
      RegExp,
    ]
  > = [
    [
      'a missing key',
      (sd) => Object.fromEntries(Object.entries(sd).filter(([n]) => n !== '2.bias')),
      ValueError,
      /missing \[2\.bias\]/,
    ],
    [
      'an unexpected key',
      (sd) => ({ ...sd, '4.weight': { shape: [1], data: [1] } }),
      ValueError,
      /unexpected \[4\.weight\]/,
    ],
    [
      'a wrong shape',
      (sd) => ({ ...sd, '0.weight': { shape: [3, 5], data: sd['0.weight'].data } }),
      ShapeError,
      /stateDict\['0\.weight'\]\.shape: expected \[5, 3\], got \[3, 5\]/,
    ],
    [
      'too few values',
      (sd) => ({ ...sd, '0.bias': { shape: [5], data: [1, 2] } }),
      ShapeError,
      /0\.bias'\]\.data: expected 5 values, got 2/,
    ],
    [
      'a NaN',
      (sd) => ({ ...sd, '2.weight': { shape: [2, 5], data: [1, 2, 3, 4, 5, 6, 7, 8, 9, NaN] } }),
      ValueError,
      /2\.weight'\]\.data\[9\]: expected a finite number, got NaN/,
    ],
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

/** A safetensors file with this exact header text (names as written, '__proto__' included) and zero data. */
function withHeaderText(text: string, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('malformed safetensors files', () => {
  const valid = saveSafetensors({ w: { shape: [2, 2], data: [1, 2, 3, 4] }, b: { shape: [2], data: [5, 6] } });
  const headerLen = Number(new DataView(valid.buffer).getBigUint64(0, true));
  const withHeader = (header: object, dataBytes = 24) => withHeaderText(JSON.stringify(header), dataBytes);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['too short', valid.subarray(0, 5), /too short/],
    [
      'header length past the end',
      (() => {
        const c = valid.slice();
        new DataView(c.buffer).setBigUint64(0, BigInt(1e9), true);
        return c;
      })(),
      /header length 1000000000 exceeds/,
    ],
    [
      'header not JSON',
      (() => {
        const c = valid.slice();
        c[8] = 0x7b;
        c[9] = 0x7b;
        return c;
      })(),
      /not valid UTF-8 JSON/,
    ],
    [
      'unsupported dtype',
      withHeader({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }),
      /dtype "F8_E4M3" not supported/,
    ],
    [
      'offsets outside the data',
      withHeader({ w: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }),
      /outside the 24 data bytes/,
    ],
    [
      'byte count not matching the shape',
      withHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }),
      /16 bytes for shape \[3\] of F32 \(expected 12\)/,
    ],
    [
      'overlapping tensors',
      withHeader({
        a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
        b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] },
      }),
      /overlap/,
    ],
    ['bad shape', withHeader({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }), /shape \[-1\] is not a list/],
    [
      'metadata not an object',
      withHeader({ __metadata__: 'pt' }),
      /__metadata__: expected an object of strings, got "pt"/,
    ],
    [
      'metadata with a non-string value',
      withHeader({ __metadata__: { format: 1 } }),
      /__metadata__\['format'\]: expected a string, got 1/,
    ],
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

describe('names are data: __proto__, constructor, prototype', () => {
  const HOSTILE = ['__proto__', 'constructor', 'prototype'];
  const entry = (offset: number) => `{"dtype":"F32","shape":[2],"data_offsets":[${offset},${offset + 8}]}`;
  const assertUnpolluted = () => {
    expect(({} as Record<string, unknown>).shape).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  };

  it('safetensors and JSON parsers keep them as plain keys (no prototype reached)', () => {
    const bytes = withHeaderText(
      `{${HOSTILE.map((n, i) => `"${n}":${entry(8 * i)}`).join(',')},"__metadata__":{"__proto__":"x"}}`,
      24,
    );
    const { tensors, metadata } = loadSafetensors(bytes);
    expect(Object.getPrototypeOf(tensors)).toBeNull();
    expect(Object.keys(tensors).sort()).toEqual([...HOSTILE].sort());
    for (const n of HOSTILE) expect(tensors[n].shape).toEqual([2]);
    expect(Object.keys(metadata)).toEqual(['__proto__']);
    const json = `{"format":"webgpu-rnn/state-dict","version":1,"tensors":{${HOSTILE.map((n) => `"${n}":{"shape":[1],"data":[7]}`).join(',')}}}`;
    const fromJson = stateDictFromJson(json);
    expect(Object.getPrototypeOf(fromJson)).toBeNull();
    expect(Object.keys(fromJson).sort()).toEqual([...HOSTILE].sort());
    assertUnpolluted();
  });

  it('writers keep them too: safetensors and JSON round trips, and saving a tensor named __metadata__ is refused', () => {
    const dict = Object.create(null) as Record<string, { shape: number[]; data: number[] }>;
    HOSTILE.forEach((n, i) => (dict[n] = { shape: [1], data: [i + 1] }));
    const viaSafetensors = loadSafetensors(saveSafetensors(dict)).tensors;
    const viaJson = stateDictFromJson(stateDictToJson(dict));
    for (const back of [viaSafetensors, viaJson])
      HOSTILE.forEach((n, i) => expect(Array.from(back[n].data)).toEqual([i + 1]));
    expect(() => saveSafetensors({ __metadata__: { shape: [1], data: [1] } })).toThrow(
      /tensor name '__metadata__' is reserved/,
    );
    assertUnpolluted();
  });

  it('loadStateDict: hostile names are unexpected keys (strict refuses, non-strict reports them); a parameter named so loads', async () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const model = mlp(be, [2, 1], { seed: 1 });
      const bytes = withHeaderText(`{${HOSTILE.map((n, i) => `"${n}":${entry(8 * i)}`).join(',')}}`, 24);
      const hostile = loadSafetensors(bytes).tensors;
      expect(() => model.loadStateDict(hostile)).toThrow(/unexpected \[__proto__, constructor, prototype\]/);
      const result = model.loadStateDict({ ...(await model.stateDict()), ...hostile }, { strict: false });
      expect(result.unexpectedKeys.sort()).toEqual([...HOSTILE].sort());
      model.release();

      // Parameters with these names (a custom layer could use them) go out and come back by name.
      const params = new ParamSet(
        be,
        HOSTILE.map((name, i) => ({ name, shape: [2], init: () => Float64Array.of(i, -i) })),
      );
      const saved = await params.stateDict();
      expect(Object.keys(saved)).toEqual(HOSTILE);
      expect(() => params.loadStateDict({})).toThrow(/missing \[__proto__, constructor, prototype\]/); // none is "in" {} by inheritance
      const reloaded = Object.create(null) as Record<string, { shape: number[]; data: number[] }>;
      HOSTILE.forEach((n) => (reloaded[n] = { shape: [2], data: [5, 6] }));
      expect(params.loadStateDict(loadSafetensors(saveSafetensors(reloaded)).tensors)).toEqual({
        missingKeys: [],
        unexpectedKeys: [],
      });
      for (const n of HOSTILE) expect(Array.from((await params.stateDict())[n].data)).toEqual([5, 6]);
      params.release();
    }
    assertUnpolluted();
  });
});

describe('loadStateDict reports what it skipped', () => {
  it('strict: false returns { missingKeys, unexpectedKeys } and loads the rest; strict returns both empty', async () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const model = mlp(be, [3, 5, 2], { seed: 1 });
      const other = mlp(be, [3, 5, 2], { seed: 2 });
      const sd = await other.stateDict();
      const partial = { '0.weight': sd['0.weight'], '2.bias': sd['2.bias'], 'head.weight': { shape: [1], data: [1] } };
      const before = await model.stateDict();
      expect(model.loadStateDict(partial, { strict: false })).toEqual({
        missingKeys: ['0.bias', '2.weight'],
        unexpectedKeys: ['head.weight'],
      });
      const after = await model.stateDict();
      expectClose(after['0.weight'].data, sd['0.weight'].data, { atol: 0, rtol: 1e-7, label: 'loaded 0.weight' });
      expect(Array.from(after['0.bias'].data)).toEqual(Array.from(before['0.bias'].data)); // missing: unchanged
      expect(model.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      model.release();
      other.release();
    }
  });
});
