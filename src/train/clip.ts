// Gradient clipping with PyTorch semantics, on the model's flat gradient buffer:
// clip_grad_norm_: total = ‖(‖g_p‖)_p‖ (2-norm, or max for 'inf'); coef = min(maxNorm / (total + 1e-6), 1);
// every gradient *= coef; returns the pre-clip total. In a Trainer step the coefficient is instead folded
// into the optimizer's update kernel (no rescale pass, no extra readback).
import { WebGpuRnnError } from '../core/errors.js';
import { checkOptions, expectBoolean, optionNames } from '../core/checks.js';
import { expectParamSet, type ParamSet } from '../nn/params.js';

export class NonFiniteGradientError extends WebGpuRnnError {}

export interface ClipOptions {
  normType?: 2 | 'inf';
  /** Throw NonFiniteGradientError (gradients left untouched) when the total is NaN or infinite. */
  errorIfNonfinite?: boolean;
}

/** Scales the gradients in place so their global norm is at most maxNorm; resolves to the pre-clip norm (one readback). */
export async function clipGradNorm(params: ParamSet, maxNorm: number, options: ClipOptions = {}): Promise<number> {
  expectParamSet('params', params);
  checkOptions('options', options, optionNames<ClipOptions>({ normType: true, errorIfNonfinite: true }));
  expectBoolean('errorIfNonfinite', options.errorIfNonfinite);
  const ctx = params.ctx;
  const gscale = ctx.gradNorm(params.grads, maxNorm, options.normType ?? 2, null);
  try {
    // Without errorIfNonfinite the scaling is recorded before the one readback; with it, after the
    // check (it then runs with the next submitted work). Either way the total is read once.
    if (!options.errorIfNonfinite) ctx.gradScale(params.grads, gscale);
    const [total] = await ctx.read(gscale);
    if (options.errorIfNonfinite) {
      if (!Number.isFinite(total)) {
        throw new NonFiniteGradientError(
          `clipGradNorm: the total ${options.normType ?? 2}-norm of the gradients is ${total}; gradients left unchanged`,
        );
      }
      ctx.gradScale(params.grads, gscale);
    }
    return total;
  } finally {
    gscale.release();
  }
}

/** Clamps every gradient to [-clipValue, clipValue] in place (torch.nn.utils.clip_grad_value_). */
export function clipGradValue(params: ParamSet, clipValue: number): void {
  expectParamSet('params', params);
  params.ctx.gradClamp(params.grads, clipValue);
}
