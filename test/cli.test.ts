// Every command-line program an npm script runs (and bench/adding.ts) parses its flags with scripts/cli.ts:
// `--help` prints the usage and exits 0 before any work, a bad command line exits 2 with one line naming the
// valid names. Each program is spawned as its npm script runs it (vite-node; `npm start`, `names` and
// `spam` run scripts/setup.sh first, so the programs are run directly), with no GPU driver set: a program
// that started work would print its adapter line, or fail on the missing adapter, instead.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, usageText, type Command } from '../scripts/cli.js';

const root = resolve(__dirname, '..');
const viteNode = resolve(root, 'node_modules/vite-node/vite-node.mjs');

function spawn(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [viteNode, file, ...args],
      { cwd: root, timeout: 60_000, env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent.json' } },
      (err, stdout, stderr) =>
        done({
          code: err ? ((err as { code?: number }).code ?? null) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });
}

/** Each program, the npm script that runs it, and a bad command line with a fragment of its one-line error. */
const PROGRAMS: Array<{ file: string; script: string; bad: string[]; error: RegExp }> = [
  {
    file: 'bench/run.ts',
    script: 'npm run bench',
    bad: ['--only', 'lstmm'],
    error: /--only: unknown 'lstmm' \(did you mean 'lstm'\?\); valid: elman-tiny, .*char-gru, generate, mlp/,
  },
  {
    file: 'bench/kernels.ts',
    script: 'npm run bench:kernels',
    bad: ['--reps', 'abc'],
    error: /--reps: expected an integer ≥ 1, got 'abc'/,
  },
  {
    file: 'bench/soak.ts',
    script: 'npm run soak',
    bad: ['--step', '100'],
    error: /unknown flag --step \(did you mean '--steps'\?\); valid flags: --steps, --help/,
  },
  {
    file: 'bench/adding.ts',
    script: 'bash scripts/with-vulkan.sh npx vite-node bench/adding.ts',
    bad: ['--seeds', '1,x'],
    error: /--seeds: expected an integer ≥ 0, got 'x'/,
  },
  {
    file: 'scripts/run-presets.ts',
    script: 'npm run presets',
    bad: ['--only', 'lstmx'],
    error: /--only: unknown 'lstmx' \(did you mean 'lstm'\?\); valid: exploding, clipped, vanishing, lstm/,
  },
  {
    file: 'scripts/screenshots.ts',
    script: 'npm run screenshots',
    bad: ['--only', 'demo'],
    error: /--only: unknown 'demo'; valid: explorer, co2, names, dates, bench/,
  },
  {
    file: 'scripts/page-responsiveness.ts',
    script: 'npm run responsiveness',
    bad: ['--backend', 'gpu'],
    error: /--backend: unknown 'gpu' \(did you mean 'cpu'\?\); valid: webgpu, cpu/,
  },
  {
    file: 'examples/train.ts',
    script: 'npm start',
    bad: ['--epochs', '3'],
    error: /unknown flag --epochs; valid flags: --help/,
  },
  { file: 'examples/names.ts', script: 'npm run names', bad: ['extra'], error: /unexpected argument 'extra'/ },
  {
    file: 'examples/spam.ts',
    script: 'npm run spam',
    bad: ['--seed=1'],
    error: /unknown flag --seed; valid flags: --help/,
  },
  {
    file: 'examples/dates.ts',
    script: 'npm run dates',
    bad: ['--tables'],
    error: /unknown flag --tables \(did you mean '--table'\?\); valid flags: --table, --help/,
  },
];

describe.concurrent('command-line programs', () => {
  for (const p of PROGRAMS) {
    it(`${p.file} --help prints the usage (${p.script}) and exits 0 before any work`, async () => {
      const r = await spawn(p.file, ['--help']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: ${p.script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      // The usage and nothing after it: no adapter line, no training.
      expect(r.stdout).toMatch(/\n {2}--help +print this text and exit\n$/);
    });
    it(`${p.file} ${p.bad.join(' ')} exits 2 with one line naming the valid names`, async () => {
      const r = await spawn(p.file, p.bad);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^${p.file}: `));
      expect(lines[0]).toMatch(p.error);
    });
  }
});

describe('npm run responsiveness --dist', () => {
  it('a folder without the built pages exits 2 saying which page is missing, before starting a browser', async () => {
    const r = await spawn('scripts/page-responsiveness.ts', ['--dist', 'test']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'scripts/page-responsiveness.ts: --dist test: no demo/index.html there (build the pages with npm run build:pages, or leave --dist out)',
    );
  });
});

describe('scripts/cli.ts', () => {
  const cmd: Command<{
    reps: { type: 'int'; min: 1; default: 5; help: string };
    only: { type: 'list'; choices: string[]; help: string };
    mode: { type: 'string'; choices: string[]; default: string; help: string };
    large: { type: 'boolean'; help: string };
  }> = {
    name: 'x.ts',
    usage: 'x [flags]',
    about: 'About x.',
    flags: {
      reps: { type: 'int', min: 1, default: 5, help: 'reps' },
      only: { type: 'list', choices: ['lstm', 'gru'], help: 'only' },
      mode: { type: 'string', choices: ['auto', 'fast'], default: 'auto', help: 'mode' },
      large: { type: 'boolean', help: 'large' },
    },
  };
  const bad = (argv: string[]) => {
    try {
      parse(cmd, argv);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`accepted ${argv.join(' ')}`);
  };

  it('gives defaults, parsed values, and --help before any check', () => {
    expect(parse(cmd, [])).toEqual({ help: false, values: { reps: 5, only: undefined, mode: 'auto', large: false } });
    expect(parse(cmd, ['--reps', '3', '--only', 'gru,lstm', '--mode=fast', '--large'])).toEqual({
      help: false,
      values: { reps: 3, only: ['gru', 'lstm'], mode: 'fast', large: true },
    });
    expect(parse(cmd, ['-h'])).toEqual({ help: true });
    expect(usageText(cmd)).toContain('--only A,B,…  only (one or more of: lstm, gru)');
  });

  it('refuses bad values, unknown flags and stray arguments in one line', () => {
    expect(bad(['--reps', 'abc'])).toBe("--reps: expected an integer ≥ 1, got 'abc'");
    expect(bad(['--reps', '0'])).toBe("--reps: expected an integer ≥ 1, got '0'");
    expect(bad(['--reps', '1.5'])).toBe("--reps: expected an integer ≥ 1, got '1.5'");
    expect(bad(['--only', 'lstm,gur'])).toBe("--only: unknown 'gur' (did you mean 'gru'?); valid: lstm, gru");
    expect(bad(['--only', ''])).toBe("--only: expected a value, got ''");
    expect(bad(['--mode', 'slow'])).toBe("--mode: unknown 'slow'; valid: auto, fast");
    expect(bad(['--lage'])).toBe(
      "unknown flag --lage (did you mean '--large'?); valid flags: --reps, --only, --mode, --large, --help",
    );
    expect(bad(['--large=yes'])).toMatch(/^--large takes no value/);
    expect(bad(['lstm'])).toMatch(/^unexpected argument 'lstm'/);
  });
});
