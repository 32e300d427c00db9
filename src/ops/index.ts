// The ops, one line each: every backend method, kernel list and delegation is made from this list.
import type { DeviceBase } from '../core/device.js';
import type { KernelSpec } from '../core/kernel.js';
import type { MethodsOf } from '../core/op.js';
import { recurrent } from './recurrent/index.js';
import { sample } from './sample/index.js';
import { matmul } from './matmul/index.js';
import { activation } from './activation/index.js';
import { reduce } from './reduce/index.js';
import { transpose01 } from './transpose01/index.js';
import { bidirMerge } from './bidir_merge/index.js';
import { sequenceMask } from './sequence_mask/index.js';
import { dropout } from './dropout/index.js';
import { embedding } from './embedding/index.js';
import { mse } from './mse/index.js';
import { smoothL1 } from './smooth_l1/index.js';
import { bceWithLogits } from './bce_with_logits/index.js';
import { crossEntropy } from './cross_entropy/index.js';
import { optimizer } from './optimizer/index.js';
import { sgd } from './sgd/index.js';
import { adam } from './adam/index.js';
import { rmsprop } from './rmsprop/index.js';
import { gradNorm } from './grad_norm/index.js';
import { segmentNorms } from './segment_norms/index.js';
import { gradClip } from './grad_clip/index.js';
import { attention } from './attention/index.js';
import { topk } from './topk/index.js';
import { beam } from './beam/index.js';
import { logSoftmax } from './log_softmax/index.js';

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
  mse,
  smoothL1,
  bceWithLogits,
  crossEntropy,
  optimizer,
  sgd,
  adam,
  rmsprop,
  gradNorm,
  segmentNorms,
  gradClip,
  attention,
  topk,
  beam,
  logSoftmax,
  recurrent,
] as const;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** Every op's methods, as one type. */
export type OpMethods = UnionToIntersection<MethodsOf<(typeof OPS)[number]>>;

/** Every kernel the WebGPU backend can dispatch. */
export const KERNELS: readonly KernelSpec[] = OPS.flatMap((op) => op.kernels);

/** A context from createContext(): tensors and bookkeeping (DeviceBase) and every op's methods. */
export interface Backend extends DeviceBase, OpMethods {}
