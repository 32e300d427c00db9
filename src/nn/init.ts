// Seeded initialisation. 'default' is PyTorch's nn.Linear / nn.RNN default, U(-1/√fanIn, 1/√fanIn);
// 'xavier' is Glorot uniform, U(±√(6/(fanIn+fanOut))); 'he' is Kaiming normal for ReLU, N(0, 2/fanIn).
import { ValueError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

export type InitName = 'default' | 'xavier' | 'he';

export function checkInit(argument: string, init: string): asserts init is InitName {
  if (!['default', 'xavier', 'he'].includes(init))
    throw new ValueError(argument, "'default', 'xavier' or 'he'", JSON.stringify(init));
}

export function initWeight(rng: Rng, init: InitName, fanOut: number, fanIn: number): Float64Array {
  const n = fanOut * fanIn;
  switch (init) {
    case 'default': {
      const bound = 1 / Math.sqrt(fanIn);
      return rng.uniformArray(n, -bound, bound);
    }
    case 'xavier': {
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      return rng.uniformArray(n, -bound, bound);
    }
    case 'he': {
      const std = Math.sqrt(2 / fanIn);
      return Float64Array.from({ length: n }, () => std * rng.normal());
    }
  }
}

/** PyTorch's default bias init for every scheme here: U(-1/√fanIn, 1/√fanIn). */
export function initBias(rng: Rng, fanIn: number, n: number): Float64Array {
  const bound = 1 / Math.sqrt(fanIn);
  return rng.uniformArray(n, -bound, bound);
}
