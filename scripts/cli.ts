// The one argument parser of every command-line program here (bench, scripts, examples), on node:util
// parseArgs. `--help` prints the usage and exits 0 before the program does any work; an unknown flag, a
// missing or bad value, or a stray argument prints one line (what was wrong and the valid names) and
// exits 2. Values are checked here, so a program never starts on `--reps abc` or `--only lstmm`.
import { parseArgs } from 'node:util';

/** One flag: its kind, the line of help, and for value flags the default, the valid names or a lower bound. */
export type Flag =
  | { type: 'boolean'; help: string }
  | { type: 'string'; help: string; default?: string; choices?: readonly string[] }
  /** Comma-separated names, each one of `choices` when given. */
  | { type: 'list'; help: string; default?: readonly string[]; choices?: readonly string[] }
  | { type: 'int'; help: string; default?: number; min?: number }
  /** Comma-separated integers. */
  | { type: 'ints'; help: string; default?: readonly number[]; min?: number };

export interface Command<F extends Record<string, Flag>> {
  /** The program, as error lines name it (e.g. `bench/run.ts`). */
  name: string;
  /** How to run it, e.g. `npm run bench -- [flags]`. */
  usage: string;
  /** What it does, one or a few lines. */
  about: string;
  flags: F;
  /** Checks across flags (e.g. a flag that applies to one mode only): the error line, or undefined when fine. */
  check?: (values: Values<F>) => string | undefined;
}

type ValueOf<F extends Flag> = F extends { type: 'boolean' }
  ? boolean
  : F extends { type: 'string' }
    ? F extends { default: string }
      ? string
      : string | undefined
    : F extends { type: 'list' }
      ? F extends { default: readonly string[] }
        ? string[]
        : string[] | undefined
      : F extends { type: 'int' }
        ? F extends { default: number }
          ? number
          : number | undefined
        : F extends { default: readonly number[] }
          ? number[]
          : number[] | undefined;

export type Values<F extends Record<string, Flag>> = { -readonly [K in keyof F]: ValueOf<F[K]> };

/** A bad command line: the message is the one line printed before exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The usage text `--help` prints. */
export function usageText<F extends Record<string, Flag>>(cmd: Command<F>): string {
  const rows = Object.entries(cmd.flags).map(([name, f]) => {
    const value =
      f.type === 'boolean'
        ? ''
        : f.type === 'int'
          ? ' N'
          : f.type === 'ints'
            ? ' N,N,…'
            : f.type === 'list'
              ? ' A,B,…'
              : ' X';
    const extra: string[] = [];
    if ('choices' in f && f.choices)
      extra.push(`one${f.type === 'list' ? ' or more' : ''} of: ${f.choices.join(', ')}`);
    if ('min' in f && f.min !== undefined) extra.push(`≥ ${f.min}`);
    if ('default' in f && f.default !== undefined)
      extra.push(`default ${Array.isArray(f.default) ? f.default.join(',') : String(f.default)}`);
    return { left: `  --${name}${value}`, right: f.help + (extra.length ? ` (${extra.join('; ')})` : '') };
  });
  rows.push({ left: '  --help', right: 'print this text and exit' });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return [`usage: ${cmd.usage}`, '', cmd.about, '', 'flags:', ...rows.map((r) => r.left.padEnd(width) + r.right)].join(
    '\n',
  );
}

/** Levenshtein distance, for the "did you mean" of a misspelt name. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** ` (did you mean 'x'?)` when one valid name is within edit distance 2 of `got`, else ''. */
function suggest(got: string, valid: readonly string[]): string {
  const best = valid
    .map((v) => ({ v, d: distance(got, v) }))
    .filter((c) => c.d <= 2)
    .sort((x, y) => x.d - y.d)[0];
  return best ? ` (did you mean '${best.v}'?)` : '';
}

const flagList = (flags: Record<string, Flag>) => [...Object.keys(flags), 'help'].map((n) => `--${n}`).join(', ');

function intOf(name: string, text: string, min: number | undefined): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || (min !== undefined && v < min))
    throw new UsageError(`--${name}: expected an integer${min !== undefined ? ` ≥ ${min}` : ''}, got '${text}'`);
  return v;
}

/** Parses `argv` against `cmd.flags`; throws UsageError on anything it does not accept. `help` is true on --help. */
export function parse<F extends Record<string, Flag>>(
  cmd: Command<F>,
  argv: string[],
): { help: true } | { help: false; values: Values<F> } {
  const options = Object.fromEntries([
    ...Object.entries(cmd.flags).map(([name, f]) => [name, { type: f.type === 'boolean' ? 'boolean' : 'string' }]),
    ['help', { type: 'boolean', short: 'h' }],
  ]) as Record<string, { type: 'boolean' | 'string'; short?: string }>;
  let raw: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    raw = parsed.values as Record<string, string | boolean | undefined>;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']*)'/.exec(err.message)?.[1] ?? '?';
      const valid = [...Object.keys(cmd.flags), 'help'].map((n) => `--${n}`);
      throw new UsageError(`unknown flag ${flag}${suggest(flag, valid)}; valid flags: ${flagList(cmd.flags)}`);
    }
    if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const arg = /'([^']*)'/.exec(err.message)?.[1] ?? '?';
      throw new UsageError(`unexpected argument '${arg}' (flags start with --); valid flags: ${flagList(cmd.flags)}`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /--([\w-]+)/.exec(err.message)?.[1];
      const f = flag ? cmd.flags[flag] : undefined;
      throw new UsageError(
        f && f.type !== 'boolean'
          ? `--${flag}: expected a value (--${flag} <value>)`
          : `--${flag ?? '?'} takes no value`,
      );
    }
    throw new UsageError(err.message.split('\n')[0]);
  }
  if (raw.help) return { help: true };
  const values: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(cmd.flags)) {
    const text = raw[name];
    if (f.type === 'boolean') {
      values[name] = text === true;
      continue;
    }
    if (text === undefined) {
      values[name] =
        'default' in f && f.default !== undefined ? (Array.isArray(f.default) ? [...f.default] : f.default) : undefined;
      continue;
    }
    const s = text as string;
    if (f.type === 'int') values[name] = intOf(name, s, f.min);
    else if (f.type === 'ints') values[name] = s.split(',').map((p) => intOf(name, p, f.min));
    else {
      const items = f.type === 'list' ? s.split(',') : [s];
      if (items.some((p) => p === '')) throw new UsageError(`--${name}: expected a value, got '${s}'`);
      const bad = f.choices ? items.filter((p) => !f.choices!.includes(p)) : [];
      if (bad.length)
        throw new UsageError(
          `--${name}: unknown ${bad.map((b) => `'${b}'${suggest(b, f.choices!)}`).join(', ')}; valid: ${f.choices!.join(', ')}`,
        );
      values[name] = f.type === 'list' ? items : s;
    }
  }
  const problem = cmd.check?.(values as Values<F>);
  if (problem) throw new UsageError(problem);
  return { help: false, values: values as Values<F> };
}

/**
 * The program's flags from process.argv: on --help prints the usage and exits 0; on a bad command line
 * prints `<program>: <what was wrong>` and exits 2. Call it before any work (before createContext).
 */
export function cli<F extends Record<string, Flag>>(cmd: Command<F>, argv = process.argv.slice(2)): Values<F> {
  try {
    const r = parse(cmd, argv);
    if (r.help) {
      console.log(usageText(cmd));
      process.exit(0);
    }
    return r.values;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${cmd.name}: ${e.message} (--help for usage)`);
    process.exit(2);
  }
}
