// The ops, one line each: every backend method, kernel list and delegation is made from this list.
import type { DeviceBase } from '../core/device.js';
import type { KernelSpec } from '../core/kernel.js';
import type { MethodsOf } from '../core/op.js';
import { recurrent } from './recurrent/index.js';
import { sample } from './sample/index.js';

export const OPS = [sample, recurrent] as const;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** Every op's methods, as one type. */
export type OpMethods = UnionToIntersection<MethodsOf<(typeof OPS)[number]>>;

/** Every kernel the WebGPU backend can dispatch. */
export const KERNELS: readonly KernelSpec[] = OPS.flatMap((op) => op.kernels);

export type { DeviceBase };
