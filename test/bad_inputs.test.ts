// Bad input gets a typed error naming the argument, what was expected and what came — on both
// backends — and a refused training call changes nothing (weights, gradients) and dispatches nothing.
import { describe, expect, it } from 'vitest';
import {
  Adam,
  BackendMismatchError,
  LSTM,
  Linear,
  RNN,
  SGD,
  Sequential,
  ShapeError,
  Trainer,
  ValueError,
  WebGpuRnnError,
  clipGradNorm,
  createContext,
  mlp,
  spectralRadius,
  type Backend,
} from '../src/index.js';
import { useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
type ErrorType = new (...args: never[]) => Error;

/** [name, call on a backend (returns tensors to free), error type, message fragment, backends]. */
type Case = [string, (be: Backend) => unknown, ErrorType, RegExp, ('cpu' | 'webgpu')[]?];

// Everything a case allocates is freed after it, so the file's leak check stays meaningful.
const made: Array<{ release(): void }> = [];
const track = <T extends { release(): void }>(x: T): T => (made.push(x), x);
const t = (be: Backend, shape: number[]) => track(be.zeros(shape));
const net = (be: Backend, sizes: number[]) => track(mlp(be, sizes));
const seq = (be: Backend, layer: ConstructorParameters<typeof Sequential>[1][number]) => track(new Sequential(be, [layer]));

const CASES: Case[] = [
  // tensors
  ['zero in a shape', (be) => be.tensor([], [2, 0]), ShapeError, /shape: expected a non-empty list of positive integers, got \[2,0\]/],
  ['fractional shape', (be) => be.zeros([2.5]), ShapeError, /shape: expected a non-empty list of positive integers/],
  ['data length', (be) => be.tensor([1, 2, 3, 4, 5], [2, 3]), ShapeError, /data: expected 6 values, got 5/],
  ['write length', (be) => be.write(t(be, [3]), [1, 2]), ShapeError, /data: expected 3 values, got 2/],
  ['view past the end', (be) => be.viewAt(t(be, [10]), 8, [3]), ShapeError, /shape: expected at most 2 elements after offset 8/],
  ['negative view offset', (be) => be.viewAt(t(be, [10]), -1, [3]), ValueError, /offset: expected a non-negative integer, got -1/],
  ['reshape to another size', (be) => t(be, [2, 3]).view([4]), ShapeError, /shape: expected 6 elements/],
  ['released tensor', (be) => { const x = t(be, [2]); x.release(); return be.read(x); }, WebGpuRnnError, /tensor \[2\] was already released/],
  ['tensor of another backend', (be) => be.activation(track((be.kind === 'cpu' ? gpu() : cpu).zeros([2])), 'relu'), BackendMismatchError, /a: tensor belongs to another context or backend/],
  ['above the adapter limit', (be) => be.zeros([2 ** 31]), ShapeError, /maxStorageBufferBindingSize/, ['webgpu']],
  // kernels
  ['matmul inner dimensions', (be) => be.matmul(t(be, [2, 3]), t(be, [4, 5])), ShapeError, /b: expected inner dimension 3 to match a \[2, 3\], got 4/],
  ['matmul rank', (be) => be.matmul(t(be, [2, 3, 1]), t(be, [3, 5])), ShapeError, /a: expected rank 2, got rank 3/],
  ['matmul bias shape', (be) => be.matmul(t(be, [2, 3]), t(be, [3, 5]), { bias: t(be, [4]) }), ShapeError, /bias: expected shape \[5\], got shape \[4\]/],
  ['matmul beta without out', (be) => be.matmul(t(be, [2, 3]), t(be, [3, 5]), { beta: 1 }), ValueError, /out: expected a tensor when beta ≠ 0/],
  ['matmul out aliasing an input', (be) => { const a = t(be, [3, 3]); return be.matmul(a, t(be, [3, 3]), { out: a }); }, ValueError, /out: expected a tensor in another buffer than a/, ['webgpu']],
  ['gemm past the end', (be) => be.gemm({ a: t(be, [6]), b: t(be, [6]), out: t(be, [4]), M: 2, N: 2, K: 3, offsetA: 1 }), ShapeError, /a: expected at least 7 elements for a 2×3 block/],
  ['gemm leading dimension', (be) => be.gemm({ a: t(be, [6]), b: t(be, [6]), out: t(be, [4]), M: 2, N: 2, K: 3, lda: 2 }), ValueError, /lda: expected an integer ≥ 3, got 2/],
  ['sum axis', (be) => be.sumAxis(t(be, [2, 3]), 2 as 0), ValueError, /axis: expected 0 or 1, got 2/],
  ['unknown activation', (be) => be.activation(t(be, [2]), 'swish' as 'relu'), ValueError, /activation: expected one of identity, sigmoid, tanh, relu, leaky_relu, elu, got "swish"/],
  ['activation parameter', (be) => be.activation(t(be, [2]), { name: 'elu', param: NaN }), ValueError, /activation.param: expected a finite number, got NaN/],
  ['mse shapes', (be) => be.mse(t(be, [4, 2]), t(be, [4, 3]), 'mean'), ShapeError, /target: expected the shape of the prediction \[4, 2\], got \[4, 3\]/],
  ['cross-entropy targets', (be) => be.crossEntropy(t(be, [4, 3]), t(be, [5]), 'mean'), ShapeError, /targets: expected shape \[4\], got shape \[5\]/],
  ['reduction', (be) => be.mse(t(be, [2]), t(be, [2]), 'avg' as 'mean'), ValueError, /reduction: expected 'mean' or 'sum', got "avg"/],
  ['max norm', (be) => be.gradNorm(t(be, [4]), 0, 2, null), ValueError, /maxNorm: expected a positive number/],
  ['norm type', (be) => be.gradNorm(t(be, [4]), 1, 3 as 2, null), ValueError, /normType: expected 2 or 'inf', got 3/],
  ['clip value', (be) => be.gradClamp(t(be, [4]), -1), ValueError, /clipValue: expected a positive finite number, got -1/],
  ['transpose rank', (be) => be.transpose01(t(be, [2, 3])), ShapeError, /x: expected rank 3 \[A, B, C\] or rank 4 \[N, A, B, C\], got rank 2/],
  ['merge of an odd width', (be) => be.bidirMerge(t(be, [2, 3, 5]), 'sum'), ShapeError, /x: expected \[T, B, 2H\] \(an even last dimension\)/],
  ['merge mode', (be) => be.bidirMerge(t(be, [2, 3, 4]), 'max' as 'sum'), ValueError, /mode: expected 'sum', 'mul' or 'ave', got "max"/],
  // layers and modules
  ['Linear size', () => new Linear(0, 3), ValueError, /inFeatures: expected a positive integer, got 0/],
  ['Linear init', () => new Linear(2, 3, { init: 'glorot' as 'xavier' }), ValueError, /init: expected 'default', 'xavier' or 'he', got "glorot"/],
  ['mlp sizes', (be) => net(be, [3]), ValueError, /sizes: expected at least \[in, out\], got \[3\]/],
  ['model names', (be) => track(new Sequential(be, [new Linear(2, 2)], { names: 'flat' as 'none' })), ValueError, /names: expected 'index' or 'none', got "flat"/],
  ['RNN hidden size', () => new RNN({ inputSize: 2, hiddenSize: -1 }), ValueError, /hiddenSize: expected a positive integer, got -1/],
  ['RNN layers', () => new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 1.5 }), ValueError, /numLayers: expected a positive integer, got 1.5/],
  ['merge without two directions', () => new RNN({ inputSize: 2, hiddenSize: 3, mergeMode: 'sum' }), ValueError, /mergeMode: expected 'concat' for a unidirectional network, got "sum"/],
  ['time-loop path', () => new RNN({ inputSize: 2, hiddenSize: 3, path: 'fast' as 'step' }), ValueError, /path: expected 'auto', 'step' or 'persistent', got "fast"/],
  ['RNN nonlinearity', () => new RNN({ inputSize: 2, hiddenSize: 3, nonlinearity: 'swish' as 'relu' }), ValueError, /nonlinearity: expected one of/],
  ['recurrent init', () => new LSTM({ inputSize: 2, hiddenSize: 3, recurrentInit: 'eye' as 'identity' }), ValueError, /recurrentInit: expected 'default', 'orthogonal' or 'identity', got "eye"/],
  ['forget bias without bias', () => new LSTM({ inputSize: 2, hiddenSize: 3, bias: false, forgetBias: 1 }), ValueError, /forgetBias: expected bias: true/],
  ['sequence rank', (be) => seq(be, new RNN({ inputSize: 2, hiddenSize: 3 })).forward(t(be, [4, 2])), ShapeError, /x: expected rank 3, got rank 2/],
  ['sequence features', (be) => seq(be, new RNN({ inputSize: 2, hiddenSize: 3 })).forward(t(be, [4, 1, 3])), ShapeError, /x: expected \[T, B, 2\], got \[4, 1, 3\]/],
  ['h0 shape', (be) => { const r = new RNN({ inputSize: 2, hiddenSize: 3 }); seq(be, r); return r.run(t(be, [4, 2, 2]), t(be, [1, 1, 3])); }, ShapeError, /h0: expected shape \[1, 2, 3\], got shape \[1, 1, 3\]/],
  ['LSTM c0 shape', (be) => { const r = new LSTM({ inputSize: 2, hiddenSize: 3 }); seq(be, r); return r.run(t(be, [4, 2, 2]), { c0: t(be, [2, 2, 3]) }); }, ShapeError, /c0: expected shape \[1, 2, 3\], got shape \[2, 2, 3\]/],
  ['backward before forward', (be) => { const r = new RNN({ inputSize: 2, hiddenSize: 3 }); seq(be, r); return r.backwardFull(t(be, [4, 2, 3])); }, ValueError, /backward: expected a forward\(\) first/],
  ['dOutput shape', (be) => { const r = new RNN({ inputSize: 2, hiddenSize: 3 }); seq(be, r); r.run(t(be, [4, 2, 2])); return r.backwardFull(t(be, [4, 2, 2])); }, ShapeError, /dOutput: expected shape \[4, 2, 3\], got shape \[4, 2, 2\]/],
  // optimizers and training
  ['learning rate', (be) => new SGD(net(be, [2, 2]).params, { lr: 0 }), ValueError, /lr: expected a positive learning rate, got 0/],
  ['nesterov without momentum', (be) => new SGD(net(be, [2, 2]).params, { lr: 0.1, nesterov: true }), ValueError, /nesterov: expected momentum > 0 and dampening 0/],
  ['Adam betas', (be) => new Adam(net(be, [2, 2]).params, { betas: [1, 0.9] }), ValueError, /betas\[0\]: expected a number in \[0, 1\), got 1/],
  ['Adam eps', (be) => new Adam(net(be, [2, 2]).params, { eps: 0 }), ValueError, /eps: expected a positive number, got 0/],
  ['loss name', (be) => { const m = net(be, [2, 2]); return new Trainer(m, track(new SGD(m.params, { lr: 1 })), { loss: 'l1' as 'mse' }); }, ValueError, /loss: expected 'mse' or 'crossEntropy', got "l1"/],
  ['clip max norm', (be) => { const m = net(be, [2, 2]); return new Trainer(m, track(new SGD(m.params, { lr: 1 })), { loss: 'mse', clip: { maxNorm: 0 } }); }, ValueError, /clip.maxNorm: expected a positive number, got 0/],
  ['optimizer of another model', (be) => new Trainer(net(be, [2, 2]), track(new SGD(net(be, [2, 2]).params, { lr: 1 })), { loss: 'mse' }), ValueError, /optimizer: expected an optimizer over this model's params/],
  ['clipGradNorm norm type', (be) => clipGradNorm(net(be, [2, 2]).params, 1, { normType: 1 as 2 }), ValueError, /normType: expected 2 or 'inf', got 1/],
  ['spectral radius of a non-square matrix', () => spectralRadius([1, 2, 3], 2), ShapeError, /w: expected 4 values \(a square \[2, 2\] matrix\), got 3/],
];

