// Dates written by people → ISO 8601 with an encoder–decoder and attention, trained in a worker: live loss
// per step, validation exact match (greedy decoding) and token accuracy (teacher-forced) per epoch; then a
// typed date decoded greedily and by beam search (the hypotheses with their scores) and the greedy output's
// attention weights as a heat map (output characters × input characters) with a table of the numbers. The
// task (dates, formats, split, vocabularies) is examples/dates_task.ts and the model examples/dates_model.ts,
// shared with `npm run dates`.
import type { BeamHypothesis, Seq2SeqSpec, TrainerSpec } from '../src/index.js';
import {
  END,
  SOURCE_VOCAB,
  START,
  TARGET_VOCAB,
  encodeChars,
  exactMatch,
  makeBatch,
  makeExamples,
  seq2seqPairs,
  splitDates,
} from '../examples/dates_task.js';
import { datesModelOptions } from '../examples/dates_model.js';
import { $, PageTrainer, describeError, lineChart, setStatus, throttle } from './shared.js';

const SEED = 1;
/** Training dates per epoch (consecutive slices of the shuffled training dates), each in a fresh format. */
const PER_EPOCH = 4096;
const BATCH = 128;
/** Validation dates scored after each epoch. */
const VALIDATION = 512;
const LR = 0.01;
/** "YYYY-MM-DD" and the end token. */
const MAX_LENGTH = 11;

const MODEL: Seq2SeqSpec = {
  type: 'Seq2Seq',
  ...datesModelOptions({ hidden: 32, embedding: 16, score: 'general', inputFeeding: false, seed: SEED }),
};
const SPEC: TrainerSpec<Seq2SeqSpec> = {
  model: MODEL,
  optimizer: { type: 'Adam', lr: LR },
  loss: 'crossEntropy',
  clip: { maxNorm: 1 },
};

const split = splitDates({ seed: SEED });
const validation = makeExamples(split.validation.slice(0, VALIDATION), { seed: 1_000_000 + SEED });
const validationPairs = seq2seqPairs(validation);
const validationBatch = makeBatch(validation);
$('per-epoch').textContent = PER_EPOCH.toLocaleString('en');
$('batch').textContent = String(BATCH);

const pageTrainer = new PageTrainer(SPEC);
let stopRequested = false;
/** What the tests read (they drive the page through its controls). */
const state = {
  runs: 0,
  steps: 0,
  losses: [] as number[],
  epochs: 0,
  exactMatch: [] as number[],
  tokenAccuracy: [] as number[],
  trained: false,
  done: false,
  decodes: 0,
  decoded: null as null | {
    input: string;
    output: string;
    finished: boolean;
    beams: Array<{ output: string; score: number }>;
    rows: string[];
    columns: string[];
  },
};
(window as unknown as { __dates: unknown }).__dates = state;

const button = (id: string) => $<HTMLButtonElement>(id);
const examples = () => Array.from(document.querySelectorAll<HTMLButtonElement>('button.example'));
const decodeControls = (enabled: boolean) =>
  [button('normalise'), ...examples()].forEach((b) => (b.disabled = !enabled));
const pct = (a: number) => `${(a * 100).toFixed(1)}%`;

function showModelState(text: string): void {
  $('model-state').textContent = `Model: ${text}`;
}

/** The training dates of epoch `e`: the next PER_EPOCH of the shuffled training dates, written in fresh formats. */
function epochPairs(e: number) {
  const n = split.train.length;
  const dates = Array.from({ length: PER_EPOCH }, (_, i) => split.train[(e * PER_EPOCH + i) % n]);
  return seq2seqPairs(makeExamples(dates, { seed: SEED + 7919 * (e + 1) }));
}

