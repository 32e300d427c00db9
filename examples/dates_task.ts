// The date-normalisation task shared by the Node example and the dates page: dates written by people
// ("3 May 1998", "Sun, May 3 1998", "05/03/98", "3.5.1998", "May the third, 1998", …) to ISO 8601
// ("1998-05-03"). Every date lies in 1950–2049, so a two-digit year means exactly one year; slashes are
// always month/day/year and dots day.month.year, so no input means two dates. The calendar dates are split
// (seeded) into train / validation / held-out before any text is written, so a held-out date never appears
// in training in any format. Character vocabularies with a padding id (Embedding's paddingIdx,
// crossEntropy's ignoreIndex) and the decoder's start and end tokens; padded, time-major id batches
// { source, sourceLengths, target, targetLengths }; exact-match accuracy; a naive Bayes baseline.
import { Rng, ValueError, type HostArray, type Seq2SeqData } from '../src/index.js';

export interface CalendarDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

/** The dates of the task: 1950-01-01 … 2049-12-31, the century a two-digit year names. */
export const FIRST_YEAR = 1950;
export const LAST_YEAR = 2049;

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const UNITS = [
  '',
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
];

/** Every date of FIRST_YEAR … LAST_YEAR in calendar order (36525 dates). */
export function allDates(): CalendarDate[] {
  const dates: CalendarDate[] = [];
  for (let t = Date.UTC(FIRST_YEAR, 0, 1); t <= Date.UTC(LAST_YEAR, 11, 31); t += 86_400_000) {
    const d = new Date(t);
    dates.push({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
  }
  return dates;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** "YYYY-MM-DD": the target of every example. */
export function isoDate({ year, month, day }: CalendarDate): string {
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** 0 = Sunday … 6 = Saturday (the proleptic Gregorian calendar). */
export function weekday({ year, month, day }: CalendarDate): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** 1 → "1st", 2 → "2nd", 11 → "11th", 22 → "22nd". */
export function ordinalSuffix(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** 1 → "first", 21 → "twenty-first", 30 → "thirtieth" (1–31). */
export function ordinalWord(n: number): string {
  if (n < 20) return UNITS[n];
  const tens = n < 30 ? 'twenty' : 'thirty';
  return n % 10 === 0 ? `${tens.slice(0, -1)}ieth` : `${tens}-${UNITS[n % 10]}`;
}

/** How a person capitalised the date: as in the format ("3 May 1998"), all lower case or all upper case. */
export type Casing = 'written' | 'lower' | 'upper';

export interface DateFormat {
  /** The pattern in words, e.g. "D Month YYYY". */
  name: string;
  /** Whether the format has letters, so that casing changes it. */
  letters: boolean;
  /** The date in this format, as written (casing 'written'). */
  write(d: CalendarDate): string;
}

const month = (d: CalendarDate) => MONTHS[d.month - 1];
const mon = (d: CalendarDate) => MONTHS[d.month - 1].slice(0, 3);
const yy = (d: CalendarDate) => pad2(d.year % 100);
const wday = (d: CalendarDate) => WEEKDAYS[weekday(d)];

/**
 * The task's 15 formats. Weekday names are those of the date; abbreviations are three letters ("Sep"),
 * followed by a dot in "Mon. D YYYY" where they shorten the name ("Aug. 3 1998" but "May 3 1998").
 */
export const DATE_FORMATS: readonly DateFormat[] = [
  { name: 'D Month YYYY', letters: true, write: (d) => `${d.day} ${month(d)} ${d.year}` },
  { name: 'D Mon YY', letters: true, write: (d) => `${d.day} ${mon(d)} ${yy(d)}` },
  { name: 'Wdy, Mon D YYYY', letters: true, write: (d) => `${wday(d).slice(0, 3)}, ${mon(d)} ${d.day} ${d.year}` },
  { name: 'MM/DD/YY', letters: false, write: (d) => `${pad2(d.month)}/${pad2(d.day)}/${yy(d)}` },
  { name: 'M/D/YYYY', letters: false, write: (d) => `${d.month}/${d.day}/${d.year}` },
  { name: 'D.M.YYYY', letters: false, write: (d) => `${d.day}.${d.month}.${d.year}` },
  { name: 'DD.MM.YY', letters: false, write: (d) => `${pad2(d.day)}.${pad2(d.month)}.${yy(d)}` },
  {
    name: 'Month the Dth (in words), YYYY',
    letters: true,
    write: (d) => `${month(d)} the ${ordinalWord(d.day)}, ${d.year}`,
  },
  {
    name: 'the Dth of Month YYYY',
    letters: true,
    write: (d) => `the ${ordinalSuffix(d.day)} of ${month(d)} ${d.year}`,
  },
  { name: 'Weekday, D Month YYYY', letters: true, write: (d) => `${wday(d)}, ${d.day} ${month(d)} ${d.year}` },
  { name: 'Month D, YYYY', letters: true, write: (d) => `${month(d)} ${d.day}, ${d.year}` },
  { name: "Dth Mon 'YY", letters: true, write: (d) => `${ordinalSuffix(d.day)} ${mon(d)} '${yy(d)}` },
  { name: 'DD-Mon-YY', letters: true, write: (d) => `${pad2(d.day)}-${mon(d)}-${yy(d)}` },
  {
    name: 'Weekday the Dth (in words) of Month, YYYY',
    letters: true,
    write: (d) => `${wday(d)} the ${ordinalWord(d.day)} of ${month(d)}, ${d.year}`,
  },
  {
    name: 'Mon. D YYYY',
    letters: true,
    write: (d) => `${mon(d)}${mon(d) === month(d) ? '' : '.'} ${d.day} ${d.year}`,
  },
];

/** A date in one format and casing. */
export function writeDate(d: CalendarDate, format: number, casing: Casing): string {
  const text = DATE_FORMATS[format].write(d);
  return casing === 'lower' ? text.toLowerCase() : casing === 'upper' ? text.toUpperCase() : text;
}

/** How often each casing is drawn: mostly as written, often all lower case, sometimes shouted. */
export const CASING_WEIGHTS: Readonly<Record<Casing, number>> = { written: 0.6, lower: 0.3, upper: 0.1 };

export interface DateExample {
  /** What a person wrote. */
  source: string;
  /** "YYYY-MM-DD" */
  target: string;
  /** Index into DATE_FORMATS. */
  format: number;
}

/**
 * `perDate` examples of every date, in the dates' order: each in a format drawn uniformly and a casing
 * drawn by CASING_WEIGHTS (formats without letters are written as they are). Another seed gives other
 * formats for the same dates (fresh text for each epoch).
 */
export function makeExamples(
  dates: readonly CalendarDate[],
  { seed, perDate = 1 }: { seed: number; perDate?: number },
): DateExample[] {
  const rng = new Rng(seed);
  const examples: DateExample[] = [];
  for (const d of dates) {
    for (let k = 0; k < perDate; k++) {
      const format = rng.int(DATE_FORMATS.length);
      const u = rng.next();
      const casing: Casing =
        u < CASING_WEIGHTS.written ? 'written' : u < CASING_WEIGHTS.written + CASING_WEIGHTS.lower ? 'lower' : 'upper';
      examples.push({ source: writeDate(d, format, casing), target: isoDate(d), format });
    }
  }
  return examples;
}

export interface DatesSplit {
  train: CalendarDate[];
  /** Chooses the epoch (early stopping) and the baseline's smoothing. */
  validation: CalendarDate[];
  /** Never trained on nor used to choose anything: the reported accuracy. */
  heldOut: CalendarDate[];
}

/** A seeded shuffle of the calendar dates (allDates()), then the last `validation` and `heldOut` fractions split off. */
export function splitDates({
  seed,
  validation = 0.1,
  heldOut = 0.1,
}: {
  seed: number;
  validation?: number;
  heldOut?: number;
}): DatesSplit {
  const rng = new Rng(seed);
  const order = allDates();
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nHeld = Math.round(order.length * heldOut);
  const nVal = Math.round(order.length * validation);
  const trainEnd = order.length - nHeld - nVal;
  return {
    train: order.slice(0, trainEnd),
    validation: order.slice(trainEnd, trainEnd + nVal),
    heldOut: order.slice(trainEnd + nVal),
  };
}

/** Padding: Embedding's paddingIdx and crossEntropy's ignoreIndex (never a real target). */
export const PAD = 0;
/** The decoder's first input. */
export const START = 1;
/** The decoder's last target: the output ends here. */
export const END = 2;
const SPECIALS = ['<pad>', '<s>', '</s>'];

export interface TokenVocab {
  /** tokens[PAD], tokens[START], tokens[END] are the special tokens, then one character each. */
  readonly tokens: readonly string[];
  readonly index: ReadonlyMap<string, number>;
}

function vocabOf(chars: string): TokenVocab {
  const tokens = [...SPECIALS, ...chars];
  return { tokens, index: new Map(tokens.map((c, i) => [c, i])) };
}

/** Every character the formats write, in every casing (71 ids). Fixed, so models and pages agree. */
export const SOURCE_VOCAB = vocabOf(" ',-./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
/** The characters of "YYYY-MM-DD" (14 ids). */
export const TARGET_VOCAB = vocabOf('-0123456789');

/** A text's character ids (without special tokens); a character outside the vocabulary is a ValueError. */
export function encodeChars(vocab: TokenVocab, text: string): number[] {
  return [...text].map((c, k) => {
    const i = vocab.index.get(c);
    if (i === undefined || i < SPECIALS.length)
      throw new ValueError(`text ${JSON.stringify(text)}[${k}]`, 'a character of the vocabulary', JSON.stringify(c));
    return i;
  });
}

/**
 * The text of a decoder's output ids: a leading START is skipped, and the text ends at the first END or
 * PAD (what follows, beam padding or a cut-off tail, is not read). An id outside the vocabulary, or START
 * later on, is a ValueError.
 */
export function decodeIds(vocab: TokenVocab, ids: ArrayLike<number>): string {
  let text = '';
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k];
    if (!Number.isInteger(id) || id < 0 || id >= vocab.tokens.length || (id === START && k > 0))
      throw new ValueError(
        `ids[${k}]`,
        `a token id in [0, ${vocab.tokens.length}) (START only first)`,
        JSON.stringify(id),
      );
    if (id === END || id === PAD) break;
    if (id !== START) text += vocab.tokens[id];
  }
  return text;
}

/**
 * A batch of examples as time-major ids (f32, as Embedding reads them), padded with PAD.
 * - source [S, B]: the characters, S the longest source; sourceLengths[b] = its characters.
 * - target [T + 1, B]: START, the characters, END, then PAD; T the longest target + 1, and
 *   targetLengths[b] = characters + 1 = the decoder steps that count (teacherForcing cuts the pairs).
 */
export interface DatesBatch {
  B: number;
  source: HostArray;
  sourceLengths: number[];
  target: HostArray;
  targetLengths: number[];
}

export function makeBatch(examples: ReadonlyArray<{ source: string; target: string }>): DatesBatch {
  if (examples.length === 0) throw new ValueError('examples', 'at least one example', '[]');
  const B = examples.length;
  const src = examples.map((e) => encodeChars(SOURCE_VOCAB, e.source));
  const tgt = examples.map((e) => [START, ...encodeChars(TARGET_VOCAB, e.target), END]);
  const S = Math.max(...src.map((s) => s.length));
  const T1 = Math.max(...tgt.map((t) => t.length));
  const source = new Float32Array(S * B); // PAD = 0
  const target = new Float32Array(T1 * B);
  src.forEach((s, b) => s.forEach((id, t) => (source[t * B + b] = id)));
  tgt.forEach((s, b) => s.forEach((id, t) => (target[t * B + b] = id)));
  return {
    B,
    source: { data: source, shape: [S, B] },
    sourceLengths: src.map((s) => s.length),
    target: { data: target, shape: [T1, B] },
    targetLengths: tgt.map((t) => t.length - 1),
  };
}

/**
 * Teacher forcing's pairs: the decoder reads input[t] (target steps 0 … T−1: START and the characters) and
 * is trained to give labels[t] (steps 1 … T: the characters and END); PAD labels are ignored
 * (crossEntropy's ignoreIndex: PAD).
 */
export function teacherForcing(batch: DatesBatch): { input: HostArray; labels: HostArray } {
  const [T1, B] = batch.target.shape;
  const data = batch.target.data as Float32Array;
  const T = T1 - 1;
  return {
    input: { data: data.slice(0, T * B), shape: [T, B] },
    labels: { data: data.slice(B), shape: [T, B] },
  };
}

export interface Accuracy {
  correct: number;
  total: number;
  /** correct / total */
  accuracy: number;
}

/** Exact match: a prediction counts only when it is the whole target string. */
export function exactMatch(predicted: readonly string[], expected: readonly string[]): Accuracy {
  if (predicted.length !== expected.length)
    throw new ValueError('predicted', `${expected.length} strings (one per target)`, `${predicted.length}`);
  const correct = predicted.reduce((n, p, i) => n + (p === expected[i] ? 1 : 0), 0);
  return { correct, total: expected.length, accuracy: correct / expected.length };
}

/**
 * The baseline without a network: naive Bayes for each output position on its own. A source is the bag
 * of its lower-cased character trigrams, with '^' and '$' marking its ends (so "^05" says "month first"),
 * and output character c at position i scores log p(c at i) + Σ_trigrams log p(trigram | c at i), the
 * counts add-α smoothed. It learns from training pairs only, every piece a date is made of (the year's
 * digits from "1998" or "'98", the month's from "may" or "^05/"), but not how the pieces go together:
 * it has no notion of which number is the day in "3 May 98" other than the trigrams around it. A
 * hand-written normaliser would score 100% and a lookup of training dates 0% (held-out dates are never
 * trained on); this sits between, honestly.
 */
export interface NaiveBayesBaseline {
  alpha: number;
  /** The output length (10 for "YYYY-MM-DD"). */
  length: number;
  /** counts[i] maps output character → (trigram → count), with totals. */
  counts: Array<Map<string, { n: number; trigrams: Map<string, number>; total: number }>>;
  /** Distinct trigrams seen in training (the smoothing's denominator). */
  trigramCount: number;
}

export function trigrams(source: string): string[] {
  const s = `^${source.toLowerCase()}$`;
  return Array.from({ length: s.length - 2 }, (_, k) => s.slice(k, k + 3));
}

export function trainBaseline(examples: readonly DateExample[], alpha = 0.1): NaiveBayesBaseline {
  if (examples.length === 0) throw new ValueError('examples', 'at least one training example', '[]');
  const length = examples[0].target.length;
  const counts: NaiveBayesBaseline['counts'] = Array.from({ length }, () => new Map());
  const seen = new Set<string>();
  for (const { source, target } of examples) {
    if (target.length !== length)
      throw new ValueError('examples[].target', `${length} characters`, JSON.stringify(target));
    const grams = trigrams(source);
    grams.forEach((g) => seen.add(g));
    [...target].forEach((c, i) => {
      let entry = counts[i].get(c);
      if (!entry) counts[i].set(c, (entry = { n: 0, trigrams: new Map(), total: 0 }));
      entry.n++;
      for (const g of grams) entry.trigrams.set(g, (entry.trigrams.get(g) ?? 0) + 1);
      entry.total += grams.length;
    });
  }
  return { alpha, length, counts, trigramCount: seen.size };
}

/** The likeliest character at each output position (the first in training order on ties). */
export function baselinePredict(model: NaiveBayesBaseline, source: string): string {
  const grams = trigrams(source);
  const V = model.trigramCount + 1; // the seen trigrams and one for every unseen one
  return model.counts
    .map((byChar) => {
      let best = '';
      let bestScore = -Infinity;
      for (const [c, { n, trigrams: tg, total }] of byChar) {
        let score = Math.log(n);
        for (const g of grams) score += Math.log(((tg.get(g) ?? 0) + model.alpha) / (total + model.alpha * V));
        if (score > bestScore) [best, bestScore] = [c, score];
      }
      return best;
    })
    .join('');
}

/** The α of `candidates` with the best exact-match accuracy on the validation examples (the first on ties). */
export function chooseBaselineAlpha(
  train: readonly DateExample[],
  validation: readonly DateExample[],
  candidates: readonly number[] = [0.01, 0.1, 1],
): number {
  const counted = trainBaseline(train); // the counts do not depend on α
  const score = (alpha: number) => {
    const model = { ...counted, alpha };
    return exactMatch(
      validation.map((e) => baselinePredict(model, e.source)),
      validation.map((e) => e.target),
    ).accuracy;
  };
  const scores = candidates.map(score);
  return candidates[scores.indexOf(Math.max(...scores))];
}

/**
 * Examples as Seq2Seq training pairs (fit's { source, sourceLengths, target, targetLengths }): each row
 * padded with PAD to the longest source / target, target rows START, the characters, END, and target
 * lengths counting START (so END is predicted too).
 */
export function seq2seqPairs(examples: ReadonlyArray<{ source: string; target: string }>): Seq2SeqData {
  if (examples.length === 0) throw new ValueError('examples', 'at least one example', '[]');
  const src = examples.map((e) => encodeChars(SOURCE_VOCAB, e.source));
  const tgt = examples.map((e) => [START, ...encodeChars(TARGET_VOCAB, e.target), END]);
  const S = Math.max(...src.map((s) => s.length));
  const T = Math.max(...tgt.map((t) => t.length));
  const pad = (ids: number[], n: number) => {
    const row = new Float32Array(n); // PAD = 0
    row.set(ids);
    return row;
  };
  return {
    source: src.map((s) => pad(s, S)),
    sourceLengths: src.map((s) => s.length),
    target: tgt.map((t) => pad(t, T)),
    targetLengths: tgt.map((t) => t.length),
  };
}
