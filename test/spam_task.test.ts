// The spam example's data module and baselines (examples/spam_task.ts, examples/spam_baselines.ts) on a hand-made
// corpus: what is kept of a message, tokens, vocabulary, deduplication, the stratified split, padding, and the
// baselines' arithmetic. The real corpus and the GRU run end to end in spam_example.test.ts.
import { describe, expect, it } from 'vitest';
import { createContext } from '../src/index.js';
import { expectClose } from './helpers.js';
import {
  NaiveBayes,
  argmax2,
  inverseDocumentFrequency,
  logisticRegression,
  scores,
  tfidf,
} from '../examples/spam_baselines.js';
import {
  OOV,
  PAD,
  Vocabulary,
  dedupe,
  messageText,
  sequences,
  spamTask,
  stratifiedSplit,
  stripHtml,
  tokenize,
  type RawMessage,
} from '../examples/spam_task.js';

const plain = [
  'From someone@example.com  Thu Aug 22 13:17:22 2002',
  'Received: from relay.example.com (relay [10.0.0.1])',
  '\tby list.example.org with ESMTP id 42',
  'List-Id: <exmh-users.example.org>',
  'Subject: =?iso-8859-1?Q?Caf=E9_meeting?=',
  'Content-Type: text/plain',
  '',
  'See you at noon.',
].join('\n');

const multipart = [
  'Subject: WIN money',
  'Content-Type: multipart/alternative;',
  ' boundary="XYZ"',
  '',
  'This is a multi-part message in MIME format.',
  '--XYZ',
  'Content-Type: text/plain; charset=iso-8859-1',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Claim your pri=',
  'ze =3D cash now',
  '--XYZ',
  'Content-Type: text/html',
  'Content-Transfer-Encoding: base64',
  '',
  btoa('<html><style>p{color:red}</style><p>Click&nbsp;<a href="http://x.example">here</a></p></html>'),
  '--XYZ',
  'Content-Type: image/gif',
  'Content-Transfer-Encoding: base64',
  '',
  btoa('GIF89a secretpixels'),
  '--XYZ--',
  'epilogue words',
].join('\n');

describe('messageText: the subject and the readable body', () => {
  it('keeps the decoded Subject and the body, and drops every other header', () => {
    const text = messageText(plain);
    expect(text).toBe('Café meeting\nSee you at noon.');
  });

  it('decodes quoted-printable and base64 MIME parts, strips HTML, and drops attachments, preamble and epilogue', () => {
    const words = tokenize(messageText(multipart));
    expect(words).toEqual(['win', 'money', 'claim', 'your', 'prize', 'cash', 'now', 'click', 'here']);
  });

  it('stripHtml drops scripts, styles and comments, separates words at tags and decodes entities', () => {
    expect(tokenize(stripHtml('<script>var a=1</script><b>big</b>deal<!-- x -->&amp;&#36;5 &unknown;'))).toEqual([
      'big',
      'deal',
      '$',
      '5',
      'unknown',
    ]);
  });
});

describe('tokenize', () => {
  it('lower-cases words of letters and digits, keeps inner apostrophes, and makes "$" and "!" tokens', () => {
    expect(tokenize("Don't MISS this: $1,000!!! Café_au-lait")).toEqual([
      "don't",
      'miss',
      'this',
      '$',
      '1',
      '000',
      '!',
      '!',
      '!',
      'café',
      'au',
      'lait',
    ]);
    expect(tokenize(' \n\t')).toEqual([]);
  });
});

describe('Vocabulary', () => {
  const docs = [['b', 'a', 'a'], ['a', 'c'], ['b', 'a'], ['d']];
  it('keeps words in at least minCount documents, most frequent first (ties alphabetical), after PAD 0 and OOV 1', () => {
    const v = new Vocabulary(docs, { minCount: 2, maxSize: 100 });
    expect(v.words).toEqual(['a', 'b']); // a in 3 documents, b in 2; c and d in 1
    expect(v.size).toBe(4);
    expect([v.id('a'), v.id('b'), v.id('c'), v.id('zzz')]).toEqual([2, 3, OOV, OOV]);
    expect(PAD).toBe(0);
  });

  it('caps the size, truncates to maxLen, and encodes an empty message as one OOV', () => {
    const v = new Vocabulary(docs, { minCount: 1, maxSize: 3 });
    expect(v.words).toEqual(['a', 'b', 'c']); // d loses the tie with c alphabetically
    expect(v.encode(['c', 'd', 'a', 'b'], 3)).toEqual([4, OOV, 2]);
    expect(v.encode([], 3)).toEqual([OOV]);
  });
});

