// Finite-difference gradient checks on the CPU reference in f64: central differences of a scalar
// loss against the analytic backprop, for every parameter entry and every input entry.
import { describe, expect, it } from 'vitest';
import { CpuBackend, mlp, type ActivationLike, type Tensor } from '../src/index.js';
import { seeded } from './helpers.js';

const cpu = new CpuBackend();
const EPS = 1e-6;
// Central differences in f64 with eps 1e-6: truncation ~eps²·f''' and rounding ~1e-16·|loss|/eps ≈ 1e-10
// absolute. So: |analytic - numeric| ≤ 1e-9 + 1e-6·|numeric|. A real backprop mistake is O(|grad|).
const ATOL = 1e-9;
const RTOL = 1e-6;
// The reported relative error counts entries whose gradient is not tiny (|g| > 1e-3).
const REPORT_FLOOR = 1e-3;
const MAX_REL = 1e-6;

function relErr(a: number, n: number): number {
  return Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), REPORT_FLOOR);
}

type LossKind = 'dot' | 'mse' | 'crossEntropy';

async function check(sizes: number[], B: number, act: ActivationLike, kind: LossKind, seed: number): Promise<number> {
  const rng = seeded(seed);
  const out = sizes.at(-1)!;
  const model = mlp(cpu, sizes, { activation: act, seed });
  const x = cpu.tensor(rng.uniformArray(B * sizes[0], -1.5, 1.5), [B, sizes[0]]);
  // loss = Σ y·dout (STYLE 9), or a real loss of y.
  const dout = rng.uniformArray(B * out);
  const target =
    kind === 'crossEntropy'
      ? cpu.tensor(
          Float64Array.from({ length: B }, () => rng.int(out)),
          [B],
        )
      : cpu.tensor(rng.uniformArray(B * out), [B, out]);
  const lossOf = (y: Tensor): { value: number; grad: Float64Array } => {
    if (kind === 'dot') {
      const yd = cpu.data(y, 'y');
      return { value: yd.reduce((s, v, i) => s + v * dout[i], 0), grad: dout };
    }
    const r = kind === 'mse' ? cpu.mse(y, target, 'mean') : cpu.crossEntropy(y, target, 'mean');
    const value = cpu.data(r.loss, 'loss')[0];
    const grad = cpu.data(r.grad, 'grad').slice();
    r.loss.release();
    r.grad.release();
    return { value, grad };
  };

  const { grad } = lossOf(model.forward(x));
  const g = cpu.tensor(grad, [B, out]);
  const dx = cpu.data(model.backward(g, { inputGrad: true })!, 'dx').slice();
  const analytic = await model.gradDict();

  let worst = 0;
  const probe = (data: Float64Array, i: number, a: number, label: string) => {
    const saved = data[i];
    data[i] = saved + EPS;
    const plus = lossOf(model.forward(x)).value;
    data[i] = saved - EPS;
    const minus = lossOf(model.forward(x)).value;
    data[i] = saved;
    const numeric = (plus - minus) / (2 * EPS);
    if (!(Math.abs(a - numeric) <= ATOL + RTOL * Math.abs(numeric)))
      expect.fail(`${label}: analytic ${a}, numeric ${numeric}`);
    worst = Math.max(worst, relErr(a, numeric));
  };
  for (const name of model.params.names()) {
    const data = cpu.data(model.params.value(name), name);
    for (let i = 0; i < data.length; i++) probe(data, i, analytic[name].data[i], `d${name}[${i}]`);
  }
  const xd = cpu.data(x, 'x');
  for (let i = 0; i < xd.length; i++) probe(xd, i, dx[i], `dx[${i}]`);
  for (const t of [x, target, g]) t.release();
  model.release();
  return worst;
}

describe('finite-difference gradient check (CPU reference, f64)', () => {
  const cases: Array<[number[], number, ActivationLike, LossKind]> = [
    [[4, 5, 3], 3, 'tanh', 'dot'],
    [[4, 5, 3], 3, 'sigmoid', 'mse'],
    [[3, 6, 4, 5], 2, 'tanh', 'crossEntropy'],
    [[5, 7, 6, 3], 4, 'relu', 'mse'],
    [[5, 7, 6, 3], 4, { name: 'leaky_relu', param: 0.1 }, 'crossEntropy'],
    [[2, 8, 2], 5, { name: 'elu', param: 0.8 }, 'dot'],
  ];
  it.each(cases)('sizes %j B=%i %j, loss %s', async (sizes, B, act, kind) => {
    const worst = await check(sizes, B, act, kind, sizes.length + B);
    console.log(
      `gradcheck ${JSON.stringify(sizes)} ${JSON.stringify(act)} ${kind}: max relative error ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThanOrEqual(MAX_REL);
  });
});
