// The dates task's data module (examples/dates_task.ts): every format of every date read back by a parser
// written here from the conventions alone (slashes M/D/Y, dots D.M.Y, two-digit years 1950–2049, the year
// last), no two dates written alike, the split by calendar date, vocabularies, padded batches and teacher
// forcing's pairs, decoding, exact match, and the naive Bayes baseline.
import { describe, expect, it } from 'vitest';
import { ValueError } from '../src/index.js';
import {
  DATE_FORMATS,
  END,
  FIRST_YEAR,
  LAST_YEAR,
  PAD,
  SOURCE_VOCAB,
  START,
  TARGET_VOCAB,
  allDates,
  baselinePredict,
  chooseBaselineAlpha,
  decodeIds,
  encodeChars,
  exactMatch,
  isoDate,
  makeBatch,
  makeExamples,
  ordinalSuffix,
  ordinalWord,
  splitDates,
  teacherForcing,
  trainBaseline,
  trigrams,
  writeDate,
  type Casing,
  type CalendarDate,
} from '../examples/dates_task.js';

const MONTHS = 'january february march april may june july august september october november december'.split(' ');
const WEEKDAYS = 'sunday monday tuesday wednesday thursday friday saturday'.split(' ');
const ONES = 'first second third fourth fifth sixth seventh eighth ninth'.split(' ');
const TEENS =
  'tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth'.split(' ');

/** "twenty-first" → 21, "thirtieth" → 30, else undefined. */
function wordOrdinal(word: string): number | undefined {
  if (ONES.includes(word)) return ONES.indexOf(word) + 1;
  if (TEENS.includes(word)) return TEENS.indexOf(word) + 10;
  if (word === 'twentieth') return 20;
  if (word === 'thirtieth') return 30;
  const m = /^(twenty|thirty)-(\w+)$/.exec(word);
  if (m && ONES.includes(m[2])) return (m[1] === 'twenty' ? 20 : 30) + ONES.indexOf(m[2]) + 1;
  return undefined;
}

const fullYear = (y: string) => (y.length === 4 ? Number(y) : Number(y) < 50 ? 2000 + Number(y) : 1900 + Number(y));

/**
 * Reads a date as a person would by the task's conventions, without the formats: numbers with slashes are
 * M/D/Y, with dots D.M.Y; otherwise a month name or its three-letter abbreviation, an optional weekday
 * (which must be the date's), and two numbers — the year last (four digits, or two with or without an
 * apostrophe), the day a number, a number with its English suffix or an ordinal word. Throws on anything
 * else, an impossible date or a wrong weekday.
 */
