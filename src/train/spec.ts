// Optimizers and learning-rate schedules as plain data (their class name as `type`, then their options),
// for what is described rather than constructed: a trainer in a worker (createWorkerTrainer).
import { expectObject, unknownType } from '../core/checks.js';
import type { ParamSet } from '../nn/params.js';
import {
  Adam,
  AdamW,
  RMSprop,
  SGD,
  type AdamOptions,
  type Optimizer,
  type RmspropOptions,
  type SgdOptions,
} from './optim.js';
import {
  CosineAnnealingLR,
  LinearLR,
  ReduceLROnPlateau,
  StepLR,
  type LrScheduler,
  type PlateauOptions,
} from './schedules.js';

export type OptimizerSpec =
  | ({ type: 'SGD' } & SgdOptions)
  | ({ type: 'Adam' } & AdamOptions)
  | ({ type: 'AdamW' } & AdamOptions)
  | ({ type: 'RMSprop' } & RmspropOptions);

export type ScheduleSpec =
  | { type: 'StepLR'; stepSize: number; gamma?: number }
  | { type: 'CosineAnnealingLR'; tMax: number; etaMin?: number }
  | { type: 'LinearLR'; startFactor?: number; endFactor?: number; totalIters?: number }
  | ({ type: 'ReduceLROnPlateau' } & PlateauOptions);

/** The `type` of a spec, checked against the known names; the rest of the spec is the options. */
function typeOf<T extends string>(argument: string, spec: unknown, types: readonly T[]): T {
  expectObject(argument, spec, `{ type: ${types.map((t) => `'${t}'`).join(' | ')}, …options }`);
  const type = (spec as { type?: unknown }).type;
  if (!types.includes(type as T)) throw unknownType(`${argument}.type`, type, types);
  return type as T;
}

/** new SGD / Adam / AdamW / RMSprop(params, options) from { type, ...options }. */
export function optimizerFromSpec(params: ParamSet, spec: OptimizerSpec): Optimizer {
  const type = typeOf('optimizer', spec, ['SGD', 'Adam', 'AdamW', 'RMSprop'] as const);
  const { type: _, ...options } = spec;
  if (type === 'SGD') return new SGD(params, options as SgdOptions);
  if (type === 'Adam') return new Adam(params, options);
  if (type === 'AdamW') return new AdamW(params, options);
  return new RMSprop(params, options);
}

/** new StepLR / CosineAnnealingLR / LinearLR / ReduceLROnPlateau(optimizer, options) from { type, ...options }. */
export function scheduleFromSpec(optimizer: Optimizer, spec: ScheduleSpec): LrScheduler {
  const type = typeOf('schedule', spec, ['StepLR', 'CosineAnnealingLR', 'LinearLR', 'ReduceLROnPlateau'] as const);
  const { type: _, ...options } = spec as { type: string };
  if (type === 'StepLR') return new StepLR(optimizer, options as { stepSize: number });
  if (type === 'CosineAnnealingLR') return new CosineAnnealingLR(optimizer, options as { tMax: number });
  if (type === 'LinearLR') return new LinearLR(optimizer, options);
  return new ReduceLROnPlateau(optimizer, options);
}
