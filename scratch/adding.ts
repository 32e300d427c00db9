import { Adam, LSTM, Linear, RNN, Rng, Sequential, Trainer, createContext } from '../src/index.js';
const g = await createContext();
const [T, B, H] = [100, 32, Number(process.env.H ?? 16)];
const rng = new Rng(1);
function batch() {
  const x = new Float64Array(T * B * 2);
  const y = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    const i = rng.int(T / 2), j = T / 2 + rng.int(T / 2);
    let s = 0;
    for (let t = 0; t < T; t++) {
      const v = rng.next();
      x[(t * B + b) * 2] = v;
      const m = t === i || t === j ? 1 : 0;
      x[(t * B + b) * 2 + 1] = m;
      if (m) s += v;
    }
    y[b] = s;
  }
  return { x, y };
}
for (const kind of (process.argv[2] ?? 'lstm,rnn').split(',')) {
  const cell = kind === 'lstm' ? new LSTM({ inputSize: 2, hiddenSize: H, forgetBias: Number(process.env.FB ?? 1), path: (process.env.P as 'step') ?? 'auto' }) : new RNN({ inputSize: 2, hiddenSize: H });
  const model = new Sequential(g, [cell], { seed: 1 });
  const head = new Sequential(g, [new Linear(H, 1)], { seed: 2 });
  const x = g.zeros([T, B, 2]);
  const y = g.zeros([B, 1]);
  const opt = new Adam(model.params, { lr: 0.01 });
  const hopt = new Adam(head.params, { lr: 0.01 });
  const t0 = performance.now();
  let avg = 0;
  for (let it = 0; it < Number(process.argv[3] ?? 600); it++) {
    const b = batch();
    g.write(x, b.x); g.write(y, b.y);
    model.zeroGrad(); head.zeroGrad();
    const out = model.forward(x); // [T, B, H]
    const last = g.viewAt(out, (T - 1) * B * H, [B, H]);
    const pred = head.forward(last);
    const { loss, grad } = g.mse(pred, y, 'mean');
    const dlast = head.backward(grad, { inputGrad: true })!;
    const dout = g.zeros([T, B, H]);
    g.copy(dlast, dout, (T - 1) * B * H);
    model.backward(dout);
    opt.step(); hopt.step();
    const l = (await g.read(loss))[0];
    avg = it === 0 ? l : 0.98 * avg + 0.02 * l;
    loss.release(); grad.release(); dout.release();
    if (it % 100 === 0) console.log(kind, it, avg.toFixed(4), ((performance.now() - t0) / (it + 1)).toFixed(1), 'ms/it');
  }
  console.log(kind, 'final', avg.toFixed(4));
}
g.destroy();