async function train(): Promise<void> {
  const epochs = Number($<HTMLInputElement>('epochs').value);
  stopRequested = false;
  button('start').disabled = true;
  decodeControls(false);
  Object.assign(state, {
    runs: state.runs + 1,
    steps: 0,
    losses: [],
    epochs: 0,
    exactMatch: [],
    tokenAccuracy: [],
    trained: false,
    done: false,
  });
  setStatus('Starting…');
  try {
    const trainer = await pageTrainer.rebuilt(SPEC);
    if (!trainer) return;
    showModelState('training from a fresh initialisation…');
    $('result').hidden = true; // the last model's output: that model is gone
    button('stop').disabled = false;
    $('loss').innerHTML = '';
    $('accuracy').innerHTML = '';
    const lossChart = lineChart($('loss'), {
      title: 'Training loss',
      xLabel: 'step',
      yLabel: 'nats / character',
      log: true,
      series: [{ label: 'batch', color: '#2b7bba' }],
    });
    const accuracyChart = lineChart($('accuracy'), {
      title: `Validation (${VALIDATION} dates never trained on)`,
      xLabel: 'epoch',
      yLabel: '%',
      yRange: () => [0, 100],
      series: [
        { label: 'exact match (greedy)', color: '#d62728', width: 2 },
        { label: 'token accuracy (teacher-forced)', color: '#555', dash: [5, 3] },
      ],
    });
    const redraw = throttle(() => lossChart.setData([state.losses.map((_, k) => k + 1), state.losses]));
    for (let e = 0; e < epochs && !stopRequested; e++) {
      const history = await trainer.fit(epochPairs(e), {
        epochs: 1,
        batchSize: BATCH,
        seed: SEED + e,
        transfer: true,
        onStep: (s) => {
          state.losses.push(s.loss);
          state.steps++;
          redraw.request();
          if (!stopRequested)
            setStatus(`Epoch ${e + 1}/${epochs}, batch ${s.batch + 1}/${s.batches}: loss ${s.loss.toFixed(4)}.`);
        },
      });
      redraw.flush();
      if (history.epochLosses.length === 0 && state.steps === 0) break; // stopped before its first step
      setStatus(`Epoch ${e + 1}/${epochs}: scoring the validation dates…`);
      const [{ accuracy }, exact] = [await trainer.evaluate(validationPairs), await validationExactMatch()];
      state.tokenAccuracy.push(accuracy);
      state.exactMatch.push(exact);
      state.epochs = e + 1;
      state.trained = true;
      accuracyChart.setData([
        state.exactMatch.map((_, k) => k + 1),
        state.exactMatch.map((a) => a * 100),
        state.tokenAccuracy.map((a) => a * 100),
      ]);
      showModelState(
        `trained ${state.steps} steps (${state.epochs} epoch${state.epochs === 1 ? '' : 's'}${stopRequested ? ', the last one stopped early' : ''}): ` +
          `validation exact match ${pct(exact)}, token accuracy ${pct(accuracy)}.`,
      );
    }
    setStatus(
      stopRequested ? `Stopped after ${state.steps} steps.` : `Trained ${epochs} epoch${epochs === 1 ? '' : 's'}.`,
    );
    if (state.trained) {
      decodeControls(true);
      await normalise(false);
    } else showModelState('none yet — Train makes one.');
  } finally {
    state.done = true;
    button('stop').disabled = true;
    button('start').disabled = false;
  }
}

async function validationExactMatch(): Promise<number> {
  const trainer = (await pageTrainer.live())!;
  const { hypotheses } = await trainer.decode(validationBatch.source.data, validationBatch.sourceLengths, {
    maxLength: MAX_LENGTH,
    startToken: START,
    endToken: END,
  });
  return exactMatch(
    hypotheses.map((h) => outputText(h[0])),
    validation.map((e) => e.target),
  ).accuracy;
}

/** What the visitor typed cannot be read: shown in the status as it says. */
class InputProblem extends Error {}

/** The typed text's character ids, or an InputProblem saying what is wrong with it. */
function sourceIds(text: string): number[] {
  if (text.length === 0) throw new InputProblem('Type a date first, for example “3 May 1998”.');
  const chars = [...text];
  const bad = chars.findIndex((c) => (SOURCE_VOCAB.index.get(c) ?? 0) <= END);
  if (bad >= 0)
    throw new InputProblem(
      `The model reads only letters A–Z, digits, spaces and ' , - . / — “${chars[bad]}” (character ${bad + 1}) is not one of them.`,
    );
  return encodeChars(SOURCE_VOCAB, text);
}

const shown = (c: string) => (c === ' ' ? '␣' : c);
/** A heat-map row's label: the character, 'end' for the end token (an untrained model may write <pad> or <s> too). */
const tokenText = (id: number) => (id === END ? 'end' : TARGET_VOCAB.tokens[id]);
/** A hypothesis's text: its tokens before the end token, the special ones as <pad> and <s>. */
const outputText = (h: BeamHypothesis) => (h.finished ? h.tokens.slice(0, -1) : h.tokens).map(tokenText).join('');

/** Whether "YYYY-MM-DD" names a day of the calendar. */
function isCalendarDate(iso: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().startsWith(iso);
}

const SVG = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** White for no attention, dark blue for all of it. */
const shade = (a: number) => `hsl(212, 75%, ${Math.round(100 - 72 * Math.min(1, Math.max(0, a)))}%)`;

