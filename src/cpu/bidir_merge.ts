// CPU twin of shaders/bidir_merge.wgsl and bidir_merge_backward.wgsl, in f64.

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';
export const MERGE_IDS = { sum: 0, mul: 1, ave: 2 } as const;

/** x [rows, 2H] = [fwd; bwd] → y [rows, H]. */
export function bidirMergeForward(x: Float64Array, H: number, mode: Exclude<MergeMode, 'concat'>): Float64Array {
  const rows = x.length / (2 * H);
  const y = new Float64Array(rows * H);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < H; j++) {
      const f = x[r * 2 * H + j];
      const b = x[r * 2 * H + H + j];
      y[r * H + j] = mode === 'sum' ? f + b : mode === 'mul' ? f * b : 0.5 * (f + b);
    }
  }
  return y;
}

/** dY [rows, H] → dX [rows, 2H]. */
export function bidirMergeBackward(
  x: Float64Array,
  dy: Float64Array,
  H: number,
  mode: Exclude<MergeMode, 'concat'>,
): Float64Array {
  const dx = new Float64Array(x.length);
  for (let i = 0; i < dy.length; i++) {
    const fi = Math.floor(i / H) * 2 * H + (i % H);
    const ri = fi + H;
    const g = dy[i];
    dx[fi] = mode === 'sum' ? g : mode === 'mul' ? g * x[ri] : 0.5 * g;
    dx[ri] = mode === 'sum' ? g : mode === 'mul' ? g * x[fi] : 0.5 * g;
  }
  return dx;
}
