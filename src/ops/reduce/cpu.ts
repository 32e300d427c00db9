// CPU twins of sum_axis.wgsl (out = β·out + Σ of X [R, C], or of X², along an axis) and sum_reduce.wgsl
// (scale · Σ over several arrays of x or x²), in f64.
import { expectArrayLike } from '../../core/checks.js';
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';
import { SUM_AXIS_OPTIONS, sumAxisDims, type SumAxisOptions } from './spec.js';
import { checkOptions } from '../../core/checks.js';

/** axis 0: out [C] = column sums; axis 1: out [R] = row sums. Accumulates into out when beta ≠ 0. */
export function sumAxisForward(
  x: Float64Array,
  R: number,
  C: number,
  axis: 0 | 1,
  out: Float64Array,
  beta: number,
  square = false,
): void {
  const outer = axis === 0 ? C : R;
  for (let o = 0; o < outer; o++) {
    let s = 0;
    for (let k = 0; k < (axis === 0 ? R : C); k++) {
      const v = axis === 0 ? x[k * C + o] : x[o * C + k];
      s += square ? v * v : v;
    }
    out[o] = beta !== 0 ? s + beta * out[o] : s;
  }
}

export function sumReduceForward(arrays: readonly Float64Array[], square: boolean, scale = 1): number {
  let s = 0;
  for (const x of arrays) for (let i = 0; i < x.length; i++) s += square ? x[i] * x[i] : x[i];
  return scale * s;
}

export function sumAxis(cpu: CpuDevice, x: Tensor, axis: 0 | 1, options: SumAxisOptions = {}): Tensor {
  checkOptions('sumAxis options', options, SUM_AXIS_OPTIONS);
  const beta = options.beta ?? 0;
  const { R, C, outLen } = sumAxisDims(x, axis, options.out, beta);
  const out = options.out ?? cpu.zeros([outLen]);
  sumAxisForward(cpu.data(x, 'x'), R, C, axis, cpu.data(out, 'out'), beta, options.square ?? false);
  return out;
}

export function sumSquares(cpu: CpuDevice, ts: readonly Tensor[]): Tensor {
  expectArrayLike('tensors', ts, 'a list of tensors');
  const total = sumReduceForward(
    ts.map((t, i) => cpu.data(t, `tensors[${i}]`)),
    true,
  );
  return cpu.wrap(Float64Array.of(total), [1]);
}

export function sum(cpu: CpuDevice, x: Tensor, scale = 1): Tensor {
  return cpu.wrap(Float64Array.of(sumReduceForward([cpu.data(x, 'x')], false, scale)), [1]);
}
