// Token sampling on the GPU (sample.wgsl; CPU twin cpu.ts): one workgroup per row;
// the Philox step comes from a one-element GPU tensor, so the uniforms never change from token to token.
import philoxCode from '../philox/philox.wgsl?raw';
import sampleCode from './sample.wgsl?raw';
import { seedKey } from '../philox/philox.js';
import type { Tensor } from '../../core/tensor.js';
import type { GpuDevice } from '../../core/device.js';
import { sampleChecks, type SampleConfig, type SampleRows } from './spec.js';
import { kernel } from '../../core/kernel.js';

export const SAMPLE = kernel({
  name: 'sample',
  code: philoxCode + sampleCode,
  params: {
    vocab: 'u32',
    row_offset: 'u32',
    row_stride: 'u32',
    seed_lo: 'u32',
    seed_hi: 'u32',
    stream: 'u32',
    top_k: 'u32',
    greedy: 'u32',
    inv_temperature: 'f32',
  },
  storage: { logits: 'read', step_in: 'read', ids: 'read_write', probs: 'read_write', step_out: 'read_write' },
});

/** The workgroup size for V logits per row: the power of two ≥ V, at most 256 (the reductions halve it). */
export function sampleWorkgroup(V: number): number {
  return Math.min(256, 2 ** Math.ceil(Math.log2(V)));
}

export function sample(
  gpu: GpuDevice,
  logits: Tensor,
  step: Tensor,
  nextStep: Tensor,
  config: SampleConfig,
  rows?: SampleRows,
): { ids: Tensor; probs: Tensor } {
  const { B, V, offset, stride } = sampleChecks(logits, step, nextStep, config, rows);
  gpu.storage(logits, 'logits');
  const ids = gpu.empty([B], 'sample ids');
  const probs = gpu.empty([B], 'sample probs');
  const [seedLo, seedHi] = seedKey(config.seed);
  const greedy = config.temperature === 0;
  gpu.dispatch(
    SAMPLE,
    { WG: sampleWorkgroup(V) },
    {
      vocab: V,
      row_offset: offset,
      row_stride: stride,
      seed_lo: seedLo,
      seed_hi: seedHi,
      stream: config.stream,
      top_k: config.topK,
      greedy: greedy ? 1 : 0,
      inv_temperature: greedy ? 1 : 1 / config.temperature,
    },
    {
      logits: gpu.binding(logits, 'logits'),
      step_in: gpu.binding(step, 'step'),
      ids: gpu.binding(ids, 'ids'),
      probs: gpu.binding(probs, 'probs'),
      step_out: gpu.binding(nextStep, 'nextStep'),
    },
    [B],
  );
  return { ids, probs };
}
