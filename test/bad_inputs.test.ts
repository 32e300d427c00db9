// Bad input gets a typed error naming the argument, what was expected and what came — on both
// backends — and a refused training call changes nothing (weights, gradients) and dispatches nothing.
import { describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  Adam,
  AdamW,
  BackendMismatchError,
  Dropout,
  LSTM,
  LastStep,
  Linear,
  ProgressLine,
  RNN,
  Rng,
  SGD,
  Sequential,
  ShapeError,
  Trainer,
  ValueError,
  WebGpuRnnError,
  ReduceLROnPlateau,
  StepLR,
  clipGradNorm,
  clipGradValue,
  createContext,
  mlp,
  saveSafetensors,
  spectralRadius,
  stateDictToJson,
  type Backend,
  type Tensor,
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
const seq = (be: Backend, layer: ConstructorParameters<typeof Sequential>[1][number]) =>
  track(new Sequential(be, [layer]));
/** A crossEntropy trainer over mlp [3, 2] (SGD), everything tracked. */
const trainer = (be: Backend) => {
  const m = net(be, [3, 2]);
  return track(new Trainer(m, track(new SGD(m.params, { lr: 0.1 })), { loss: 'crossEntropy' }));
};
/** What a stranger passes where a Tensor belongs: TypeScript would refuse it, JavaScript would not. */
const bad = <T>(value: unknown) => value as T;
const sink = { write: () => {} };

const CASES: Case[] = [
  // tensors
  [
    'zero in a shape',
    (be) => be.tensor([], [2, 0]),
    ShapeError,
    /shape: expected a non-empty list of positive integers, got \[2, 0\]/,
  ],
  [
    'NaN in a shape',
    (be) => be.zeros([2, NaN]),
    ShapeError,
    /shape: expected a non-empty list of positive integers, got \[2, NaN\]/,
  ],
  ['fractional shape', (be) => be.zeros([2.5]), ShapeError, /shape: expected a non-empty list of positive integers/],
  ['data length', (be) => be.tensor([1, 2, 3, 4, 5], [2, 3]), ShapeError, /data: expected 6 values, got 5/],
  ['write length', (be) => be.write(t(be, [3]), [1, 2]), ShapeError, /data: expected 3 values, got 2/],
  [
    'view past the end',
    (be) => be.viewAt(t(be, [10]), 8, [3]),
    ShapeError,
    /shape: expected at most 2 elements after offset 8/,
  ],
  [
    'negative view offset',
    (be) => be.viewAt(t(be, [10]), -1, [3]),
    ValueError,
    /offset: expected a non-negative integer, got -1/,
  ],
  [
    'reshape to null',
    (be) => t(be, [2, 3]).view(bad(null)),
    ShapeError,
    /shape: expected a non-empty list of positive integers, got null/,
  ],
  ['reshape to another size', (be) => t(be, [2, 3]).view([4]), ShapeError, /shape: expected 6 elements/],
  [
    'null tensor data',
    (be) => be.tensor(bad(null), [2]),
    ValueError,
    /data: expected an array or typed array of numbers, got null/,
  ],
  [
    'string tensor data',
    (be) => be.tensor(bad('ab'), [2]),
    ValueError,
    /data: expected an array or typed array of numbers, got "ab" \(a string\)/,
  ],
  [
    'a string among tensor data',
    (be) => be.tensor(bad([1, 'a']), [2]),
    ValueError,
    /data\[1\]: expected a number, got "a" \(a string\)/,
  ],
  [
    'a string among written data',
    (be) => be.write(t(be, [2]), bad([1, null])),
    ValueError,
    /data\[1\]: expected a number, got null/,
  ],
  ['read of undefined', (be) => be.read(bad(undefined)), ValueError, /tensor: expected a Tensor, got undefined/],
  [
    'released tensor',
    (be) => {
      const x = t(be, [2]);
      x.release();
      return be.read(x);
    },
    WebGpuRnnError,
    /tensor \[2\] was already released/,
  ],
  [
    'tensor of another backend',
    (be) => be.activation(track((be.kind === 'cpu' ? gpu() : cpu).zeros([2])), 'relu'),
    BackendMismatchError,
    /a: tensor belongs to another context or backend/,
  ],
  ['above the adapter limit', (be) => be.zeros([2 ** 31]), ShapeError, /maxStorageBufferBindingSize/, ['webgpu']],
  // kernels
  [
    'matmul of a host array',
    (be) => be.matmul(bad([1, 2]), t(be, [2, 2])),
    ValueError,
    /a: expected a Tensor \(upload host values with ctx.tensor\(data, shape\); fit\/evaluate\/predict take host arrays\), got \[1, 2\]/,
  ],
  [
    'matmul unknown option',
    (be) => be.matmul(t(be, [2, 2]), t(be, [2, 2]), bad({ transposeB: true })),
    ValueError,
    /options: expected only the options transA, transB, .*got unknown option "transposeB"/,
  ],
  [
    'activation of undefined',
    (be) => be.activation(bad(undefined), 'relu'),
    ValueError,
    /a: expected a Tensor, got undefined/,
  ],
  [
    'activation gradient of a host array',
    (be) => be.activationBackward(t(be, [2]), t(be, [2]), bad(new Float32Array(2)), 'relu'),
    ValueError,
    /dh: expected a Tensor \(upload .*\), got a Float32Array of 2 values/,
  ],
  [
    'mse target object',
    (be) => be.mse(t(be, [2]), bad({ data: [1, 2] }), 'mean'),
    ValueError,
    /target: expected a Tensor \(upload host values with ctx.tensor\(data, shape\); .*\), got an object with keys \{data\}/,
  ],
  [
    'sum of squares of one tensor',
    (be) => be.sumSquares(bad(t(be, [2]))),
    ValueError,
    /tensors: expected a list of tensors, got a tensor \[2\]/,
  ],
  ['transpose of null', (be) => be.transpose01(bad(null)), ValueError, /x: expected a Tensor, got null/],
  ['copy from a host array', (be) => be.copy(bad([1, 2]), t(be, [2]), 0), ValueError, /src: expected a Tensor/],
  [
    'grad scale by a host array',
    (be) => be.gradScale(t(be, [4]), bad([0, 1, 0, 0])),
    ValueError,
    /gscale: expected a Tensor/,
  ],
  [
    'grad norm of undefined',
    (be) => be.gradNorm(bad(undefined), 1, 2, null),
    ValueError,
    /grads: expected a Tensor, got undefined/,
  ],
  [
    'matmul inner dimensions',
    (be) => be.matmul(t(be, [2, 3]), t(be, [4, 5])),
    ShapeError,
    /b: expected inner dimension 3 to match a \[2, 3\], got 4/,
  ],
  ['matmul rank', (be) => be.matmul(t(be, [2, 3, 1]), t(be, [3, 5])), ShapeError, /a: expected rank 2, got rank 3/],
  [
    'matmul bias shape',
    (be) => be.matmul(t(be, [2, 3]), t(be, [3, 5]), { bias: t(be, [4]) }),
    ShapeError,
    /bias: expected shape \[5\], got shape \[4\]/,
  ],
  [
    'matmul beta without out',
    (be) => be.matmul(t(be, [2, 3]), t(be, [3, 5]), { beta: 1 }),
    ValueError,
    /out: expected a tensor when beta ≠ 0/,
  ],
  [
    'matmul out aliasing an input',
    (be) => {
      const a = t(be, [3, 3]);
      return be.matmul(a, t(be, [3, 3]), { out: a });
    },
    ValueError,
    /out: expected a tensor in another buffer than a/,
    ['webgpu'],
  ],
  [
    'gemm past the end',
    (be) => be.gemm({ a: t(be, [6]), b: t(be, [6]), out: t(be, [4]), M: 2, N: 2, K: 3, offsetA: 1 }),
    ShapeError,
    /a: expected at least 7 elements for a 2×3 block/,
  ],
  [
    'gemm leading dimension',
    (be) => be.gemm({ a: t(be, [6]), b: t(be, [6]), out: t(be, [4]), M: 2, N: 2, K: 3, lda: 2 }),
    ValueError,
    /lda: expected an integer ≥ 3, got 2/,
  ],
  ['sum axis', (be) => be.sumAxis(t(be, [2, 3]), 2 as 0), ValueError, /axis: expected 0 or 1, got 2/],
  [
    'unknown activation',
    (be) => be.activation(t(be, [2]), 'swish' as 'relu'),
    ValueError,
    /activation: expected one of identity, sigmoid, tanh, relu, leaky_relu, elu, got "swish"/,
  ],
  [
    'activation parameter',
    (be) => be.activation(t(be, [2]), { name: 'elu', param: NaN }),
    ValueError,
    /activation.param: expected a finite number, got NaN/,
  ],
  [
    'mse shapes',
    (be) => be.mse(t(be, [4, 2]), t(be, [4, 3]), 'mean'),
    ShapeError,
    /target: expected the shape of the prediction \[4, 2\], got \[4, 3\]/,
  ],
  [
    'cross-entropy targets',
    (be) => be.crossEntropy(t(be, [4, 3]), t(be, [5]), 'mean'),
    ShapeError,
    /targets: expected shape \[4\], got shape \[5\]/,
  ],
  [
    'reduction',
    (be) => be.mse(t(be, [2]), t(be, [2]), 'avg' as 'mean'),
    ValueError,
    /reduction: expected 'mean' or 'sum', got "avg"/,
  ],
  ['max norm', (be) => be.gradNorm(t(be, [4]), 0, 2, null), ValueError, /maxNorm: expected a positive number/],
  ['norm type', (be) => be.gradNorm(t(be, [4]), 1, 3 as 2, null), ValueError, /normType: expected 2 or 'inf', got 3/],
  [
    'clip value',
    (be) => be.gradClamp(t(be, [4]), -1),
    ValueError,
    /clipValue: expected a positive finite number, got -1/,
  ],
  [
    'transpose rank',
    (be) => be.transpose01(t(be, [2, 3])),
    ShapeError,
    /x: expected rank 3 \[A, B, C\] or rank 4 \[N, A, B, C\], got rank 2/,
  ],
  [
    'merge of an odd width',
    (be) => be.bidirMerge(t(be, [2, 3, 5]), 'sum'),
    ShapeError,
    /x: expected \[T, B, 2H\] \(an even last dimension\)/,
  ],
  [
    'merge mode',
    (be) => be.bidirMerge(t(be, [2, 3, 4]), 'max' as 'sum'),
    ValueError,
    /mode: expected 'sum', 'mul' or 'ave', got "max"/,
  ],
  // layers and modules
  [
    'hidden size as a string',
    () => new RNN({ inputSize: 2, hiddenSize: bad('16') }),
    ValueError,
    /hiddenSize: expected a positive integer, got "16" \(a string\)/,
  ],
  [
    'LSTM dropout out of range',
    () => new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 1.5 }),
    ValueError,
    /dropout: expected a probability in \[0, 1\], got 1.5/,
  ],
  [
    'LSTM dropout on one layer',
    () => new LSTM({ inputSize: 2, hiddenSize: 3, dropout: 0.5 }),
    ValueError,
    /dropout: expected 0 for a single layer \(it applies between stacked layers; add a Dropout layer after the module\), got 0.5/,
  ],
  [
    'LSTM recurrent_dropout',
    () => new LSTM(bad({ inputSize: 2, hiddenSize: 3, recurrent_dropout: 0.5 })),
    ValueError,
    /LSTM options: expected only the options inputSize, hiddenSize, .*dropout, forgetBias, got unknown option "recurrent_dropout"/,
  ],
  ['Dropout p', () => new Dropout(bad(-0.5)), ValueError, /p: expected a probability in \[0, 1\], got -0.5/],
  [
    'LSTM proj_size',
    () => new LSTM(bad({ inputSize: 2, hiddenSize: 3, proj_size: 2 })),
    ValueError,
    /LSTM options: .*got unknown option "proj_size"/,
  ],
  [
    'RNN batch_first',
    () => new RNN(bad({ inputSize: 2, hiddenSize: 3, batch_first: true })),
    ValueError,
    /RNN options: .*got unknown option "batch_first" \(did you mean batchFirst\?\)/,
  ],
  [
    'RNN without options',
    () => new RNN(bad(undefined)),
    ValueError,
    /RNN options: expected \{ inputSize, hiddenSize, … \}, got undefined/,
  ],
  [
    'Linear unknown option',
    () => new Linear(2, 3, bad({ bias: true, dropout: 0.1 })),
    ValueError,
    /Linear options: expected only the options bias, init, got unknown option "dropout"/,
  ],
  [
    'LastStep unknown option',
    () => new LastStep(bad({ batch_first: true })),
    ValueError,
    /LastStep options: .*unknown option "batch_first" \(did you mean batchFirst\?\)/,
  ],
  [
    'model of a null context',
    () => new Sequential(bad(null), [new Linear(2, 2)]),
    ValueError,
    /ctx: expected a context from createContext\(\), got null/,
  ],
  [
    'model of null layers',
    (be) => new Sequential(be, bad(null)),
    ValueError,
    /layers: expected an array of layers, got null/,
  ],
  [
    'model of a non-layer',
    (be) => new Sequential(be, bad([new Linear(2, 2), 'relu'])),
    ValueError,
    /layers\[1\]: expected a layer \(Linear, RNN, LSTM, LastStep, …\), got "relu" \(a string\)/,
  ],
  [
    'one layer twice in a model',
    (be) => {
      const l = new Linear(2, 2);
      return track(new Sequential(be, [l, l]));
    },
    ValueError,
    /layers\[1\]: expected a layer not already in the model, got the same object as layers\[0\]/,
  ],
  [
    'a layer of another model',
    (be) => {
      const l = new Linear(2, 2);
      track(new Sequential(be, [l]));
      return track(new Sequential(be, [new Linear(2, 2), l]));
    },
    ValueError,
    /layers\[1\]: expected a layer not in another model \(build each model from new layers\), got a Linear of another model/,
  ],
  [
    'bidirectional as a string',
    () => new LSTM({ inputSize: 2, hiddenSize: 3, bidirectional: bad('yes') }),
    ValueError,
    /bidirectional: expected true or false, got "yes" \(a string\)/,
  ],
  [
    'bidirectional as 0',
    () => new LSTM({ inputSize: 2, hiddenSize: 3, bidirectional: bad(0) }),
    ValueError,
    /bidirectional: expected true or false, got 0/,
  ],
  [
    'RNN bias as 1',
    () => new RNN({ inputSize: 2, hiddenSize: 3, bias: bad(1) }),
    ValueError,
    /bias: expected true or false, got 1/,
  ],
  [
    'recordGradFlow as a string',
    () => new RNN({ inputSize: 2, hiddenSize: 3, recordGradFlow: bad('true') }),
    ValueError,
    /recordGradFlow: expected true or false, got "true"/,
  ],
  [
    'Linear bias as a string',
    () => new Linear(2, 3, { bias: bad('no') }),
    ValueError,
    /bias: expected true or false, got "no"/,
  ],
  [
    'SGD nesterov as 1',
    (be) => new SGD(net(be, [2, 2]).params, { lr: 0.1, momentum: 0.9, nesterov: bad(1) }),
    ValueError,
    /nesterov: expected true or false, got 1/,
  ],
  [
    'Trainer paramNorms as a string',
    (be) => {
      const m = net(be, [2, 2]);
      return new Trainer(m, track(new SGD(m.params, { lr: 1 })), { loss: 'mse', paramNorms: bad('yes') });
    },
    ValueError,
    /paramNorms: expected true or false, got "yes"/,
  ],
  [
    'loadStateDict strict as 0',
    (be) => net(be, [2, 2]).loadStateDict({}, { strict: bad(0) }),
    ValueError,
    /strict: expected true or false, got 0/,
  ],
  [
    'model backward option typo',
    (be) => {
      const m = net(be, [3, 2]);
      m.forward(t(be, [1, 3]));
      return m.backward(t(be, [1, 2]), bad({ input_grad: true }));
    },
    ValueError,
    /options: expected only the options inputGrad, got unknown option "input_grad" \(did you mean inputGrad\?\)/,
  ],
  [
    'model unknown option',
    (be) => new Sequential(be, [new Linear(2, 2)], bad({ seed: 1, activation: 'relu' })),
    ValueError,
    /options: expected only the options seed, names, got unknown option "activation"/,
  ],
  [
    'mlp unknown option',
    (be) => mlp(be, [2, 2], bad({ dropout: 0.5 })),
    ValueError,
    /options: expected only the options seed, names, activation, outputActivation, init, bias, got unknown option "dropout"/,
  ],
  [
    'Linear after a bidirectional LSTM',
    (be) =>
      new Sequential(be, [
        new LSTM({ inputSize: 3, hiddenSize: 8, bidirectional: true, batchFirst: true }),
        new LastStep(),
        new Linear(8, 4),
      ]),
    ShapeError,
    /layers\[2\] \(Linear\): expected inFeatures 16 \(the output of layers\[0\]: LSTM bidirectional 2·8\), got 8/,
  ],
  [
    'stacked LSTM sizes',
    (be) => new Sequential(be, [new LSTM({ inputSize: 3, hiddenSize: 8 }), new LSTM({ inputSize: 9, hiddenSize: 4 })]),
    ShapeError,
    /layers\[1\] \(LSTM\): expected inFeatures 8 \(the output of layers\[0\]: LSTM hiddenSize 8\), got 9/,
  ],
  [
    'Linear sizes across an activation',
    (be) => new Sequential(be, [new Linear(2, 3), new ActivationLayer('relu'), new Linear(4, 1)]),
    ShapeError,
    /layers\[2\] \(Linear\): expected inFeatures 3 \(the output of layers\[0\]: Linear → 3\), got 4/,
  ],
  [
    'merged RNN into a Linear',
    (be) =>
      new Sequential(be, [
        new RNN({ inputSize: 2, hiddenSize: 5, bidirectional: true, mergeMode: 'sum' }),
        new Linear(10, 1),
      ]),
    ShapeError,
    /layers\[1\] \(Linear\): expected inFeatures 5 \(the output of layers\[0\]: RNN bidirectional, mergeMode 'sum', 5\), got 10/,
  ],
  [
    'RNN run outside a model',
    (be) => new RNN({ inputSize: 2, hiddenSize: 3 }).run(t(be, [4, 2, 2])),
    ValueError,
    /RNN: expected a layer inside a model \(new Sequential\(ctx, \[layer, …\]\) gives it its parameters\), got a layer in no model/,
  ],
  [
    'Linear forward outside a model',
    (be) => new Linear(2, 3).forward(t(be, [1, 2])),
    ValueError,
    /Linear: expected a layer inside a model/,
  ],
  [
    'activation outside a model',
    (be) => new ActivationLayer('relu').forward(t(be, [1, 2])),
    ValueError,
    /Activation layer: expected a layer inside a model/,
  ],
  [
    'LastStep outside a model',
    (be) => new LastStep().forward(t(be, [2, 1, 2])),
    ValueError,
    /LastStep: expected a layer inside a model/,
  ],
  [
    'stateful forward with a host array state',
    (be) =>
      seq(be, new RNN({ inputSize: 2, hiddenSize: 3 })).forward(t(be, [4, 2, 2]), { states: [{ h: bad([0, 0, 0]) }] }),
    ValueError,
    /states\[0\].h: expected a Tensor .*got \[0, 0, 0\]/,
  ],
  [
    'stateful forward option typo',
    (be) =>
      seq(be, new RNN({ inputSize: 2, hiddenSize: 3 })).forward(
        t(be, [4, 2, 2]),
        bad({ states: null, reset_rows: [0] }),
      ),
    ValueError,
    /options: expected only the options states, resetRows, lengths, got unknown option "reset_rows" \(did you mean resetRows\?\)/,
  ],
  [
    'model forward of a host array',
    (be) => net(be, [3, 2]).forward(bad([1, 2, 3])),
    ValueError,
    /x: expected a Tensor \(upload host values with ctx.tensor\(data, shape\).*\), got \[1, 2, 3\]/,
  ],
  [
    'model forward of undefined',
    (be) => net(be, [3, 2]).forward(bad(undefined)),
    ValueError,
    /x: expected a Tensor, got undefined/,
  ],
  [
    'model backward of a host array',
    (be) => {
      const m = net(be, [3, 2]);
      m.forward(t(be, [1, 3]));
      return m.backward(bad([1, 2]));
    },
    ValueError,
    /dy: expected a Tensor/,
  ],
  [
    'Linear backward of null',
    (be) => {
      const l = new Linear(3, 2);
      seq(be, l);
      l.forward(t(be, [1, 3]));
      return l.backward(bad(null), false);
    },
    ValueError,
    /dy: expected a Tensor, got null/,
  ],
  [
    'LastStep forward of a host array',
    (be) => {
      const l = new LastStep();
      seq(be, l);
      return l.forward(bad([[1]]));
    },
    ValueError,
    /x: expected a Tensor .*got \[\[1\]\]/,
  ],
  [
    'RNN run of a host array',
    (be) => {
      const r = new RNN({ inputSize: 2, hiddenSize: 3 });
      seq(be, r);
      return r.run(bad([1, 2]));
    },
    ValueError,
    /x: expected a Tensor/,
  ],
  [
    'RNN h0 as a host array',
    (be) => {
      const r = new RNN({ inputSize: 2, hiddenSize: 3 });
      seq(be, r);
      return r.run(t(be, [4, 2, 2]), bad({ h0: [0, 0] }));
    },
    ValueError,
    /h0: expected a Tensor .*got \[0, 0\]/,
  ],
  [
    'RNN state with c0',
    (be) => {
      const r = new RNN({ inputSize: 2, hiddenSize: 3 });
      seq(be, r);
      return r.run(t(be, [4, 2, 2]), bad({ c0: t(be, [1, 2, 3]) }));
    },
    ValueError,
    /state: expected only the options h0, lengths, got unknown option "c0"/,
  ],
  [
    'LSTM state as a tensor',
    (be) => {
      const r = new LSTM({ inputSize: 2, hiddenSize: 3 });
      seq(be, r);
      return r.run(t(be, [4, 2, 2]), bad(t(be, [1, 2, 3])));
    },
    ValueError,
    /state: expected \{ h0\?, c0\?, lengths\? \} \(an LSTM takes its states as an object\), got a tensor \[1, 2, 3\]/,
  ],
  [
    'LSTM dCN as a host array',
    (be) => {
      const r = new LSTM({ inputSize: 2, hiddenSize: 3 });
      seq(be, r);
      r.run(t(be, [4, 2, 2]));
      return r.backwardFull(t(be, [4, 2, 3]), { dCN: bad([0]) });
    },
    ValueError,
    /dCN: expected a Tensor/,
  ],
  [
    'RNN dOutput undefined',
    (be) => {
      const r = new RNN({ inputSize: 2, hiddenSize: 3 });
      seq(be, r);
      r.run(t(be, [4, 2, 2]));
      return r.backwardFull(bad(undefined));
    },
    ValueError,
    /dOutput: expected a Tensor, got undefined/,
  ],
  [
    'RNN backward option typo',
    (be) => {
      const r = new RNN({ inputSize: 2, hiddenSize: 3 });
      seq(be, r);
      r.run(t(be, [4, 2, 2]));
      return r.backwardFull(t(be, [4, 2, 3]), bad({ dhN: t(be, [1, 2, 3]) }));
    },
    ValueError,
    /options: expected only the options dHN, inputGrad, got unknown option "dhN"/,
  ],
  ['Linear size', () => new Linear(0, 3), ValueError, /inFeatures: expected a positive integer, got 0/],
  [
    'Linear init',
    () => new Linear(2, 3, { init: 'glorot' as 'xavier' }),
    ValueError,
    /init: expected 'default', 'xavier' or 'he', got "glorot"/,
  ],
  ['mlp sizes', (be) => net(be, [3]), ValueError, /sizes: expected at least \[in, out\], got \[3\]/],
  [
    'model names',
    (be) => track(new Sequential(be, [new Linear(2, 2)], { names: 'flat' as 'none' })),
    ValueError,
    /names: expected 'index' or 'none', got "flat"/,
  ],
  [
    'RNN hidden size',
    () => new RNN({ inputSize: 2, hiddenSize: -1 }),
    ValueError,
    /hiddenSize: expected a positive integer, got -1/,
  ],
  [
    'RNN layers',
    () => new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 1.5 }),
    ValueError,
    /numLayers: expected a positive integer, got 1.5/,
  ],
  [
    'merge without two directions',
    () => new RNN({ inputSize: 2, hiddenSize: 3, mergeMode: 'sum' }),
    ValueError,
    /mergeMode: expected 'concat' for a unidirectional network, got "sum"/,
  ],
  [
    'time-loop path',
    () => new RNN({ inputSize: 2, hiddenSize: 3, path: 'fast' as 'step' }),
    ValueError,
    /path: expected 'auto', 'step' or 'persistent', got "fast"/,
  ],
  [
    'RNN nonlinearity',
    () => new RNN({ inputSize: 2, hiddenSize: 3, nonlinearity: 'swish' as 'relu' }),
    ValueError,
    /nonlinearity: expected one of/,
  ],
  [
    'recurrent init',
    () => new LSTM({ inputSize: 2, hiddenSize: 3, recurrentInit: 'eye' as 'identity' }),
    ValueError,
    /recurrentInit: expected 'default', 'orthogonal' or 'identity', got "eye"/,
  ],
  [
    'forget bias without bias',
    () => new LSTM({ inputSize: 2, hiddenSize: 3, bias: false, forgetBias: 1 }),
    ValueError,
    /forgetBias: expected bias: true/,
  ],
  [
    'sequence rank',
    (be) => seq(be, new RNN({ inputSize: 2, hiddenSize: 3 })).forward(t(be, [4, 2])),
    ShapeError,
    /x: expected rank 3, got rank 2/,
  ],
  [
    'sequence features',
    (be) => seq(be, new RNN({ inputSize: 2, hiddenSize: 3 })).forward(t(be, [4, 1, 3])),
    ShapeError,
    /x: expected \[T, B, 2\], got \[4, 1, 3\]/,
  ],
  [
    'h0 shape',
    (be) => {
      const r = new RNN({ inputSize: 2, hiddenSize: 3 });
      seq(be, r);
      return r.run(t(be, [4, 2, 2]), t(be, [1, 1, 3]));
    },
    ShapeError,
    /h0: expected shape \[1, 2, 3\], got shape \[1, 1, 3\]/,
  ],
  [
    'LSTM c0 shape',
    (be) => {
      const r = new LSTM({ inputSize: 2, hiddenSize: 3 });
      seq(be, r);
      return r.run(t(be, [4, 2, 2]), { c0: t(be, [2, 2, 3]) });
    },
    ShapeError,
    /c0: expected shape \[1, 2, 3\], got shape \[2, 2, 3\]/,
  ],
  [
    'backward before forward',
    (be) => {
      const r = new RNN({ inputSize: 2, hiddenSize: 3 });
      seq(be, r);
      return r.backwardFull(t(be, [4, 2, 3]));
    },
    ValueError,
    /backward: expected a forward\(\) first/,
  ],
  [
    'dOutput shape',
    (be) => {
      const r = new RNN({ inputSize: 2, hiddenSize: 3 });
      seq(be, r);
      r.run(t(be, [4, 2, 2]));
      return r.backwardFull(t(be, [4, 2, 2]));
    },
    ShapeError,
    /dOutput: expected shape \[4, 2, 3\], got shape \[4, 2, 2\]/,
  ],
  // optimizers and training
  [
    'learning rate',
    (be) => new SGD(net(be, [2, 2]).params, { lr: -1 }),
    ValueError,
    /lr: expected a learning rate ≥ 0, got -1/,
  ],
  [
    'Adam learning rate',
    (be) => new Adam(net(be, [2, 2]).params, { lr: -0.1 }),
    ValueError,
    /lr: expected a learning rate ≥ 0, got -0.1/,
  ],
  [
    'learning rate as a string',
    (be) => new SGD(net(be, [2, 2]).params, { lr: bad('0.1') }),
    ValueError,
    /lr: expected a learning rate ≥ 0, got "0.1" \(a string\)/,
  ],
  [
    'Adam without params',
    () => new Adam(bad(undefined)),
    ValueError,
    /params: expected a model's parameters \(model.params\), got undefined/,
  ],
  [
    'SGD over a model',
    (be) => new SGD(bad(net(be, [2, 2])), { lr: 0.1 }),
    ValueError,
    /params: expected a model's parameters \(model.params\), got a Sequential/,
  ],
  [
    'SGD unknown option',
    (be) => new SGD(net(be, [2, 2]).params, bad({ lr: 0.1, betas: [0.9, 0.99] })),
    ValueError,
    /SGD options: expected only the options lr, momentum, dampening, weightDecay, nesterov, got unknown option "betas"/,
  ],
  [
    'Adam unknown option',
    (be) => new Adam(net(be, [2, 2]).params, bad({ momentum: 0.9 })),
    ValueError,
    /Adam options: .*got unknown option "momentum"/,
  ],
  [
    'AdamW weight_decay',
    (be) => new AdamW(net(be, [2, 2]).params, bad({ weight_decay: 0.1 })),
    ValueError,
    /AdamW options: .*unknown option "weight_decay" \(did you mean weightDecay\?\)/,
  ],
  [
    'Trainer without a model',
    (be) => new Trainer(bad(null), track(new SGD(net(be, [2, 2]).params, { lr: 1 })), { loss: 'mse' }),
    ValueError,
    /model: expected a Sequential model .*got null/,
  ],
  [
    'Trainer without an optimizer',
    (be) => new Trainer(net(be, [2, 2]), bad(undefined), { loss: 'mse' }),
    ValueError,
    /optimizer: expected an optimizer \(SGD, Adam, AdamW, RMSprop\) over model.params, got undefined/,
  ],
  [
    'Trainer unknown option',
    (be) => {
      const m = net(be, [2, 2]);
      return new Trainer(m, track(new SGD(m.params, { lr: 1 })), bad({ loss: 'mse', clipNorm: 1 }));
    },
    ValueError,
    /options: expected only the options loss, reduction, clip, paramNorms, got unknown option "clipNorm"/,
  ],
  [
    'step with a host array target',
    (be) => trainer(be).step(t(be, [2, 3]), bad([0, 1])),
    ValueError,
    /target: expected a Tensor \(upload host values with ctx.tensor\(data, shape\); fit\/evaluate\/predict take host arrays\), got \[0, 1\]/,
  ],
  [
    'step with host array inputs',
    (be) => trainer(be).step(bad([1, 2, 3]), t(be, [1])),
    ValueError,
    /x: expected a Tensor .*got \[1, 2, 3\]/,
  ],
  [
    'fit without options',
    (be) => trainer(be).fit([1, 2, 3], [0], bad(undefined)),
    ValueError,
    /options: expected \{ epochs, batchSize, … \}, got undefined/,
  ],
  [
    'predict with null options',
    (be) => trainer(be).predict([1, 2, 3], bad(null)),
    ValueError,
    /options: expected an options object, got null/,
  ],
  [
    'loss of undefined',
    (be) => trainer(be).lossOf(bad(undefined), t(be, [1])),
    ValueError,
    /y: expected a Tensor, got undefined/,
  ],
  [
    'nesterov without momentum',
    (be) => new SGD(net(be, [2, 2]).params, { lr: 0.1, nesterov: true }),
    ValueError,
    /nesterov: expected momentum > 0 and dampening 0/,
  ],
  [
    'Adam betas',
    (be) => new Adam(net(be, [2, 2]).params, { betas: [1, 0.9] }),
    ValueError,
    /betas\[0\]: expected a number in \[0, 1\), got 1/,
  ],
  [
    'Adam eps',
    (be) => new Adam(net(be, [2, 2]).params, { eps: 0 }),
    ValueError,
    /eps: expected a positive number, got 0/,
  ],
  [
    'loss name',
    (be) => {
      const m = net(be, [2, 2]);
      return new Trainer(m, track(new SGD(m.params, { lr: 1 })), { loss: 'L1Loss' as 'mse' });
    },
    ValueError,
    /loss: expected one of 'mse', 'crossEntropy', 'bceWithLogits', 'l1', 'huber', 'smoothL1', or \{ name, …options \}, got "L1Loss"/,
  ],
  [
    'clip max norm',
    (be) => {
      const m = net(be, [2, 2]);
      return new Trainer(m, track(new SGD(m.params, { lr: 1 })), { loss: 'mse', clip: { maxNorm: 0 } });
    },
    ValueError,
    /clip.maxNorm: expected a positive number, got 0/,
  ],
  [
    'optimizer of another model',
    (be) => new Trainer(net(be, [2, 2]), track(new SGD(net(be, [2, 2]).params, { lr: 1 })), { loss: 'mse' }),
    ValueError,
    /optimizer: expected an optimizer over this model's params/,
  ],
  [
    'clipGradNorm of null',
    () => clipGradNorm(bad(null), 1),
    ValueError,
    /params: expected a model's parameters \(model.params\), got null/,
  ],
  [
    'clipGradNorm unknown option',
    (be) => clipGradNorm(net(be, [2, 2]).params, 1, bad({ norm_type: 2 })),
    ValueError,
    /options: .*unknown option "norm_type" \(did you mean normType\?\)/,
  ],
  [
    'clipGradValue of a model',
    (be) => clipGradValue(bad(net(be, [2, 2])), 1),
    ValueError,
    /params: expected a model's parameters \(model.params\), got a Sequential/,
  ],
  [
    'schedule of no optimizer',
    () => new StepLR(bad(undefined), { stepSize: 2 }),
    ValueError,
    /optimizer: expected an optimizer \(SGD, Adam, AdamW, RMSprop\) over model.params, got undefined/,
  ],
  [
    'StepLR step_size',
    (be) => new StepLR(track(new SGD(net(be, [2, 2]).params, { lr: 1 })), bad({ step_size: 2 })),
    ValueError,
    /StepLR options: .*unknown option "step_size" \(did you mean stepSize\?\)/,
  ],
  [
    'plateau unknown option',
    (be) => new ReduceLROnPlateau(track(new SGD(net(be, [2, 2]).params, { lr: 1 })), bad({ patiense: 2 })),
    ValueError,
    /ReduceLROnPlateau options: expected only the options mode, factor, .*got unknown option "patiense"/,
  ],
  [
    'clipGradNorm norm type',
    (be) => clipGradNorm(net(be, [2, 2]).params, 1, { normType: 1 as 2 }),
    ValueError,
    /normType: expected 2 or 'inf', got 1/,
  ],
  // host utilities
  [
    'spectral radius of null',
    () => spectralRadius(bad(null), 4),
    ValueError,
    /w: expected the matrix as an array of n·n numbers, row-major, got null/,
  ],
  [
    'safetensors of null',
    () => saveSafetensors(bad(null)),
    ValueError,
    /dict: expected a state dict \{ name: \{ shape, data \} \}/,
  ],
  [
    'safetensors entry without data',
    () => saveSafetensors(bad({ w: { shape: [2] } })),
    ValueError,
    /dict\['w'\].data: expected an array or typed array of numbers, got undefined/,
  ],
  ['JSON of undefined', () => stateDictToJson(bad(undefined)), ValueError, /dict: expected a state dict/],
  [
    'negative random array length',
    () => new Rng(1).uniformArray(-1, 0, 1),
    ValueError,
    /n: expected an integer ≥ 0, got -1/,
  ],
  ['string seed', () => new Rng(bad('a')), ValueError, /seed: expected an integer, got "a" \(a string\)/],
  [
    'progress over no epochs',
    () => new ProgressLine({ epochs: 0, stream: sink }),
    ValueError,
    /epochs: expected a positive integer, got 0/,
  ],
  [
    'progress without a stream',
    () => new ProgressLine(bad({ epochs: 2 })),
    ValueError,
    /stream: expected something with write\(text\), e.g. process.stdout, got undefined/,
  ],
  [
    'progress unknown option',
    () => new ProgressLine(bad({ epochs: 2, stream: sink, total: 10 })),
    ValueError,
    /ProgressLine options: .*unknown option "total"/,
  ],
  [
    'spectral radius of a non-square matrix',
    () => spectralRadius([1, 2, 3], 2),
    ShapeError,
    /w: expected 4 values \(a square \[2, 2\] matrix\), got 3/,
  ],
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
    await expect(createContext(bad({ backnd: 'cpu' }))).rejects.toThrow(
      /options: expected only the options backend, gpu, powerPreference, matmulVariant, recurrentVariant, got unknown option "backnd"/,
    );
    await expect(createContext(bad({ backend: 'cpu', matmulVariant: 'tiled' }))).rejects.toThrow(
      /options: expected only the options backend, got unknown option "matmulVariant"/,
    );
    await expect(createContext({ backend: 'gl' as 'cpu' })).rejects.toThrow(
      /backend: expected 'webgpu' or 'cpu', got "gl"/,
    );
    await expect(createContext({ backend: 'webgpu', matmulVariant: 'fast' as 'tiled' })).rejects.toThrow(
      /matmulVariant: expected 'auto', 'tiled' or 'blocked', got "fast"/,
    );
  });
});

