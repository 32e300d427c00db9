import { Adam, RNN, LSTM, LastStep, Linear, Rng, Sequential, Trainer, createContext } from '../src/index.js';
const g = await createContext();
const [T, B, H] = [Number(process.env.T ?? 100), 32, 16];
function makeBatch(rng: Rng) {
  const x = new Float64Array(T * B * 2); const y = new Float64Array(B);
  for (let b = 0; b < B; b++) { 
    const s2 = T / 2 + rng.int(T / 2); const f1 = rng.int(T / 2); for (let t = 0; t < T; t++) { const v = rng.next(); x[(t * B + b) * 2] = v; if (t === f1 || t === s2) { x[(t * B + b) * 2 + 1] = 1; y[b] += v; } } }
  return { x, y };
}
for (const cfg of JSON.parse(process.argv[2])) {
  const model = new Sequential(g, [(cfg.rnn ? new RNN({ inputSize: 2, hiddenSize: H }) : new LSTM({ inputSize: 2, hiddenSize: H, forgetBias: cfg.fb })), new LastStep(), new Linear(H, 1)], { seed: cfg.seed });
  const opt = new Adam(model.params, { lr: cfg.lr });
  const trainer = new Trainer(model, opt, { loss: 'mse', clip: cfg.clip ? { maxNorm: cfg.clip } : undefined });
  const rng = new Rng(cfg.data); const x = g.zeros([T, B, 2]); const y = g.zeros([B, 1]);
  let avg = 0, step = 0;
  for (; step < (cfg.max ?? 800) && !(step > 50 && avg < 0.005); step++) { const b = makeBatch(rng); g.write(x, b.x); g.write(y, b.y); const r = (await trainer.step(x, y))!; const l = r.loss; if (r.skipped) continue; avg = step === 0 ? l : 0.95 * avg + 0.05 * l; }
  console.log(JSON.stringify(cfg), 'steps', step, 'loss', avg.toFixed(4));
  x.release(); y.release(); trainer.release(); opt.release(); model.release();
}
g.destroy();
