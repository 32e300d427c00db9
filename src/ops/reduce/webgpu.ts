// Reductions on the GPU (sum_axis.wgsl, sum_reduce.wgsl; CPU twins in cpu.ts): row or column sums of a
// matrix, and deterministic two-stage totals (no float atomics).
import sumAxisCode from './sum_axis.wgsl?raw';
import sumReduceCode from './sum_reduce.wgsl?raw';
import { SUM_AXIS_OPTIONS, sumAxisDims, type SumAxisOptions } from './spec.js';
import { checkOptions } from '../../core/checks.js';
import { expectArrayLike } from '../../core/checks.js';
import type { GpuDevice } from '../../core/device.js';
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { ELEMENTWISE_WG, kernel } from '../../core/kernel.js';

const REDUCE_WG = 256;
const REDUCE_MAX_GROUPS = 64;

export const SUM_AXIS = kernel({
  name: 'sum_axis',
  code: sumAxisCode,
  params: { R: 'u32', C: 'u32', row_stride: 'u32', beta: 'f32' },
  storage: { x: 'read', out: 'read_write' },
});

export const SUM_REDUCE = kernel({
  name: 'sum_reduce',
  code: sumReduceCode,
  params: { n: 'u32', chunk: 'u32', out_offset: 'u32', scale: 'f32' },
  storage: { x: 'read', out: 'read_write' },
});

/** Workgroups of a two-stage reduction over n values and the chunk each one sums. */
export function reducePlan(n: number): { groups: number; chunk: number } {
  const groups = Math.min(REDUCE_MAX_GROUPS, Math.ceil(n / (REDUCE_WG * 8)));
  return { groups, chunk: Math.ceil(n / groups) };
}

export function sumAxis(gpu: GpuDevice, x: Tensor, axis: 0 | 1, options: SumAxisOptions = {}): Tensor {
  checkOptions('sumAxis options', options, SUM_AXIS_OPTIONS);
  const beta = options.beta ?? 0;
  const { R, C, outLen } = sumAxisDims(x, axis, options.out, beta);
  const out = options.out ?? gpu.empty([outLen], 'sum out');
  gpu.storage(out, 'out');
  gpu.checkNoAlias(out, 'out', { x });
  const { groups, rowStride } = gpu.grid1d(outLen, ELEMENTWISE_WG);
  gpu.dispatch(
    SUM_AXIS,
    { AXIS: axis, WG: ELEMENTWISE_WG, SQUARE: options.square ?? false },
    { R, C, row_stride: rowStride, beta },
    { x: gpu.binding(x, 'x'), out: gpu.binding(out, 'out') },
    groups,
  );
  return out;
}

/** scale · Σ over tensors of x (or x²): stage 1 writes each tensor's partials side by side, stage 2 sums them. */
export function reduce(gpu: GpuDevice, ts: readonly Tensor[], square: boolean, scale: number, label: string): Tensor {
  expectArrayLike('tensors', ts, 'a list of tensors');
  if (ts.length === 0) throw new ValueError('tensors', 'at least one tensor', 'an empty list');
  const plan = ts.map((t, i) => {
    gpu.storage(t, `tensors[${i}]`);
    return { t, ...reducePlan(t.size) };
  });
  const totalPartials = plan.reduce((s, p) => s + p.groups, 0);
  const partials = gpu.empty([totalPartials], `${label} partials`);
  let offset = 0;
  for (const p of plan) {
    gpu.dispatch(
      SUM_REDUCE,
      { SQUARE: square },
      { n: p.t.size, chunk: p.chunk, out_offset: offset, scale: 1 },
      { x: gpu.binding(p.t, 'tensor'), out: gpu.binding(partials, 'partials') },
      [p.groups],
    );
    offset += p.groups;
  }
  const out = gpu.empty([1], `${label} total`);
  gpu.dispatch(
    SUM_REDUCE,
    { SQUARE: false },
    { n: totalPartials, chunk: totalPartials, out_offset: 0, scale },
    { x: gpu.binding(partials, 'partials'), out: gpu.binding(out, 'out') },
    [1],
  );
  partials.release(); // later commands in this encoder may reuse it; they run after these
  return out;
}

export function sumSquares(gpu: GpuDevice, ts: readonly Tensor[]): Tensor {
  return reduce(gpu, ts, true, 1, 'sum_squares');
}

export function sum(gpu: GpuDevice, x: Tensor, scale = 1): Tensor {
  return reduce(gpu, [x], false, scale, 'sum');
}
