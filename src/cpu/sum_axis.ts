// CPU twin of shaders/sum_axis.wgsl: out = β·out + Σ of X [R, C] along an axis, in f64.

/** axis 0: out [C] = column sums; axis 1: out [R] = row sums. Accumulates into out when beta ≠ 0. */
export function sumAxisForward(x: Float64Array, R: number, C: number, axis: 0 | 1, out: Float64Array, beta: number): void {
  const outer = axis === 0 ? C : R;
  for (let o = 0; o < outer; o++) {
    let s = 0;
    if (axis === 0) for (let r = 0; r < R; r++) s += x[r * C + o];
    else for (let c = 0; c < C; c++) s += x[o * C + c];
    out[o] = beta !== 0 ? s + beta * out[o] : s;
  }
}
