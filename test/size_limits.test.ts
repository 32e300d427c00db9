// Sizes past what a backend can allocate (issue 13): a ShapeError naming the limit and the size asked
// for — at model construction, tensor creation and forward — never a RangeError from a typed array or an
// out-of-memory crash, and a refused call leaves no tensor behind and the model usable.
import { describe, expect, it } from 'vitest';
import { LSTM, LastStep, Linear, RNN, Sequential, ShapeError, mlp, type Backend } from '../src/index.js';
import { useGpu } from './helpers.js';

const { gpu, cpu } = useGpu();
const backends = () => [cpu, gpu()] as Backend[];
const limit = (be: Backend) => new RegExp(`at most ${be.maxTensorElements} elements per tensor \\(`);
const limitName = (be: Backend) =>
  be.kind === 'cpu'
    ? /the CPU backend's maxTensorElements/
    : /this adapter's maxStorageBufferBindingSize and maxBufferSize/;

describe('sizes past the backend’s limits', () => {
  it('maxTensorElements: the adapter’s binding limit on the GPU, 2^30 on the CPU', () => {
    const g = gpu();
    expect(g.maxTensorElements).toBe(
      Math.floor(Math.min(g.limits.maxStorageBufferBindingSize, g.limits.maxBufferSize) / 4),
    );
    expect(cpu.maxTensorElements).toBe(2 ** 30);
  });

  it('model construction: a hidden size far past the limit, and a huge MLP', () => {
    for (const be of backends()) {
      const live = be.liveTensors();
      const huge = () =>
        new Sequential(be, [
          new LSTM({ inputSize: 4, hiddenSize: 1_000_000 }),
          new LastStep(),
          new Linear(1_000_000, 1),
        ]);
      expect(huge).toThrow(ShapeError);
      expect(huge).toThrow(limit(be));
      expect(huge).toThrow(
        /params: expected .*all parameters live in one tensor\), got 4\d{12} parameters \(largest: 0\.weight_hh_l0 \[4000000, 1000000\]\)/,
      );
      expect(() => mlp(be, [100_000, 100_000])).toThrow(/got 10000\d+ parameters/);
      expect(be.liveTensors(), `${be.kind}: nothing allocated`).toBe(live);
    }
  });

  it('tensor creation: zeros / empty past the limit', () => {
    for (const be of backends()) {
      const past = be.maxTensorElements + 1;
      for (const make of [() => be.zeros([past]), () => be.empty([1_000_000, 1_000_000])]) {
        expect(make).toThrow(ShapeError);
        expect(make).toThrow(limit(be));
        expect(make).toThrow(limitName(be));
      }
      expect(() => be.zeros([past])).toThrow(new RegExp(`got \\[${past}\\] = ${past}`));
    }
  });

  it('forward on a batch whose per-layer buffers would not fit: refused before any work, the model still works', async () => {
    // LSTM H = 512: the gates of all steps are T·B·4·512 values; T·B = 614,400 asks for 1.26e9, past
    // 2^30 (CPU) and this adapter's limit, while x itself is only 614,400 values.
    const [T, B, H] = [1024, 600, 512];
    for (const be of backends()) {
      const lstm = new LSTM({ inputSize: 1, hiddenSize: H });
      const model = new Sequential(be, [lstm, new LastStep(), new Linear(H, 1)], { seed: 1 });
      const small = be.tensor([0.5, -0.5, 0.25], [3, 1, 1]);
      const before = await be.read(model.forward(small));
      const live = be.liveTensors();
      const x = be.zeros([T, B, 1]);
      expect(() => model.forward(x)).toThrow(ShapeError);
      expect(() => model.forward(x)).toThrow(limit(be));
      expect(() => model.forward(x)).toThrow(/x: .*got \[1024, 600, 1\], whose buffers for 1·4·512 units need 1258\d+/);
      x.release();
      expect(be.liveTensors(), `${be.kind}: the refused forward left nothing alive`).toBe(live);
      expect(Array.from(await be.read(model.forward(small)))).toEqual(Array.from(before));
      small.release();
      model.release();
    }
  });

  it('the same check guards bidirectional RNN modules', () => {
    for (const be of backends()) {
      const rnn = new RNN({ inputSize: 1, hiddenSize: 1024, bidirectional: true });
      const model = new Sequential(be, [rnn], { names: 'none' });
      const x = be.zeros([1024, 600, 1]); // 1024·600·2·1024 ≈ 1.26e9 pre-activations
      expect(() => rnn.run(x)).toThrow(limit(be));
      x.release();
      model.release();
    }
  });
});
