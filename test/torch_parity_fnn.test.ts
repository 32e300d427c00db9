// Parity with PyTorch (fixtures/gen_fnn.py): a 2-hidden-layer MLP with tanh and relu, MSE and
// cross-entropy: outputs, loss, every gradient, the input gradient, and 3 steps of SGD and Adam,
// on both backends (CPU in f64 to ~1e-10; GPU in f32).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Adam, SGD, Trainer, loadSafetensors, mlp, type Backend } from '../src/index.js';
import { expectClose, useGpu } from './helpers.js';
import { fixturePath, readFixture, type FixtureTensor } from './fixtures.js';

interface FnnFixture {
  activation: 'tanh' | 'relu';
  loss: 'mse' | 'crossEntropy';
  sizes: number[];
  state_dict: Record<string, FixtureTensor>;
  x: FixtureTensor;
  target: FixtureTensor;
  output: FixtureTensor;
  loss_value: number;
  grads: Record<string, FixtureTensor>;
  input_grad: FixtureTensor;
  after_3_steps: {
    sgd: { lr: number; momentum: number; state_dict: Record<string, FixtureTensor> };
    adam: { lr: number; state_dict: Record<string, FixtureTensor> };
  };
}

const { gpu, cpu } = useGpu();
const TOL = {
  cpu: { value: { atol: 1e-12, rtol: 1e-10 }, grad: { atol: 1e-12, rtol: 1e-10 } },
  // f32 through three layers; Adam's first steps move every weight by ~lr, amplifying rounding in m/√v.
  webgpu: { value: { atol: 1e-5, rtol: 1e-4 }, grad: { atol: 1e-5, rtol: 1e-4 } },
};

const CASES = ['fnn_tanh_mse.json', 'fnn_tanh_crossEntropy.json', 'fnn_relu_mse.json', 'fnn_relu_crossEntropy.json'];

describe.each(CASES)('PyTorch parity %s', (file) => {
  const f = readFixture<FnnFixture>(file);
  const backends = (): Backend[] => [cpu, gpu()];

  it('forward, loss, parameter and input gradients', async () => {
    for (const be of backends()) {
      const tol = TOL[be.kind];
      const model = mlp(be, f.sizes, { activation: f.activation });
      model.loadStateDict(f.state_dict);
      const x = be.tensor(f.x.data, f.x.shape);
      const target = be.tensor(f.target.data, f.target.shape);
      const y = model.forward(x);
      const { loss, grad } = f.loss === 'mse' ? be.mse(y, target, 'mean') : be.crossEntropy(y, target, 'mean');
      const dx = model.backward(grad, { inputGrad: true })!;
      const [yv, lv, dxv] = await be.readMany([y, loss, dx]);
      expectClose(yv, f.output.data, { ...tol.value, label: `${be.kind} output` });
      expectClose(lv, [f.loss_value], { ...tol.value, label: `${be.kind} loss` });
      expectClose(dxv, f.input_grad.data, { ...tol.grad, label: `${be.kind} input grad` });
      const grads = await model.gradDict();
      expect(Object.keys(grads).sort()).toEqual(Object.keys(f.grads).sort());
      for (const [name, g] of Object.entries(f.grads))
        expectClose(grads[name].data, g.data, { ...tol.grad, label: `${be.kind} grad ${name}` });
      for (const t of [x, target, loss, grad, dx]) t.release();
      model.release();
    }
  });

  it.each(['sgd', 'adam'] as const)('3 steps of %s match torch.optim', async (optName) => {
    for (const be of backends()) {
      const model = mlp(be, f.sizes, { activation: f.activation });
      model.loadStateDict(f.state_dict);
      const spec = f.after_3_steps[optName];
      const opt =
        optName === 'sgd'
          ? new SGD(model.params, { lr: spec.lr, momentum: f.after_3_steps.sgd.momentum })
          : new Adam(model.params, { lr: spec.lr });
      const trainer = new Trainer(model, opt, { loss: f.loss });
      const x = be.tensor(f.x.data, f.x.shape);
      const target = be.tensor(f.target.data, f.target.shape);
      for (let i = 0; i < 3; i++) await trainer.step(x, target, { read: false });
      const sd = await model.stateDict();
      for (const [name, t] of Object.entries(spec.state_dict))
        expectClose(sd[name].data, t.data, { ...TOL[be.kind].value, label: `${be.kind} ${optName} ${name}` });
      for (const t of [x, target]) t.release();
      trainer.release();
      opt.release();
      model.release();
    }
  });
});

describe('a PyTorch-exported safetensors state dict', () => {
  it('loads and reproduces the PyTorch output', async () => {
    const f = readFixture<FnnFixture>('fnn_tanh_mse.json');
    const { tensors, metadata } = loadSafetensors(
      new Uint8Array(readFileSync(fixturePath('fnn_tanh_mse.safetensors'))),
    );
    expect(metadata).toEqual({ format: 'pt' });
    for (const be of [cpu, gpu()] as Backend[]) {
      const model = mlp(be, f.sizes, { activation: 'tanh' });
      model.loadStateDict(tensors);
      const x = be.tensor(f.x.data, f.x.shape);
      // Weights were stored as F32: compare at f32 resolution on both backends.
      expectClose(await be.read(model.forward(x)), f.output.data, {
        atol: 1e-6,
        rtol: 1e-5,
        label: `${be.kind} output`,
      });
      x.release();
      model.release();
    }
  });
});