describe('dedupe', () => {
  it('keeps the first of messages with the same first maxLen tokens, and drops every copy labelled both ways', () => {
    const tokens = [['x', 'y'], ['x', 'y', 'z'], ['p'], ['q'], ['p'], ['x', 'y'], ['q']];
    const labels = [0, 0, 1, 0, 1, 0, 1];
    expect(dedupe(tokens, labels, 3)).toEqual([0, 1, 2]); // 4 and 5 copy 2 and 0; q is ham at 3 and spam at 6
    expect(dedupe(tokens, labels, 2)).toEqual([0, 2]); // with 2 tokens, message 1 is a copy of 0
  });
});

describe('stratifiedSplit', () => {
  const labels = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 1 : 0)); // 10 of class 1, 40 of class 0
  const idx = labels.map((_, i) => i).filter((i) => i !== 7); // 39 of class 0

  it('holds out round(fraction · count) of each class, disjoint from the rest, both sorted', () => {
    const { kept, held } = stratifiedSplit(idx, labels, 0.2, 3);
    expect(held.filter((i) => labels[i] === 1)).toHaveLength(2);
    expect(held.filter((i) => labels[i] === 0)).toHaveLength(8); // round(7.8)
    expect([...kept, ...held].sort((a, b) => a - b)).toEqual(idx);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(held).toEqual([...held].sort((a, b) => a - b));
  });

  it('is the same for the same seed and differs for another', () => {
    expect(stratifiedSplit(idx, labels, 0.2, 3)).toEqual(stratifiedSplit(idx, labels, 0.2, 3));
    expect(stratifiedSplit(idx, labels, 0.2, 4).held).not.toEqual(stratifiedSplit(idx, labels, 0.2, 3).held);
  });
});

// 24 ham about meetings and 12 spam about money, each with its own number (so none is a duplicate), and two copies.
const corpus: RawMessage[] = [
  ...Array.from({ length: 24 }, (_, i) => ({
    text: `Subject: meeting ${i}\n\nagenda for the team meeting notes ${i}`,
    spam: false,
    group: 'ham',
  })),
  ...Array.from({ length: 12 }, (_, i) => ({
    text: `Subject: cash ${100 + i}\n\nwin free cash now click ${100 + i} $$$`,
    spam: true,
    group: 'spam',
  })),
  { text: 'Subject: meeting 0\n\nagenda for the team meeting notes 0', spam: false, group: 'ham' },
  { text: 'Subject: cash 103\n\nwin free cash now click 103 $$$', spam: true, group: 'spam' },
];

describe('spamTask on a hand-made corpus', () => {
  const task = spamTask(corpus, { maxLen: 6, minCount: 2, heldOut: 0.25, validation: 0.25, seed: 5 });

  it('deduplicates, then splits stratified into train, validation and held-out', () => {
    expect(task.messages).toBe(38);
    expect(task.unique).toBe(36);
    const count = (s: { labels: number[] }, c: number) => s.labels.filter((l) => l === c).length;
    expect([count(task.test, 0), count(task.test, 1)]).toEqual([6, 3]);
    expect([count(task.val, 0), count(task.val, 1)]).toEqual([5, 2]); // round(0.25 · 18), round(0.25 · 9)
    expect([count(task.train, 0), count(task.train, 1)]).toEqual([13, 7]);
    const sources = [task.train, task.val, task.test].flatMap((s) => s.source!);
    expect(sources.sort((a, b) => a - b)).toEqual(Array.from({ length: 36 }, (_, i) => i)); // the two copies (36, 37) dropped
  });

  it('builds the vocabulary from the training split only, and truncates to maxLen', () => {
    // The per-message numbers are in one message each: never in the vocabulary (minCount 2).
    expect(task.vocab.words.filter((w) => /\d/.test(w))).toEqual([]);
    expect(task.vocab.words).toContain('meeting');
    expect(task.vocab.words).toContain('now'); // the 6th token of spam
    expect(task.vocab.words).not.toContain('$'); // after the first 6 tokens: no model sees it
    for (const ids of [...task.train.ids, ...task.test.ids]) expect(ids.length).toBeLessThanOrEqual(6);
    // "meeting N agenda …" and "cash N win …": a held-out message's number was never seen in training.
    for (const ids of task.test.ids) expect(ids[1]).toBe(OOV);
    expect(task.test.ids[0].slice(2)).toEqual(['agenda', 'for', 'the', 'team'].map((w) => task.vocab.id(w)));
  });

  it('sequences pads with PAD after each message and gives its length', () => {
    const split = { ids: [[5, 6, 7], [8], [9, 10]], labels: [1, 0, 1] };
    const { x, lengths, targets } = sequences(split);
    expect(x.shape).toEqual([3, 3]);
    expect(Array.from(x.data)).toEqual([5, 6, 7, 8, PAD, PAD, 9, 10, PAD]);
    expect(Array.from(lengths)).toEqual([3, 1, 2]);
    expect(Array.from(targets)).toEqual([1, 0, 1]);
  });
});