// Sequences with N = 0 are refused by name too (a sequence model, outside the mlp table below).
it('fit / evaluate / predict of no sequences say N ≥ 1', async () => {
  for (const be of [cpu, gpu()] as Backend[]) {
    const model = new Sequential(be, [
      new LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true }),
      new LastStep(),
      new Linear(3, 1),
    ]);
    const trainer = new Trainer(model, new SGD(model.params, { lr: 0.1 }), { loss: 'mse' });
    const x = { data: [], shape: [0, 4, 2] };
    const message =
      /x: expected \[N, T, 2\] \(timeMajor: true for \[T, N, 2\]\) with N ≥ 1 samples and T ≥ 1 steps, got \[0, 4, 2\]/;
    await expect(trainer.predict(x)).rejects.toThrow(message);
    await expect(trainer.evaluate(x, { data: [], shape: [0, 1] })).rejects.toThrow(message);
    await expect(trainer.fit(x, { data: [], shape: [0, 1] }, { epochs: 1, batchSize: 1 })).rejects.toThrow(message);
    trainer.release();
    trainer.optimizer.release();
    model.release();
  }
});

describe('what stays allowed', () => {
  it('RNN.run takes h0 as a tensor or as { h0 } (the LSTM form), with the same result', async () => {
    for (const be of [cpu, gpu()] as Backend[]) {
      const r = new RNN({ inputSize: 2, hiddenSize: 3 });
      const model = new Sequential(be, [r], { seed: 3 });
      const x = be.tensor(new Rng(1).uniformArray(4 * 2 * 2), [4, 2, 2]);
      const h0 = be.tensor(new Rng(2).uniformArray(2 * 3), [1, 2, 3]);
      const read = async (out: { output: Tensor; hN: Tensor }) => [
        ...(await be.read(out.output)),
        ...(await be.read(out.hN)),
      ];
      const plain = await read(r.run(x, h0));
      const asObject = await read(r.run(x, { h0 }));
      const zeros = await read(r.run(x, {}));
      expect(asObject).toEqual(plain);
      expect(zeros).not.toEqual(plain); // the state was used, not dropped
      expect(zeros).toEqual(await read(r.run(x)));
      model.release();
      x.release();
      h0.release();
    }
  });

  it('NaN and Infinity are data; lr = 0 is a learning rate (as torch.optim)', async () => {
    for (const be of [cpu, gpu()] as Backend[]) {
      const x = be.tensor([NaN, Infinity], [2]);
      expect(Array.from(await be.read(x))).toEqual([NaN, Infinity]);
      x.release();
      const model = mlp(be, [2, 2]);
      const opt = new SGD(model.params, { lr: 0 });
      opt.lr = 0;
      expect(opt.lr).toBe(0);
      opt.release();
      model.release();
    }
  });
});

