// CPU twin of shaders/sum_reduce.wgsl: scale · Σ over several arrays of x (or x²), in f64.

export function sumReduceForward(arrays: readonly Float64Array[], square: boolean, scale = 1): number {
  let s = 0;
  for (const x of arrays) for (let i = 0; i < x.length; i++) s += square ? x[i] * x[i] : x[i];
  return scale * s;
}
