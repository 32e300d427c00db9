// CPU twin of shaders/grad_clip.wgsl, in place, in f64.

export function gradScaleForward(grad: Float64Array, gscale: Float64Array): void {
  for (let i = 0; i < grad.length; i++) grad[i] *= gscale[1];
}

export function gradClampForward(grad: Float64Array, clipValue: number): void {
  for (let i = 0; i < grad.length; i++) grad[i] = Math.min(Math.max(grad[i], -clipValue), clipValue);
}
