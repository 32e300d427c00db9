import { LSTM, RNN, Rng, Sequential, createContext } from '../src/index.js';
const g = await createContext();
const T = 64;
for (const [cellName, B, H] of [['rnn', 8, 32], ['rnn', 32, 32], ['rnn', 32, 64], ['rnn', 4, 16], ['lstm', 4, 16], ['lstm', 8, 16], ['lstm', 8, 32], ['lstm', 16, 32], ['lstm', 1, 128], ['lstm', 1, 64], ['rnn', 1, 128]] as const) {
  const res: string[] = [];
  for (const path of ['step', 'persistent'] as const) {
    const cell = cellName === 'lstm' ? new LSTM({ inputSize: 8, hiddenSize: H, path }) : new RNN({ inputSize: 8, hiddenSize: H, path });
    const m = new Sequential(g, [cell]);
    const x = g.tensor(new Rng(1).uniformArray(T * B * 8), [T, B, 8]);
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const y = m.forward(x);
      const dy = g.zeros(y.shape);
      m.backward(dy);
      await g.sync();
      dy.release();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    res.push(`${path} ${times[2].toFixed(1)}ms`);
    x.release(); m.release();
  }
  const G = cellName === 'lstm' ? 4 : 1;
  console.log(cellName, `B=${B} H=${H} DBH=${B * H} work/step=${B * H * G * H}`, res.join('  '));
}
g.destroy();