function parseDate(text: string): string {
  const s = text.toLowerCase();
  let y: string, m: number, d: number;
  let wday: number | undefined;
  const slash = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/.exec(s);
  const dot = /^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$/.exec(s);
  if (slash) [m, d, y] = [Number(slash[1]), Number(slash[2]), slash[3]];
  else if (dot) [d, m, y] = [Number(dot[1]), Number(dot[2]), dot[3]];
  else {
    const words = s
      .replace(/^(\d{1,2})-([a-z]{3})-(\d{2})$/, '$1 $2 $3')
      .split(/,? /)
      .filter((w) => w !== 'the' && w !== 'of');
    const months = words.filter(
      (w) => MONTHS.includes(w) || MONTHS.some((n) => n.slice(0, 3) === w.replace(/\.$/, '')),
    );
    if (months.length !== 1) throw new Error(`no single month in ${JSON.stringify(text)}`);
    const abbrev = months[0].replace(/\.$/, '');
    m = MONTHS.findIndex((n) => n === abbrev || n.slice(0, 3) === abbrev) + 1;
    if (months[0].endsWith('.') && MONTHS[m - 1] === abbrev) throw new Error(`a dot after a whole month name: ${text}`);
    const wdays = words.filter((w) => WEEKDAYS.includes(w) || WEEKDAYS.some((n) => n.slice(0, 3) === w));
    if (wdays.length > 1) throw new Error(`two weekdays in ${JSON.stringify(text)}`);
    if (wdays.length === 1) wday = WEEKDAYS.findIndex((n) => n === wdays[0] || n.slice(0, 3) === wdays[0]);
    const rest = words.filter((w) => !months.includes(w) && !wdays.includes(w));
    if (rest.length !== 2) throw new Error(`not a day and a year in ${JSON.stringify(text)}`);
    const year = /^'?(\d{2}|\d{4})$/.exec(rest[1]);
    if (!year || (rest[1].startsWith("'") && year[1].length !== 2)) throw new Error(`no year last in ${text}`);
    y = year[1];
    const suffixed = /^(\d{1,2})(st|nd|rd|th)?$/.exec(rest[0]);
    if (suffixed) {
      d = Number(suffixed[1]);
      const want =
        d % 10 === 1 && d !== 11 ? 'st' : d % 10 === 2 && d !== 12 ? 'nd' : d % 10 === 3 && d !== 13 ? 'rd' : 'th';
      if (suffixed[2] !== undefined && suffixed[2] !== want) throw new Error(`wrong suffix in ${text}`);
    } else {
      const w = wordOrdinal(rest[0]);
      if (w === undefined) throw new Error(`no day in ${JSON.stringify(text)}`);
      d = w;
    }
  }
  const year = fullYear(y);
  const date = new Date(Date.UTC(year, m - 1, d));
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) throw new Error(`no such date: ${text}`);
  if (wday !== undefined && date.getUTCDay() !== wday) throw new Error(`wrong weekday: ${text}`);
  return `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const CASINGS: Casing[] = ['written', 'lower', 'upper'];
const dates = allDates();

describe('dates and formats', () => {
  it('the dates are every day of 1950–2049 once, in order', () => {
    expect(dates.length).toBe(36525);
    expect(isoDate(dates[0])).toBe(`${FIRST_YEAR}-01-01`);
    expect(isoDate(dates[dates.length - 1])).toBe(`${LAST_YEAR}-12-31`);
    const isos = dates.map(isoDate);
    expect(isos).toEqual([...isos].sort());
    expect(new Set(isos).size).toBe(dates.length);
    expect(isos).toContain('2000-02-29');
    expect(isos).not.toContain('1900-02-29');
  });

  it('ordinals: suffixes and words', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 30, 31].map(ordinalSuffix)).toEqual(
      '1st 2nd 3rd 4th 11th 12th 13th 21st 22nd 23rd 30th 31st'.split(' '),
    );
    expect([1, 3, 12, 20, 21, 29, 30, 31].map(ordinalWord)).toEqual(
      'first third twelfth twentieth twenty-first twenty-ninth thirtieth thirty-first'.split(' '),
    );
  });

  it('15 formats, as the issue writes them (the weekday the date’s own)', () => {
    const may3 = { year: 1998, month: 5, day: 3 }; // a Sunday
    expect(DATE_FORMATS.map((_, f) => writeDate(may3, f, 'written'))).toEqual([
      '3 May 1998',
      '3 May 98',
      'Sun, May 3 1998',
      '05/03/98',
      '5/3/1998',
      '3.5.1998',
      '03.05.98',
      'May the third, 1998',
      'the 3rd of May 1998',
      'Sunday, 3 May 1998',
      'May 3, 1998',
      "3rd May '98",
      '03-May-98',
      'Sunday the third of May, 1998',
      'May 3 1998',
    ]);
    // Weekdays from outside the calendar code: the Moon landing was a Sunday, 2000-01-01 a Saturday.
    expect(writeDate({ year: 1969, month: 7, day: 20 }, 9, 'written')).toBe('Sunday, 20 July 1969');
    expect(writeDate({ year: 2000, month: 1, day: 1 }, 2, 'written')).toBe('Sat, Jan 1 2000');
    expect(writeDate({ year: 2049, month: 12, day: 31 }, 3, 'written')).toBe('12/31/49');
    const sep22 = { year: 2027, month: 9, day: 22 };
    expect(writeDate(sep22, 14, 'written')).toBe('Sep. 22 2027');
    expect(writeDate(sep22, 13, 'upper')).toBe('WEDNESDAY THE TWENTY-SECOND OF SEPTEMBER, 2027');
    expect(writeDate(sep22, 11, 'lower')).toBe("22nd sep '27");
  });

  it('every format of every date, in every casing, is read back as its date by the independent parser', () => {
    const wrong: string[] = []; // one expect for 1.2 million texts
    for (let f = 0; f < DATE_FORMATS.length; f++) {
      const casings = DATE_FORMATS[f].letters ? CASINGS : (['written'] as Casing[]);
      for (const d of dates)
        for (const c of casings) {
          const text = writeDate(d, f, c);
          if (parseDate(text) !== isoDate(d)) wrong.push(`${text} → ${parseDate(text)}, not ${isoDate(d)}`);
        }
    }
    expect(wrong).toEqual([]);
  });

  it('no text is written for two dates, in any formats (so every input decodes to exactly one date)', () => {
    // Lower-cased texts distinct implies distinct in any casing.
    const meaning = new Map<string, string>();
    for (const d of dates) {
      const iso = isoDate(d);
      for (let f = 0; f < DATE_FORMATS.length; f++) {
        const text = writeDate(d, f, 'lower');
        const before = meaning.get(text);
        if (before !== undefined && before !== iso) throw new Error(`${JSON.stringify(text)}: ${before} and ${iso}`);
        meaning.set(text, iso);
      }
    }
    expect(meaning.size).toBe(dates.length * DATE_FORMATS.length);
  });

  it('the parser refuses what the conventions do not allow', () => {
    for (const bad of [
      '13/1/98',
      '1.13.98',
      '30 Feb 1998',
      'Mon, May 3 1998',
      '3th May 1998',
      '3 Mai 1998',
      '3 May 198',
    ])
      expect(() => parseDate(bad)).toThrow();
    expect(parseDate('1/2/49')).toBe('2049-01-02');
    expect(parseDate('1.2.50')).toBe('1950-02-01');
  });

  it('examples are seeded: formats drawn uniformly, casings mostly as written; the target always YYYY-MM-DD', () => {
    const examples = makeExamples(dates.slice(0, 3000), { seed: 5, perDate: 2 });
    expect(examples.length).toBe(6000);
    expect(makeExamples(dates.slice(0, 3000), { seed: 5, perDate: 2 })).toEqual(examples);
    expect(makeExamples(dates.slice(0, 3000), { seed: 6, perDate: 2 })).not.toEqual(examples);
    const perFormat = DATE_FORMATS.map((_, f) => examples.filter((e) => e.format === f).length);
    for (const n of perFormat) expect(n).toBeGreaterThan(6000 / 15 - 80);
    const upper = examples.filter((e) => DATE_FORMATS[e.format].letters && e.source === e.source.toUpperCase());
    const lower = examples.filter((e) => DATE_FORMATS[e.format].letters && e.source === e.source.toLowerCase());
    const letters = examples.filter((e) => DATE_FORMATS[e.format].letters).length;
    expect(upper.length / letters).toBeGreaterThan(0.07);
    expect(upper.length / letters).toBeLessThan(0.13);
    expect(lower.length / letters).toBeGreaterThan(0.26);
    expect(lower.length / letters).toBeLessThan(0.34);
    for (const e of examples) {
      expect(e.target).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(parseDate(e.source)).toBe(e.target);
    }
  });
});

describe('split by calendar date', () => {
  const split = splitDates({ seed: 1 });
  const key = (d: CalendarDate) => isoDate(d);

  it('80/10/10 of the dates, disjoint and complete, the same for a seed and different for another', () => {
    expect([split.train.length, split.validation.length, split.heldOut.length]).toEqual([29219, 3653, 3653]);
    const all = [...split.train, ...split.validation, ...split.heldOut].map(key);
    expect(new Set(all).size).toBe(dates.length);
    expect(splitDates({ seed: 1 })).toEqual(split);
    expect(splitDates({ seed: 2 }).heldOut).not.toEqual(split.heldOut);
  });

  it('no held-out or validation date appears in training in any format or casing', () => {
    const train = makeExamples(split.train, { seed: 1, perDate: 3 });
    const trainSources = new Set(train.map((e) => e.source.toLowerCase()));
    const trainTargets = new Set(train.map((e) => e.target));
    const seen: string[] = [];
    for (const d of [...split.heldOut, ...split.validation]) {
      if (trainTargets.has(isoDate(d))) seen.push(isoDate(d));
      for (let f = 0; f < DATE_FORMATS.length; f++)
        if (trainSources.has(writeDate(d, f, 'lower'))) seen.push(writeDate(d, f, 'lower'));
    }
    expect(seen).toEqual([]);
    expect(trainTargets.size).toBe(split.train.length);
  });
});

describe('vocabularies, batches, decoding', () => {
  it('the special ids come first in both vocabularies; every character the formats write has an id', () => {
    for (const v of [SOURCE_VOCAB, TARGET_VOCAB])
      expect([v.tokens[PAD], v.tokens[START], v.tokens[END]]).toEqual(['<pad>', '<s>', '</s>']);
    expect(SOURCE_VOCAB.tokens.length).toBe(71);
    expect(TARGET_VOCAB.tokens.join('')).toBe('<pad><s></s>-0123456789');
    const written = new Set<string>();
    for (const d of dates.filter((_, i) => i % 7 === 0))
      for (let f = 0; f < DATE_FORMATS.length; f++)
        for (const c of CASINGS) for (const ch of writeDate(d, f, c)) written.add(ch);
    for (const ch of written) expect(SOURCE_VOCAB.index.get(ch)).toBeGreaterThan(END);
    expect(() => encodeChars(SOURCE_VOCAB, '3 May 1998!')).toThrow(ValueError);
    expect(() => encodeChars(SOURCE_VOCAB, '3 May 1998!')).toThrow(
      /text "3 May 1998!"\[10\]: expected a character of the vocabulary, got "!"/,
    );
    expect(() => encodeChars(TARGET_VOCAB, '<s>')).toThrow(ValueError); // a special token is not a character
  });

  it('a batch: time-major ids padded with PAD, the target between START and END, per-row lengths', () => {
    const b = makeBatch([
      { source: '3.5.98', target: '1998-05-03' },
      { source: '1/2/2049', target: '2049-01-02' },
    ]);
    expect(b.B).toBe(2);
    expect(b.source.shape).toEqual([8, 2]);
    expect(b.sourceLengths).toEqual([6, 8]);
    const src = Array.from(b.source.data);
    const column = (data: number[], B: number, col: number) => data.filter((_, i) => i % B === col);
    expect(column(src, 2, 0)).toEqual([...encodeChars(SOURCE_VOCAB, '3.5.98'), PAD, PAD]);
    expect(column(src, 2, 1)).toEqual(encodeChars(SOURCE_VOCAB, '1/2/2049'));
    expect(b.target.shape).toEqual([12, 2]);
    expect(b.targetLengths).toEqual([11, 11]);
    expect(column(Array.from(b.target.data), 2, 0)).toEqual([START, ...encodeChars(TARGET_VOCAB, '1998-05-03'), END]);

    const { input, labels } = teacherForcing(b);
    expect(input.shape).toEqual([11, 2]);
    expect(labels.shape).toEqual([11, 2]);
    expect(column(Array.from(input.data), 2, 1)).toEqual([START, ...encodeChars(TARGET_VOCAB, '2049-01-02')]);
    expect(column(Array.from(labels.data), 2, 1)).toEqual([...encodeChars(TARGET_VOCAB, '2049-01-02'), END]);
    expect(() => makeBatch([])).toThrow(ValueError);
  });

  it('teacher forcing pads labels with PAD past a shorter target (ignored by crossEntropy)', () => {
    const { input, labels } = teacherForcing(
      makeBatch([
        { source: 'a', target: '1-2' },
        { source: 'bb', target: '1' },
      ]),
    );
    // targets: [START 1 - 2 END] and [START 1 END PAD PAD]
    const ids = (s: string) => encodeChars(TARGET_VOCAB, s);
    expect(Array.from(input.data)).toEqual([START, START, ...ids('11'), ids('-')[0], END, ids('2')[0], PAD]);
    expect(Array.from(labels.data)).toEqual([...ids('11'), ids('-')[0], END, ids('2')[0], PAD, END, PAD]);
  });

  it('decoding: a leading START skipped, the text ends at END or PAD; bad ids are errors', () => {
    const ids = encodeChars(TARGET_VOCAB, '1998-05-03');
    expect(decodeIds(TARGET_VOCAB, [START, ...ids, END, 7, 7])).toBe('1998-05-03');
    expect(decodeIds(TARGET_VOCAB, [...ids, PAD])).toBe('1998-05-03');
    expect(decodeIds(TARGET_VOCAB, ids.slice(0, 4))).toBe('1998');
    expect(decodeIds(SOURCE_VOCAB, encodeChars(SOURCE_VOCAB, "3rd May '98"))).toBe("3rd May '98");
    expect(() => decodeIds(TARGET_VOCAB, [START, 14])).toThrow(
      /ids\[1\]: expected a token id in \[0, 14\) \(START only first\), got 14/,
    );
    expect(() => decodeIds(TARGET_VOCAB, [3, START])).toThrow(ValueError);
    expect(() => decodeIds(TARGET_VOCAB, [3.5])).toThrow(ValueError);
  });

  it('exact match counts whole strings only', () => {
    expect(exactMatch(['1998-05-03', '1998-05-04', ''], ['1998-05-03', '1998-05-03', '1998-05-03'])).toEqual({
      correct: 1,
      total: 3,
      accuracy: 1 / 3,
    });
    expect(() => exactMatch(['a'], ['a', 'b'])).toThrow(ValueError);
  });
});

describe('naive Bayes baseline', () => {
  it('trigrams of the lower-cased text between ^ and $', () => {
    expect(trigrams('3 May')).toEqual(['^3 ', '3 m', ' ma', 'may', 'ay$']);
  });

  it('counts by hand: the position-wise argmax of prior × trigram likelihoods', () => {
    const model = trainBaseline(
      [
        { source: 'ab', target: 'x', format: 0 },
        { source: 'ab', target: 'x', format: 0 },
        { source: 'cd', target: 'y', format: 0 },
      ],
      1,
    );
    // trigrams: ab → ^ab, ab$; cd → ^cd, cd$ (4 distinct, V = 5)
    expect(model.trigramCount).toBe(4);
    expect(model.counts[0].get('x')).toEqual({
      n: 2,
      trigrams: new Map([
        ['^ab', 2],
        ['ab$', 2],
      ]),
      total: 4,
    });
    expect(baselinePredict(model, 'cd')).toBe('y'); // x: ln 2 + 2 ln(1/9) < y: ln 1 + 2 ln(2/7)
    expect(baselinePredict(model, 'zz')).toBe('x'); // unseen trigrams: x: ln 2 + 2 ln(1/9) > y: 2 ln(1/7)
  });

  it('learns the pieces of dates from training dates and reads most held-out dates (α chosen on validation)', () => {
    const split = splitDates({ seed: 1 });
    const train = makeExamples(split.train.slice(0, 8000), { seed: 1 });
    const validation = makeExamples(split.validation.slice(0, 500), { seed: 2 });
    const heldOut = makeExamples(split.heldOut.slice(0, 1000), { seed: 3 });
    const alpha = chooseBaselineAlpha(train, validation);
    const model = trainBaseline(train, alpha);
    const { accuracy } = exactMatch(
      heldOut.map((e) => baselinePredict(model, e.source)),
      heldOut.map((e) => e.target),
    );
    expect(accuracy).toBeGreaterThan(0.8);
    expect(accuracy).toBeLessThan(1);
  });
});
