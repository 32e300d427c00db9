// CPU twin of shaders/sum_squares.wgsl: Σ over several arrays of x², in f64.

export function sumSquaresForward(arrays: readonly Float64Array[]): number {
  let s = 0;
  for (const x of arrays) for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}