/** The heat map (rows: output characters; columns: input characters) as an SVG, and its numbers as a table. */
function drawAttention(columns: string[], rows: string[], weights: number[][]): void {
  const [cell, left, top] = [22, 44, 26];
  const width = left + columns.length * cell;
  const height = top + rows.length * cell;
  const map = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    role: 'img',
    'aria-label': `Attention weights: ${rows.length} output characters (rows) by ${columns.length} input characters (columns); the table below lists them.`,
  });
  map.style.maxWidth = '100%';
  map.style.height = 'auto';
  columns.forEach((c, s) =>
    map.append(svg('text', { x: left + s * cell + cell / 2, y: top - 8, class: 'col' }, shown(c))),
  );
  rows.forEach((r, t) => {
    map.append(svg('text', { x: left - 6, y: top + t * cell + cell / 2 + 4, class: 'row' }, r));
    columns.forEach((c, s) => {
      const a = weights[t][s];
      const rect = svg('rect', {
        x: left + s * cell,
        y: top + t * cell,
        width: cell - 1,
        height: cell - 1,
        fill: shade(a),
        class: 'cell',
      });
      rect.append(svg('title', {}, `writing “${r}”, looking at “${shown(c)}” (character ${s + 1}): ${a.toFixed(3)}`));
      map.append(rect);
    });
  });
  $('heatmap').replaceChildren(map);
  const table = $<HTMLTableElement>('heatmap-table');
  table.innerHTML = '';
  const head = table.createTHead().insertRow();
  head.append(Object.assign(document.createElement('th'), { textContent: 'output \\ input' }));
  for (const c of columns) head.append(Object.assign(document.createElement('th'), { textContent: shown(c) }));
  const body = table.createTBody();
  rows.forEach((r, t) => {
    const row = body.insertRow();
    row.append(Object.assign(document.createElement('th'), { textContent: r }));
    for (const a of weights[t]) row.insertCell().textContent = a.toFixed(2);
  });
}

function beamTable(k: number, beams: BeamHypothesis[], greedy: string): void {
  const table = $<HTMLTableElement>('beams');
  table.innerHTML =
    `<caption>Beam search, width ${k}: the hypotheses, best first</caption>` +
    '<tr><th>rank</th><th>output</th><th>score (log-probability)</th><th>probability</th><th>ended</th></tr>';
  beams.forEach((h, i) => {
    const text = outputText(h);
    const row = table.insertRow();
    row.className = 'beam';
    if (text === greedy) row.classList.add('greedy');
    for (const v of [String(i + 1), text, h.score.toFixed(3), pct(Math.exp(h.logProb)), h.finished ? 'yes' : 'no'])
      row.insertCell().textContent = v;
  });
}

/** Decodes the typed date; `announce` puts the result in the status (after training, the status says how training ended). */
async function normalise(announce = true): Promise<void> {
  const input = $<HTMLInputElement>('date').value.trim();
  const k = Number($<HTMLInputElement>('beam').value);
  let ids: number[];
  try {
    ids = sourceIds(input);
    if (!(Number.isInteger(k) && k >= 1 && k <= 5))
      throw new InputProblem(
        `The beam width is a whole number from 1 to 5, not “${$<HTMLInputElement>('beam').value}”.`,
      );
  } catch (e) {
    if (e instanceof InputProblem) return setStatus(e.message, { error: true });
    throw e;
  }
  const trainer = (await pageTrainer.live())!;
  decodeControls(false);
  try {
    const options = { maxLength: MAX_LENGTH, startToken: START, endToken: END };
    const greedy = (await trainer.decode(ids, [ids.length], options)).hypotheses[0][0];
    const beams = (await trainer.decode(ids, [ids.length], { ...options, beamWidth: k })).hypotheses[0];
    const output = outputText(greedy);
    const columns = [...input];
    const rows = greedy.tokens.map(tokenText);
    $('input-shown').textContent = input;
    $('output').textContent = output || '(nothing)';
    $('output-note').textContent =
      (isCalendarDate(output)
        ? 'Greedy decoding (the likeliest character at each step).'
        : 'Greedy decoding (the likeliest character at each step) — not a date of the calendar: the model has more to learn.') +
      (greedy.finished ? '' : ` It wrote ${MAX_LENGTH} characters without ending.`);
    beamTable(k, beams, output);
    drawAttention(columns, rows, greedy.attention!);
    $('result').hidden = false;
    state.decodes++;
    state.decoded = {
      input,
      output,
      finished: greedy.finished,
      beams: beams.map((h) => ({ output: outputText(h), score: h.score })),
      rows,
      columns,
    };
    if (announce) setStatus(`“${input}” → ${output}`);
  } finally {
    decodeControls(true);
  }
}

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  train().catch((err) => {
    setStatus(describeError(err), { error: true });
    showModelState(state.trained ? 'as trained before the error.' : 'none yet — Train makes one.');
  });
});
$('stop').addEventListener('click', async () => {
  stopRequested = true;
  setStatus('Stopping after this step…'); // the step in flight cannot be interrupted
  (await pageTrainer.live())?.stop();
});
const decodeNow = () => normalise(true).catch((err) => setStatus(describeError(err), { error: true }));
$('normalise').addEventListener('click', decodeNow);
$('date').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault(); // not the form's submit (Train)
    if (!button('normalise').disabled) decodeNow();
  }
});
for (const b of examples())
  b.addEventListener('click', () => {
    $<HTMLInputElement>('date').value = b.textContent!;
    decodeNow();
  });

// Without WebGPU (and no ?backend=cpu) the banner says so and the controls stay disabled.
pageTrainer.live().catch((err) => setStatus(describeError(err), { error: true }));
