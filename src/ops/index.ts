// The ops, one line each: every backend method, kernel list and delegation is made from this list.
import type { DeviceBase } from '../core/device.js';
import type { KernelSpec } from '../core/kernel.js';
import type { MethodsOf } from '../core/op.js';
import { sample } from './sample/index.js';
import { matmul } from './matmul/index.js';
import { activation } from './activation/index.js';
import { reduce } from './reduce/index.js';
import { transpose01 } from './transpose01/index.js';
import { bidirMerge } from './bidir_merge/index.js';
import { sequenceMask } from './sequence_mask/index.js';
import { dropout } from './dropout/index.js';
import { embedding } from './embedding/index.js';

export const OPS = [
  sample,
  matmul,
  activation,
  reduce,
  transpose01,
  bidirMerge,
  sequenceMask,
  dropout,
  embedding,
] as const;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** Every op's methods, as one type. */
export type OpMethods = UnionToIntersection<MethodsOf<(typeof OPS)[number]>>;

/** Every kernel the WebGPU backend can dispatch. */
export const KERNELS: readonly KernelSpec[] = OPS.flatMap((op) => op.kernels);

export type { DeviceBase };