describe('bad input: typed errors that name the argument, expected and actual', () => {
  it.each(CASES.map((c) => [c[0], c] as const))('%s', async (_name, [, call, type, message, backends]) => {
    for (const be of [cpu, gpu()] as Backend[]) {
      if (backends && !backends.includes(be.kind)) continue;
      let thrown: unknown;
      try {
        await call(be);
      } catch (e) {
        thrown = e;
      }
      for (const x of made.splice(0)) x.release();
      expect(thrown, `${be.kind}: no error`).toBeInstanceOf(type);
      expect((thrown as Error).message).toMatch(message);
    }
  });

  it('createContext refuses unknown options by name', async () => {
    await expect(createContext({ backend: 'gl' as 'cpu' })).rejects.toThrow(/backend: expected 'webgpu' or 'cpu', got "gl"/);
    await expect(createContext({ backend: 'webgpu', matmulVariant: 'fast' as 'tiled' })).rejects.toThrow(/matmulVariant: expected 'auto', 'tiled' or 'blocked', got "fast"/);
  });
});

describe('a refused training call changes nothing', () => {
  type Refused = [string, (trainer: Trainer, be: Backend) => Promise<unknown>, ErrorType, RegExp];
  const REFUSED: Refused[] = [
    ['target rows ≠ batch', (tr, be) => tr.step(t(be, [4, 3]), t(be, [5])), ShapeError, /target: expected \[4\] for x \[4, 3\] \(class indices\), got \[5\]/],
    ['input features', (tr, be) => tr.step(t(be, [4, 2]), t(be, [4])), ShapeError, /x: expected \[\.\.\., 3\] \(rank ≥ 2\), got \[4, 2\]/],
    ['fractional class', (tr) => tr.fit([1, 2, 3, 4, 5, 6], [0, 1.5], { epochs: 1, batchSize: 2 }), ValueError, /targets\[1\]: expected an integer class index in \[0, 1\], got 1.5/],
    ['class out of range', (tr) => tr.fit([1, 2, 3, 4, 5, 6], [0, 2], { epochs: 1, batchSize: 2 }), ValueError, /targets\[1\]: expected an integer class index in \[0, 1\], got 2/],
    ['NaN input', (tr) => tr.fit([1, 2, NaN, 4, 5, 6], [0, 1], { epochs: 1, batchSize: 2 }), ValueError, /x\[2\]: expected a finite number, got NaN/],
    ['ragged input', (tr) => tr.fit([1, 2, 3, 4, 5], [0, 1], { epochs: 1, batchSize: 2 }), ShapeError, /x: expected \[N, 3\]/],
    ['epochs', (tr) => tr.fit([1, 2, 3], [0], { epochs: 0, batchSize: 1 }), ValueError, /epochs: expected a positive integer, got 0/],
  ];
  it.each(REFUSED.map((c) => [c[0], c] as const))('%s', async (_name, [, call, type, message]) => {
    for (const be of [cpu, gpu()] as Backend[]) {
      const model = mlp(be, [3, 4, 2], { seed: 1 });
      const opt = new SGD(model.params, { lr: 0.1, momentum: 0.9 });
      const trainer = new Trainer(model, opt, { loss: 'crossEntropy' });
      const before = await model.stateDict();
      const gradsBefore = await model.gradDict();
      be.resetCounters();
      await expect(call(trainer, be)).rejects.toThrow(type);
      const dispatches = be.counters().dispatches;
      await expect(call(trainer, be)).rejects.toThrow(message);
      const after = await model.stateDict();
      const gradsAfter = await model.gradDict();
      for (const n of Object.keys(before)) {
        expect(Array.from(after[n].data)).toEqual(Array.from(before[n].data));
        expect(Array.from(gradsAfter[n].data)).toEqual(Array.from(gradsBefore[n].data));
      }
      expect(dispatches).toBe(0);
      for (const x of made.splice(0)) x.release();
      trainer.release();
      opt.release();
      model.release();
    }
  });
});