describe('bag-of-words baselines', () => {
  it('scores: accuracy, and precision and recall of class 1', () => {
    expect(scores([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])).toEqual({ accuracy: 3 / 5, precision: 2 / 3, recall: 2 / 3 });
    expect(scores([0, 0], [0, 0])).toEqual({ accuracy: 1, precision: 0, recall: 0 });
    expect(Array.from(argmax2([0.5, 1, 2, -1, 0, 0]))).toEqual([1, 0, 0]);
  });

  it('naive Bayes: counts with add-alpha smoothing, ignores PAD and OOV', () => {
    // V = 5: ids 2, 3, 4. Ham: 2 2 3 (counts 2, 1, 0); spam: 4 4 4 3 (0, 1, 3). Priors 2/3 ham, 1/3 spam.
    const train = {
      ids: [
        [2, 2],
        [3, PAD],
        [4, 4, 4, 3, OOV],
      ],
      labels: [0, 0, 1],
    };
    const nb = new NaiveBayes(train, 5, 1);
    // P(3 | ham) = (1+1)/(3+3) = 1/3, P(3 | spam) = 2/7: ham·prior 2/9 vs spam 2/21 → ham.
    // P(4 | ham) = 1/6, P(4 | spam) = 4/7: 1/9 vs 4/21 → spam. Only PAD and OOV: the priors → ham.
    expect(Array.from(nb.predict({ ids: [[3], [4], [PAD, OOV]], labels: [0, 1, 0] }))).toEqual([0, 1, 0]);
    // Two 3s and a 4: ham (2/3)(1/3)²(1/6) = 0.0123, spam (1/3)(2/7)²(4/7) = 0.0155 → spam.
    expect(Array.from(nb.predict({ ids: [[3, 3, 4]], labels: [1] }))).toEqual([1]);
  });

  it('tf-idf rows: smoothed idf from the training split, unit length, PAD without weight', () => {
    const train = {
      ids: [
        [2, 2, 3],
        [3, PAD],
      ],
      labels: [0, 1],
    };
    const idf = inverseDocumentFrequency(train, 4);
    expect(idf[2]).toBeCloseTo(Math.log(3 / 2) + 1, 12);
    expect(idf[3]).toBeCloseTo(1, 12);
    const rows = tfidf(train, idf);
    const a = 2 * idf[2];
    expectClose(rows.subarray(0, 4), [0, 0, a / Math.hypot(a, 1), 1 / Math.hypot(a, 1)], {
      atol: 0,
      rtol: 1e-6,
      label: 'tf-idf row',
    }); // f32 rows
    expect(Array.from(rows.subarray(4, 8))).toEqual([0, 0, 0, 1]);
  });

  it('logistic regression (Linear + crossEntropy, fit with early stopping) separates the hand-made corpus', async () => {
    const task = spamTask(corpus, { maxLen: 8, minCount: 2, heldOut: 0.25, validation: 0.25, seed: 5 });
    const ctx = await createContext({ backend: 'cpu' });
    const { predicted, epochs } = await logisticRegression(ctx, task, task.vocab.size, {
      epochs: 30,
      batchSize: 4,
      lr: 0.1,
      patience: 3,
      seed: 1,
    });
    expect(Array.from(predicted)).toEqual(task.test.labels);
    expect(epochs).toBeGreaterThan(1);
    ctx.destroy();
  });
});
