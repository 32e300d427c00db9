// Shared GPU-vs-CPU cases of the gated cells' tests (test/ops/recurrent_{lstm,gru}.test.ts): each run on the
// CPU reference and on the GPU with one recurrent kernel variant forced, on both time-loop paths; finite
// outputs for huge pre-activations; the dispatch structure of a training step; and the f64 finite-difference
// loop of the CPU BPTT checks.
import { describe, expect, it } from 'vitest';
import {
  Sequential,
  type Backend,
  type CpuBackend,
  type Layer,
  type RecurrentOptions,
  type Tensor,
  type WebGpuBackend,
} from '../../src/index.js';
import { RECURRENT_VARIANTS, type RecurrentVariant } from '../../src/ops/recurrent/webgpu.js';
import { expectClose, recurrentStepCounters, type Tolerance } from '../helpers.js';

export interface CellRunResult {
  values: ArrayLike<number>[];
  grads: Record<string, { data: ArrayLike<number> }>;
}

/**
 * One case per run: `run` on the CPU, then on the GPU with `variant` forced on the step and the persistent
 * path; values[i] is compared with `value` tolerance for i < valueCount (forward outputs), else `grad`.
 */
export function itMatchesCpu<R extends { options: RecurrentOptions }>(
  variant: RecurrentVariant,
  backends: { gpu: () => WebGpuBackend; cpu: CpuBackend },
  runs: R[],
  run: (be: Backend, r: R) => Promise<CellRunResult>,
  names: string[],
  valueCount: number,
  tol: { value: Tolerance; grad: Tolerance },
): void {
  it.each(runs)('%j', async (r) => {
    const ref = await run(backends.cpu, r);
    backends.gpu().recurrentVariant = variant;
    for (const path of ['step', 'persistent'] as const) {
      const got = await run(backends.gpu(), { ...r, options: { ...r.options, path } });
      expect(got.values.length).toBe(ref.values.length);
      got.values.forEach((v, i) =>
        expectClose(v, ref.values[i], {
          ...(i < valueCount ? tol.value : tol.grad),
          label: `${variant} ${path} ${names[i]}`,
        }),
      );
      for (const name of Object.keys(ref.grads))
        expectClose(got.grads[name].data, ref.grads[name].data, { ...tol.grad, label: `${variant} ${path} d${name}` });
    }
  });
}

/** Huge pre-activations: the output and the `state` output stay finite (no exp overflow in σ or tanh), weight gradients never NaN. */
export function itStaysFinite<K extends string>(
  variant: RecurrentVariant,
  gpu: () => WebGpuBackend,
  make: () => Layer & { run(x: Tensor): { output: Tensor } & Record<K, Tensor>; backwardFull(dOut: Tensor): unknown },
  state: K,
): void {
  it('stays finite for huge pre-activations (no exp overflow in σ or tanh)', async () => {
    const g = gpu();
    g.recurrentVariant = variant;
    const layer = make();
    const model = new Sequential(g, [layer], { names: 'none' });
    const x = g.tensor([1e30, -1e30, 3e38, -3e38, 88, -88, 1e4, -1e4], [4, 1, 2]);
    const result = layer.run(x);
    const { output } = result;
    const dOut = g.tensor(new Float64Array(output.size).fill(1), output.shape);
    layer.backwardFull(dOut);
    const [o, s] = await g.readMany([output, result[state]]);
    const grads = await model.gradDict();
    expect([...o, ...s].every(Number.isFinite)).toBe(true);
    // Weight gradients multiply δ by inputs of 1e30+: those may overflow to ±inf, never to NaN.
    expect(Object.values(grads).every((t) => t.data.every((v) => !Number.isNaN(v)))).toBe(true);
    for (const t of [x, dOut]) t.release();
    model.release();
  });
}

/**
 * The dispatch structure of a training step of a 2-layer bidirectional cell (`make(path)`), per kernel variant:
 * 2 dispatches per time step per layer + a constant on the step path, independent of T on the persistent one.
 */
export function describeStepStructure(
  cell: string,
  gpu: () => WebGpuBackend,
  make: (path: 'step' | 'persistent') => Layer,
): void {
  describe.each(RECURRENT_VARIANTS)(`${cell} training step structure (%s kernels)`, (variant) => {
    const count = (T: number, path: 'step' | 'persistent') =>
      recurrentStepCounters(Object.assign(gpu(), { recurrentVariant: variant }), make(path), T);
    it('2 dispatches per time step per layer + a constant (step path); independent of T (persistent); 1 submit, 1 readback', async () => {
      const [a, b] = [await count(5, 'step'), await count(12, 'step')];
      const perStep = (b.dispatches - a.dispatches) / 7;
      console.log(
        `${cell} 2 layers bidirectional: dispatches per training step = ${perStep}·T + ${a.dispatches - 5 * perStep}`,
      );
      expect(perStep).toBe(4);
      expect(a.dispatches - 5 * perStep).toBeLessThanOrEqual(40);
      const [p, q] = [await count(5, 'persistent'), await count(30, 'persistent')];
      expect(q.dispatches).toBe(p.dispatches);
      for (const c of [a, b, p, q]) expect(c).toMatchObject({ submits: 1, readbacks: 1 });
    });
  });
}

/**
 * f64 central differences of `loss` over every element of every probe, against `analytic` (same names):
 * |analytic − numeric| ≤ 1e-9 + 1e-6·|numeric| (as in gradcheck.test.ts). Returns the worst relative error.
 */
export function expectFiniteDifferences(
  probes: Record<string, Float64Array>,
  analytic: Record<string, ArrayLike<number>>,
  loss: () => number,
): number {
  let worst = 0;
  let checked = 0;
  for (const [name, data] of Object.entries(probes)) {
    for (let i = 0; i < data.length; i++) {
      const saved = data[i];
      data[i] = saved + 1e-6;
      const plus = loss();
      data[i] = saved - 1e-6;
      const minus = loss();
      data[i] = saved;
      const numeric = (plus - minus) / 2e-6;
      const a = analytic[name][i];
      if (!(Math.abs(a - numeric) <= 1e-9 + 1e-6 * Math.abs(numeric)))
        expect.fail(`d${name}[${i}]: analytic ${a}, numeric ${numeric}`);
      worst = Math.max(worst, Math.abs(a - numeric) / Math.max(Math.abs(numeric), 1e-3));
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(0);
  return worst;
}
