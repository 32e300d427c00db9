// CPU twin of shaders/segment_norms.wgsl: the L2 norm of each (offset, length) segment, in f64.

export function segmentNormsForward(x: Float64Array, segments: Float64Array): Float64Array {
  const out = new Float64Array(segments.length / 2);
  for (let s = 0; s < out.length; s++) {
    let sum = 0;
    for (let i = segments[2 * s]; i < segments[2 * s] + segments[2 * s + 1]; i++) sum += x[i] * x[i];
    out[s] = Math.sqrt(sum);
  }
  return out;
}
