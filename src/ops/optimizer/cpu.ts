// CPU twin of step_advance.wgsl.
import type { CpuDevice } from '../../core/device.js';
import type { Tensor } from '../../core/tensor.js';

export function advanceStep(cpu: CpuDevice, step: Tensor, gscale: Tensor): void {
  const [s, g] = [cpu.data(step, 'step'), cpu.data(gscale, 'gscale')];
  if (g[2] === 0) s[0] += 1;
}
