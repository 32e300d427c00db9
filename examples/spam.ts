// npm run spam: spam or ham? Sequence classification of real mail (the SpamAssassin public corpus) with an
// Embedding → GRU → LastStep → Linear model on the default WebGPU adapter, against two bag-of-words baselines
// (multinomial naive Bayes, tf-idf logistic regression) on the same held-out messages. Prints accuracy and the
// precision and recall of spam for each, the GRU's per seed and their mean. See examples/spam_task.ts for how
// messages become word ids.
import { ProgressLine, createContext } from '../src/index.js';
import type { Scores } from './spam_baselines.js';
import { runSpam, type SpamConfig } from './spam_model.js';
import { loadSpamAssassin } from './spam_task.js';
import { cli } from '../scripts/cli.js';

cli({
  name: 'examples/spam.ts',
  usage: 'npm run spam   (or: bash scripts/with-vulkan.sh npx vite-node examples/spam.ts)',
  about:
    'Spam or ham: an Embedding → GRU classifier on the SpamAssassin corpus against naive Bayes and tf-idf logistic\n' +
    'regression on the same held-out messages, on the default WebGPU adapter.',
  flags: {},
});

const config: SpamConfig = {
  task: { maxLen: 100, minCount: 2, maxVocab: 3000, heldOut: 0.2, validation: 0.15, seed: 0 },
  embed: 32,
  hidden: 32,
  dropout: 0.3,
  epochs: 8,
  batchSize: 64,
  lr: 0.01,
  patience: 2,
  seeds: [1, 2, 3],
  logistic: { epochs: 40, lr: 0.03 },
};

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const describe = (s: Scores) =>
  `accuracy ${pct(s.accuracy)}, spam precision ${pct(s.precision)}, recall ${pct(s.recall)}`;

const t0 = performance.now();
const messages = loadSpamAssassin();
const ctx = await createContext({ backend: 'webgpu' });
console.log(
  `adapter: ${ctx.adapter.description || ctx.adapter.device} (vendor ${ctx.adapter.vendor}, ${ctx.adapter.software ? 'software' : 'hardware'})`,
);
const result = await runSpam(ctx, messages, config, {
  onBaselines({ task, naiveBayes, logistic }) {
    const n = (s: { labels: number[] }) => `${s.labels.length} (${s.labels.filter((l) => l === 1).length} spam)`;
    console.log(
      `task: SpamAssassin public corpus, ${task.messages} messages, ${task.unique} after deduplication; subject + decoded body, ` +
        `first ${task.maxLen} words; train ${n(task.train)}, validation ${n(task.val)}, held out ${n(task.test)}; vocabulary ${task.vocab.size} ids ` +
        `(words in ≥ ${config.task.minCount} training messages, + padding and out-of-vocabulary)`,
    );
    console.log(`baseline naive Bayes (alpha ${naiveBayes.alpha}, chosen on validation): ${describe(naiveBayes)}`);
    console.log(
      `baseline tf-idf logistic regression (Linear ${task.vocab.size}→2 on the GPU, ${logistic.epochs} epochs, ${logistic.seconds.toFixed(1)} s): ${describe(logistic)}`,
    );
    console.log(
      `model: Embedding(${task.vocab.size}, ${config.embed}) → Dropout(${config.dropout}) → GRU(${config.embed}→${config.hidden}) → LastStep → Dropout(${config.dropout}) → Linear(${config.hidden}→2), ` +
        `each message's own length (padding after it never read); Adam lr ${config.lr}, batch ${config.batchSize}, clip_grad_norm 1, up to ${config.epochs} epochs, ` +
        `early stopping (patience ${config.patience}) on the validation loss, seeds ${config.seeds.join(', ')}\n`,
    );
  },
  onSeed() {
    const progress = new ProgressLine({ epochs: config.epochs, stream: process.stdout });
    return { onStep: progress.onStep, onEpoch: progress.onEpoch };
  },
  onRun(r) {
    console.log(
      `seed ${r.seed}: ${describe(r.scores)} (${r.epochLosses.length} epochs, best ${r.bestEpoch + 1}, ${r.seconds.toFixed(1)} s)\n`,
    );
  },
});
ctx.destroy();

const accs = result.runs.map((r) => r.scores.accuracy);
const best = Math.max(result.naiveBayes.accuracy, result.logistic.accuracy);
console.log(`held-out (${result.task.test.labels.length} messages):`);
console.log(
  `  GRU          ${describe(result.gru)} (mean of ${accs.length} seeds; accuracy ${accs.map(pct).join(' ')})`,
);
console.log(`  naive Bayes  ${describe(result.naiveBayes)}`);
console.log(`  tf-idf LR    ${describe(result.logistic)}`);
console.log(
  `GRU vs the better baseline: ${((result.gru.accuracy - best) * 100).toFixed(1)} accuracy points; total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);
