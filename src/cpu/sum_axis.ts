// CPU twin of shaders/sum_axis.wgsl: out = β·out + Σ of X [R, C] (or of X²) along an axis, in f64.

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
