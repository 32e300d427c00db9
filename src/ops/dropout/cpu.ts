// Inverted dropout, the CPU twin of dropout.wgsl: the same masks bit for bit, from Philox4x32-10.
// Element i of a call keeps its value, scaled by 1/(1 − p), when lane i mod 4 of
// Philox4x32-10(counter = (⌊i/4⌋, step, stream, 0), key = (seed low 32 bits, seed high bits)) is below
// keepThreshold(p); otherwise it is 0. The mask is linear, so the backward pass is the same call on dL/dy.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { philox4x32, seedKey } from '../philox/philox.js';
import { dropoutChecks, dropoutScale, keepThreshold, type DropoutConfig } from './spec.js';

/** The keep mask (1 kept, 0 dropped) of n elements at a step. */
export function dropoutMask(n: number, config: DropoutConfig, step: number): Uint8Array {
  const keep = keepThreshold(config.p);
  const key = seedKey(config.seed);
  const mask = new Uint8Array(n);
  for (let block = 0; block * 4 < n; block++) {
    const r = philox4x32([block, step, config.stream, 0], key);
    for (let j = 0; j < 4 && block * 4 + j < n; j++) mask[block * 4 + j] = r[j] < keep ? 1 : 0;
  }
  return mask;
}

/** y = x ⊙ mask / (1 − p); also dL/dx from dL/dy at the same step (the mask is linear). */
export function dropoutForward(x: Float64Array, config: DropoutConfig, step: number): Float64Array {
  const mask = dropoutMask(x.length, config, step);
  const scale = dropoutScale(config.p);
  return x.map((v, i) => (mask[i] ? v * scale : 0));
}

export function dropout(cpu: CpuDevice, x: Tensor, step: Tensor, nextStep: Tensor, config: DropoutConfig): Tensor {
  dropoutChecks(x, step, nextStep, config);
  const counter = cpu.data(step, 'step')[0];
  const y = cpu.wrap(dropoutForward(cpu.data(x, 'x'), config, counter), x.shape);
  cpu.data(nextStep, 'nextStep')[0] = (counter + 1) >>> 0; // a u32, as on the GPU
  return y;
}
