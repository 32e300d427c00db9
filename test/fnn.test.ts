// The MLP on the GPU vs the CPU reference: forward, dInput and every parameter gradient on awkward
// sizes and activations; and the structure of one training step (dispatches, 1 submit, 1 readback).
import { describe, expect, it } from 'vitest';
import { expectClose, seeded, useGpu } from './helpers.js';
import { SGD, Trainer, mlp, type ActivationLike, type Backend } from '../src/index.js';

const { gpu, cpu } = useGpu();
const VALUE_TOL = { atol: 1e-5, rtol: 1e-4 };
// Gradients pass through two more f32 matmuls than the values.
const GRAD_TOL = { atol: 2e-5, rtol: 2e-4 };

async function forwardBackward(be: Backend, sizes: number[], B: number, act: ActivationLike, seed: number) {
  const rng = seeded(seed + 1);
  const x = be.tensor(rng.uniformArray(B * sizes[0], -2, 2), [B, sizes[0]]);
  const target = be.tensor(rng.uniformArray(B * sizes.at(-1)!), [B, sizes.at(-1)!]);
  const model = mlp(be, sizes, { activation: act, seed });
  const y = model.forward(x);
  const { loss, grad } = be.mse(y, target, 'mean');
  const dx = model.backward(grad, { inputGrad: true })!;
  const [yv, lv, dxv] = await be.readMany([y, loss, dx]);
  const grads = await model.gradDict();
  for (const t of [x, target, loss, grad, dx]) t.release();
  model.release();
  return { y: yv, loss: lv, dx: dxv, grads };
}

describe('mlp forward/backward, GPU vs CPU', () => {
  const cases: Array<[number[], number, ActivationLike]> = [
    [[1, 1], 1, 'relu'],
    [[7, 13, 5, 3], 1, 'tanh'],
    [[7, 13, 5, 3], 37, 'relu'],
    [[3, 67, 2], 130, 'sigmoid'],
    [[11, 9, 9, 4], 5, { name: 'leaky_relu', param: 0.05 }],
    [[6, 33, 1], 17, { name: 'elu', param: 1 }],
  ];
  it.each(cases)('sizes %j, B=%i, %j', async (sizes, B, act) => {
    const seed = sizes.length * 100 + B;
    const g = await forwardBackward(gpu(), sizes, B, act, seed);
    const c = await forwardBackward(cpu, sizes, B, act, seed);
    expectClose(g.y, c.y, { ...VALUE_TOL, label: 'output' });
    expectClose(g.loss, c.loss, { ...VALUE_TOL, label: 'loss' });
    expectClose(g.dx, c.dx, { ...GRAD_TOL, label: 'dInput' });
    expect(Object.keys(g.grads)).toEqual(Object.keys(c.grads));
    for (const name of Object.keys(c.grads))
      expectClose(g.grads[name].data, c.grads[name].data, { ...GRAD_TOL, label: `d${name}` });
  });

  it('accumulates gradients across backward calls until zeroGrad (PyTorch semantics)', async () => {
    for (const be of [gpu(), cpu] as Backend[]) {
      const model = mlp(be, [3, 4, 2], { seed: 1 });
      const x = be.tensor([1, 2, 3, -1, 0.5, 2], [2, 3]);
      const dy = be.tensor([1, -1, 0.5, 2], [2, 2]);
      model.forward(x);
      model.backward(dy);
      const once = await model.gradDict();
      model.forward(x);
      model.backward(dy);
      const twice = await model.gradDict();
      for (const n of Object.keys(once))
        expectClose(
          twice[n].data,
          once[n].data.map((v) => 2 * v),
          { atol: 1e-6, rtol: 1e-5, label: n },
        );
      model.zeroGrad();
      const zero = await model.gradDict();
      for (const n of Object.keys(zero)) expect(zero[n].data.every((v) => v === 0)).toBe(true);
      for (const t of [x, dy]) t.release();
      model.release();
    }
  });
});

describe('training step structure (3-layer MLP)', () => {
  it('is one submit and one readback; dispatches counted per part', async () => {
    const g = gpu();
    const model = mlp(g, [20, 32, 32, 4], { seed: 3 });
    const trainer = new Trainer(model, new SGD(model.params, { lr: 0.1, momentum: 0.9 }), { loss: 'crossEntropy' });
    const rng = seeded(4);
    const x = g.tensor(rng.uniformArray(16 * 20), [16, 20]);
    const t = g.tensor(
      Float64Array.from({ length: 16 }, () => rng.int(4)),
      [16],
    );
    await trainer.step(x, t); // warm-up: pipelines compile here
    g.resetCounters();
    const loss = await trainer.step(x, t);
    const c = g.counters();
    // forward: 3 matmul + 2 activation; loss: 1 + 2 reduction stages; backward: 3 dW + 3 db + 2 dX + 2 activation;
    // gradient norm (clip coefficient, explosion guard): 2 reduction stages; update: 1 + 1 step counter.
    const expected = 5 + 3 + 10 + 2 + 2;
    console.log(`3-layer MLP step: ${JSON.stringify(c)} (${JSON.stringify(loss)})`);
    expect(c.dispatches).toBe(expected);
    expect(c.submits).toBe(1);
    expect(c.readbacks).toBe(1);
    expect(c.pipelinesCreated).toBe(0);
    // Without reading the loss: still one submit, no readback.
    g.resetCounters();
    expect(await trainer.step(x, t, { read: false })).toBeUndefined();
    expect(g.counters()).toMatchObject({ submits: 1, readbacks: 0, dispatches: expected });
    for (const u of [x, t]) u.release();
    trainer.release();
    trainer.optimizer.release();
    model.release();
  });
});
