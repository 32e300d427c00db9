// Every ```ts block in README.md type-checks against the library's sources (strict, in one compiler run,
// 'webgpu-rnn' mapped to src/index.ts) — fast, no `npm pack` (test/packed.test.ts checks its marked blocks
// against the packed package, installed). Free names a tour block uses without defining them come from a
// declaration comment right before it, `<!-- checked with: declare const x: Tensor; -->`; a block that is a
// fragment on purpose is marked `<!-- not checked: why -->`, and that list stays short.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '..');

interface ReadmeBlock {
  /** README line of the block's first code line (1-based). */
  line: number;
  code: string;
  /** From `<!-- checked with: … -->`: declarations (and type imports) prepended for the check, statements ended by `;`. */
  prelude: string;
  /** From `<!-- not checked: … -->`. */
  skipReason?: string;
}

/** The ```ts blocks of a markdown text, with the HTML comment (one line or several) right before each; blank lines between allowed. */
function tsBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(```+)\s*(\w*)/.exec(lines[i]);
    if (!fence) continue;
    const end = lines.findIndex((l, j) => j > i && l.trim().startsWith(fence[2]));
    if (end < 0) throw new Error(`README.md:${i + 1}: unclosed code block`);
    if (fence[3] === 'ts' || fence[3] === 'typescript') {
      let k = i - 1;
      while (k >= 0 && lines[k].trim() === '') k--;
      let start = k;
      while (start > 0 && lines[k]?.trim().endsWith('-->') && !lines[start].includes('<!--')) start--;
      const comment =
        k >= 0
          ? /^<!--\s*(not checked|checked with):\s*([\s\S]*?)\s*-->$/.exec(
              lines
                .slice(start, k + 1)
                .join('\n')
                .trim(),
            )
          : null;
      blocks.push({
        line: i + 2,
        code: lines.slice(i + 1, end).join('\n'),
        prelude: comment?.[1] === 'checked with' ? comment[2] : '',
        skipReason: comment?.[1] === 'not checked' ? comment[2] : undefined,
      });
    }
    i = end;
  }
  return blocks;
}

/** Type-checks blocks in one strict compiler run; returns the errors as `README.md:<line>: <message>`. */
async function checkBlocks(blocks: ReadmeBlock[], file = 'README.md'): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'readme-check-'));
  try {
    const names: string[] = [];
    const origin = new Map<string, ReadmeBlock>();
    for (const b of blocks) {
      const name = `block_${b.line}.ts`;
      names.push(name);
      origin.set(name, b);
      // The prelude on line 1, the block from line 2: compiler line n is README line b.line + n − 2. `export {}`
      // makes every block a module of its own (no clashes between blocks' names).
      writeFileSync(join(dir, name), `${b.prelude.replace(/\n/g, ' ')}\n${b.code}\nexport {};\n`);
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2022', 'DOM'],
          types: ['@webgpu/types', 'node', 'vite/client'],
          typeRoots: [join(root, 'node_modules/@types'), join(root, 'node_modules')],
          strict: true,
          skipLibCheck: true, // the sources themselves are checked by `npm run typecheck`
          noEmit: true,
          paths: {
            'webgpu-rnn': [join(root, 'src/index.ts')],
            'webgpu-rnn/onnx': [join(root, 'src/onnx/index.ts')],
          },
        },
        files: [...names, join(root, 'src/wgsl.d.ts')],
      }),
    );
    const out = await promisify(execFile)(
      join(root, 'node_modules/.bin/tsgo'),
      ['-p', join(dir, 'tsconfig.json'), '--pretty', 'false'],
      { cwd: dir },
    ).then(
      (r) => r.stdout,
      (e: { stdout?: string; code?: number }) => {
        if (e.code !== 1 && e.code !== 2) throw e;
        return e.stdout ?? '';
      },
    );
    return out
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const m = /^(block_\d+\.ts)\((\d+),(\d+)\): (.*)$/.exec(l);
        const b = m && origin.get(m[1]);
        return b ? `${file}:${b.line + Number(m[2]) - 2}:${m[3]}: ${m[4]}` : l;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('README.md code blocks', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = tsBlocks(readme);

  it('finds the tour and the install examples; few blocks are left unchecked, each with a reason', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    expect(blocks.some((b) => b.code.includes('createContext') && b.code.includes('Trainer'))).toBe(true);
    const skipped = blocks.filter((b) => b.skipReason !== undefined);
    for (const b of skipped) expect(b.skipReason, `README.md:${b.line}`).not.toBe('');
    expect(skipped.length, 'blocks marked <!-- not checked -->: keep them few').toBeLessThanOrEqual(3);
  });

  it('every ```ts block type-checks strictly against src/ (and a broken one is reported at its README line)', async () => {
    // A deliberately wrong block beside the real ones, in the same compiler run: proves errors come back, mapped.
    const broken: ReadmeBlock = {
      line: 100_000,
      prelude: 'declare const n: number;',
      code: "import { SGD } from 'webgpu-rnn';\nconst s: string = n;\nnew SGD();",
    };
    const errors = await checkBlocks([...blocks.filter((b) => b.skipReason === undefined), broken]);
    const [ours, theirs] = [
      errors.filter((e) => e.startsWith('README.md:1000')),
      errors.filter((e) => !e.startsWith('README.md:1000')),
    ];
    expect(theirs, theirs.join('\n')).toEqual([]);
    expect(ours).toEqual([
      expect.stringMatching(/^README\.md:100001:7: error TS2322: Type 'number' is not assignable to type 'string'\./),
      expect.stringMatching(/^README\.md:100002:1: error TS2554: Expected 2 arguments, but got 0\./),
    ]);
  });
});