describe('a refused training call changes nothing', () => {
  type Refused = [string, (trainer: Trainer, be: Backend) => Promise<unknown>, ErrorType, RegExp];
  const REFUSED: Refused[] = [
    [
      'target rows ≠ batch',
      (tr, be) => tr.step(t(be, [4, 3]), t(be, [5])),
      ShapeError,
      /target: expected \[4\] for x \[4, 3\] \(class indices\), got \[5\]/,
    ],
    [
      'input features',
      (tr, be) => tr.step(t(be, [4, 2]), t(be, [4])),
      ShapeError,
      /x: expected \[\.\.\., 3\] \(rank ≥ 2\), got \[4, 2\]/,
    ],
    [
      'fractional class',
      (tr) => tr.fit([1, 2, 3, 4, 5, 6], [0, 1.5], { epochs: 1, batchSize: 2 }),
      ValueError,
      /targets\[1\]: expected an integer class index in \[0, 1\], got 1.5/,
    ],
    [
      'class out of range',
      (tr) => tr.fit([1, 2, 3, 4, 5, 6], [0, 2], { epochs: 1, batchSize: 2 }),
      ValueError,
      /targets\[1\]: expected an integer class index in \[0, 1\], got 2/,
    ],
    [
      'NaN input',
      (tr) => tr.fit([1, 2, NaN, 4, 5, 6], [0, 1], { epochs: 1, batchSize: 2 }),
      ValueError,
      /x\[2\]: expected a finite number, got NaN/,
    ],
    [
      'ragged input',
      (tr) => tr.fit([1, 2, 3, 4, 5], [0, 1], { epochs: 1, batchSize: 2 }),
      ShapeError,
      /x: expected \[N, 3\]/,
    ],
    [
      'epochs',
      (tr) => tr.fit([1, 2, 3], [0], { epochs: 0, batchSize: 1 }),
      ValueError,
      /epochs: expected a positive integer, got 0/,
    ],
    // Keras spellings and typos in options must not train with defaults.
    [
      'fit batch_size',
      (tr) => tr.fit([1, 2, 3, 4, 5, 6], [0, 1], bad({ epochs: 1, batch_size: 2 })),
      ValueError,
      /options: expected only the options epochs, batchSize, .*timeMajor, lengths, got unknown option "batch_size" \(did you mean batchSize\?\)/,
    ],
    [
      'fit validation_split',
      (tr) => tr.fit([1, 2, 3, 4, 5, 6], [0, 1], bad({ epochs: 1, batchSize: 1, validation_split: 0.5 })),
      ValueError,
      /options: .*got unknown option "validation_split" \(did you mean validationSplit\?\)/,
    ],
    [
      'validationData y',
      (tr) => tr.fit([1, 2, 3], [0], bad({ epochs: 1, batchSize: 1, validationData: { x: [1, 2, 3], y: [1] } })),
      ValueError,
      /validationData: expected only the options x, targets, lengths, got unknown option "y"/,
    ],
    [
      'earlyStopping min_delta',
      (tr) => tr.fit([1, 2, 3], [0], bad({ epochs: 1, batchSize: 1, earlyStopping: { patience: 1, min_delta: 0.1 } })),
      ValueError,
      /earlyStopping: expected only the options patience, minDelta, restoreBestWeights, got unknown option "min_delta" \(did you mean minDelta\?\)/,
    ],
    [
      'tbptt unknown option',
      (tr) => tr.fit([1, 2, 3], [0], bad({ epochs: 1, batchSize: 1, tbptt: { chunk: 2, stride: 2 } })),
      ValueError,
      /tbptt: expected only the options chunk, starts, got unknown option "stride"/,
    ],
    [
      'evaluate batch_size',
      (tr) => tr.evaluate([1, 2, 3], [0], bad({ batch_size: 1 })),
      ValueError,
      /options: expected only the options batchSize, timeMajor, lengths, got unknown option "batch_size" \(did you mean batchSize\?\)/,
    ],
    [
      'predict verbose',
      (tr) => tr.predict([1, 2, 3], bad({ verbose: 0 })),
      ValueError,
      /options: expected only the options batchSize, timeMajor, lengths, got unknown option "verbose"/,
    ],
    [
      'fit onEpoch a number',
      (tr) => tr.fit([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3], [0, 1, 0, 1], bad({ epochs: 3, batchSize: 2, onEpoch: 5 })),
      ValueError,
      /onEpoch: expected a function, got 5/,
    ],
    [
      'fit onStep a string',
      (tr) => tr.fit([1, 2, 3, 4, 5, 6], [0, 1], bad({ epochs: 1, batchSize: 1, onStep: 'log' })),
      ValueError,
      /onStep: expected a function, got "log" \(a string\)/,
    ],
    [
      'fit onTrainEnd an object',
      (tr) => tr.fit([1, 2, 3, 4, 5, 6], [0, 1], bad({ epochs: 1, batchSize: 1, onTrainEnd: {} })),
      ValueError,
      /onTrainEnd: expected a function, got an object/,
    ],
    [
      'step option typo',
      (tr, be) => tr.step(t(be, [2, 3]), t(be, [2]), bad({ reed: false })),
      ValueError,
      /options: expected only the options read, states, resetRows, lengths, got unknown option "reed"/,
    ],
    [
      'step read as a string',
      (tr, be) => tr.step(t(be, [2, 3]), t(be, [2]), bad({ read: 'no' })),
      ValueError,
      /read: expected true or false, got "no"/,
    ],
    [
      'fit shuffle as 0',
      (tr) => tr.fit([1, 2, 3, 4, 5, 6], [0, 1], bad({ epochs: 1, batchSize: 1, shuffle: 0 })),
      ValueError,
      /shuffle: expected true or false, got 0/,
    ],
    [
      'fit validationSplit a string',
      (tr) => tr.fit([1, 2, 3, 4, 5, 6], [0, 1], bad({ epochs: 1, batchSize: 1, validationSplit: '0.5' })),
      ValueError,
      /validationSplit: expected a fraction in \[0, 1\) \(0: no validation\), got "0.5" \(a string\)/,
    ],
    [
      'fit targets null',
      (tr) => tr.fit([1, 2, 3], bad(null), { epochs: 1, batchSize: 1 }),
      ValueError,
      /^targets: expected an array or typed array of numbers, or \{ data, shape \}, got null/,
    ],
    [
      'fit targets undefined',
      (tr) => tr.fit([1, 2, 3], bad(undefined), { epochs: 1, batchSize: 1 }),
      ValueError,
      /^targets: expected an array or typed array of numbers, or \{ data, shape \}, got undefined/,
    ],
    [
      'fit schedule a string',
      (tr) => tr.fit([1, 2, 3], [0], bad({ epochs: 1, batchSize: 1, schedule: 'cosine' })),
      ValueError,
      /schedule: expected a learning-rate schedule \(StepLR, ReduceLROnPlateau, …\), got "cosine" \(a string\)/,
    ],
    [
      'fit plateau per batch',
      (tr) =>
        tr.fit([1, 2, 3, 4, 5, 6], [0, 1], {
          epochs: 1,
          batchSize: 1,
          schedule: new ReduceLROnPlateau(tr.optimizer),
          scheduleEvery: 'batch',
        }),
      ValueError,
      /scheduleEvery: expected 'epoch' for ReduceLROnPlateau .*got 'batch'/,
    ],
    [
      'fit of no rows',
      (tr) => tr.fit({ data: [], shape: [0, 3] }, [], { epochs: 1, batchSize: 1 }),
      ShapeError,
      /x: expected \[N, 3\] with N ≥ 1 rows, got \[0, 3\]/,
    ],
    [
      'evaluate of no rows',
      (tr) => tr.evaluate({ data: [], shape: [0, 3] }, []),
      ShapeError,
      /x: expected \[N, 3\] with N ≥ 1 rows, got \[0, 3\]/,
    ],
    [
      'predict of no rows',
      (tr) => tr.predict({ data: [], shape: [0, 3] }),
      ShapeError,
      /x: expected \[N, 3\] with N ≥ 1 rows, got \[0, 3\]/,
    ],
    [
      'fit x null',
      (tr) => tr.fit(bad(null), [0], { epochs: 1, batchSize: 1 }),
      ValueError,
      /x: expected an array or typed array of numbers, or \{ data, shape \}, got null/,
    ],
    [
      'fit x.data a string',
      (tr) => tr.fit(bad({ data: '123', shape: [1, 3] }), [0], { epochs: 1, batchSize: 1 }),
      ValueError,
      /x.data: expected an array or typed array of numbers, got "123"/,
    ],
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
