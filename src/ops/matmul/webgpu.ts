// Matrix products on the GPU (matmul_*.wgsl, CPU twin cpu.ts): out = act(α·op(A)·op(B) + β·out + bias),
// in two variants chosen per adapter class (see WebGpuBackendOptions.matmulVariant and bench/).
import matmulCommon from './matmul_common.wgsl?raw';
import matmulTiled from './matmul_tiled.wgsl?raw';
import matmulBlocked from './matmul_blocked.wgsl?raw';
import { ACTIVATION_FNS } from '../activation/webgpu.js';
import { ACTIVATION_IDS, toActivation } from '../activation/spec.js';
import { gemmDims, matmulDims, type GemmArgs, type GemmEpilogue, type MatmulDims, type MatmulOptions } from './spec.js';
import type { Tensor } from '../../core/tensor.js';
import type { GpuDevice, MatmulVariant } from '../../core/device.js';
import { kernel } from '../../core/kernel.js';

export const MATMUL_VARIANTS: readonly MatmulVariant[] = ['tiled', 'blocked'];

const BLOCKED_WG = 8; // matmul_blocked: 8×8 invocations, 8×4 outputs each

const matmulKernel = (variant: MatmulVariant, code: string) =>
  kernel({
    name: `matmul_${variant}`,
    code: ACTIVATION_FNS + matmulCommon + code,
    params: {
      M: 'u32',
      N: 'u32',
      K: 'u32',
      alpha: 'f32',
      beta: 'f32',
      act_param: 'f32',
      lda: 'u32',
      ldb: 'u32',
      ldc: 'u32',
      a_off: 'u32',
      b_off: 'u32',
      c_off: 'u32',
    },
    storage: { a: 'read', b: 'read', bias: 'read', c: 'read_write' },
  });

export const MATMUL_KERNELS = {
  tiled: matmulKernel('tiled', matmulTiled),
  blocked: matmulKernel('blocked', matmulBlocked),
};

export function matmul(gpu: GpuDevice, a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const d = matmulDims(a, b, options);
  const out = options.out ?? gpu.empty([d.M, d.N], 'matmul out');
  runGemm(gpu, d, a, b, out, options);
  return out;
}

export function gemm(gpu: GpuDevice, args: GemmArgs): void {
  runGemm(gpu, gemmDims(args), args.a, args.b, args.out, args);
}

/** Records one product with the device's matmul variant; `out` is already checked to be [M, N] (or the gemm block). */
function runGemm(gpu: GpuDevice, d: MatmulDims, a: Tensor, b: Tensor, out: Tensor, o: GemmEpilogue): void {
  const act = toActivation('activation', o.activation ?? 'identity');
  gpu.storage(out, 'out');
  gpu.checkNoAlias(out, 'out', { a, b, bias: o.bias });
  const variant = gpu.matmulVariant;
  const groups: [number, number] =
    variant === 'tiled'
      ? [Math.ceil(d.N / 64), Math.ceil(d.M / 64)]
      : [Math.ceil(d.N / (4 * BLOCKED_WG)), Math.ceil(d.M / (8 * BLOCKED_WG))];
  gpu.dispatch(
    MATMUL_KERNELS[variant],
    { TRANS_A: d.transA, TRANS_B: d.transB, HAS_BIAS: !!o.bias, ACT: ACTIVATION_IDS[act.name] },
    {
      M: d.M,
      N: d.N,
      K: d.K,
      alpha: o.alpha ?? 1,
      beta: o.beta ?? 0,
      act_param: act.param,
      lda: d.lda,
      ldb: d.ldb,
      ldc: d.ldc,
      a_off: d.offA,
      b_off: d.offB,
      c_off: d.offC,
    },
    {
      a: gpu.binding(a, 'a'),
      b: gpu.binding(b, 'b'),
      bias: o.bias ? gpu.binding(o.bias, 'bias') : gpu.unusedRead,
      c: gpu.binding(out, 'out'),
    },
    groups,
  );
}
