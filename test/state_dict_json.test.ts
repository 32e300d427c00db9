// stateDictToJson / stateDictFromJson refuse what saveSafetensors refuses, with messages that show the
// values as they came (a string "2" is not the size 2).
import { describe, expect, it } from 'vitest';
import {
  CpuBackend,
  Linear,
  SafetensorsError,
  Sequential,
  ShapeError,
  StateDictFormatError,
  ValueError,
  WebGpuRnnError,
  saveSafetensors,
  stateDictFromJson,
  stateDictToJson,
} from '../src/index.js';

const json = (tensors: unknown) => JSON.stringify({ format: 'webgpu-rnn/state-dict', version: 1, tensors });

describe('state-dict JSON', () => {
  it('a shape holding strings is refused when read, quoting the values with their types', () => {
    const text = json({ '0.bias': { shape: ['2'], data: [1, 2] } });
    expect(() => stateDictFromJson(text)).toThrow(StateDictFormatError);
    expect(() => stateDictFromJson(text)).toThrow(
      `tensor '0.bias': shape ["2"] is not a list of non-negative integers (shape[0] is "2", a string)`,
    );
  });

  it('loadStateDict given a shape of strings says so, never "expected [2], got [2]"', () => {
    const model = new Sequential(new CpuBackend(), [new Linear(1, 2)], { seed: 1 });
    const dict = { '0.weight': { shape: [2, 1], data: [1, 2] }, '0.bias': { shape: ['2'], data: [1, 2] } };
    expect(() => model.loadStateDict(dict as never)).toThrow(ShapeError);
    expect(() => model.loadStateDict(dict as never)).toThrow(
      `stateDict['0.bias'].shape: expected [2], got ["2"] (shape[0] is "2", a string)`,
    );
  });

  it('data shorter than the shape is refused when read', () => {
    expect(() => stateDictFromJson(json({ w: { shape: [2, 2], data: [1, 2, 3] } }))).toThrow(
      `tensor 'w': shape [2, 2] needs 4 values, got 3`,
    );
  });

  it('stateDictToJson({ a: 1 }) is refused by name as saveSafetensors refuses it (no raw TypeError)', () => {
    for (const write of [stateDictToJson, saveSafetensors] as Array<(d: never) => unknown>) {
      let e: unknown;
      try {
        write({ a: 1 } as never);
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message).toBe(`dict['a']: expected { shape, data }, got 1`);
    }
  });

  it('stateDictToJson refuses data shorter than the shape, as saveSafetensors does', () => {
    const dict = { w: { shape: [2, 2], data: [1, 2, 3] } };
    expect(() => saveSafetensors(dict)).toThrow(SafetensorsError);
    expect(() => stateDictToJson(dict)).toThrow(WebGpuRnnError);
    expect(() => stateDictToJson(dict)).toThrow(`tensor 'w': shape [2, 2] needs 4 values, got 3`);
  });

  it('a valid dict round-trips, non-finite values included', () => {
    const dict = { w: { shape: [3], data: [0.1, Infinity, NaN] } };
    const back = stateDictFromJson(stateDictToJson(dict));
    expect(back.w.shape).toEqual([3]);
    expect(Array.from(back.w.data)).toEqual([0.1, Infinity, NaN]);
  });
});
