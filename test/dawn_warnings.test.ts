// Our command-line tools (npm start, bench, bench:kernels, soak) do not greet users with the two
// warnings Dawn's native code prints on stderr during requestAdapter; everything else gets through.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..');
const FILTER = 'scripts/hide-dawn-warnings.sh';
const DAWN_WARNINGS = [
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.',
  'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.',
];

function run(args: string[]) {
  const r = spawnSync('bash', args, { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('scripts/hide-dawn-warnings.sh', () => {
  it('drops exactly the two Dawn lines, passes stdout and every other stderr line, keeps the exit status', () => {
    const stderrLines = [
      'first',
      ...DAWN_WARNINGS,
      'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced, but worded differently', // not Dawn's line: kept
      `  ${DAWN_WARNINGS[0]}`, // indented: kept
      'last',
    ];
    const script = `printf 'out 1\\nout 2\\n'; printf '%s\\n' ${stderrLines.map((l) => `'${l}'`).join(' ')} >&2; exit 7`;
    const r = run([FILTER, 'bash', '-c', script]);
    expect(r.status).toBe(7);
    expect(r.stdout).toBe('out 1\nout 2\n');
    expect(r.stderr).toBe(stderrLines.filter((l) => !DAWN_WARNINGS.includes(l)).join('\n') + '\n');
    expect(run([FILTER, 'true']).status).toBe(0);
  });

  it('hides what Dawn really prints when it requests an adapter (and Dawn does print it without the filter)', () => {
    const requestAdapter = `node --input-type=module -e "import { create } from 'webgpu'; const a = await create([]).requestAdapter(); console.log(a ? 'adapter' : 'none')"`;
    const bare = run(['scripts/with-vulkan.sh', 'bash', '-c', requestAdapter]);
    const filtered = run(['scripts/with-vulkan.sh', FILTER, 'bash', '-c', requestAdapter]);
    expect(bare.stdout).toBe('adapter\n');
    expect(bare.stderr.split('\n')).toEqual(expect.arrayContaining(DAWN_WARNINGS)); // on stderr, from native code
    expect(filtered.stdout).toBe('adapter\n');
    expect(filtered.status).toBe(0);
    expect(filtered.stderr).toBe(
      bare.stderr
        .split('\n')
        .filter((l) => !DAWN_WARNINGS.includes(l))
        .join('\n'),
    );
  });

  it('wraps every CLI entry the package scripts run on Dawn', () => {
    const { scripts } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const name of ['start', 'bench', 'bench:kernels', 'soak']) {
      expect(scripts[name], name).toMatch(
        /bash scripts\/hide-dawn-warnings\.sh npx vite-node (examples|bench)\/\w+\.ts$/,
      );
    }
  });
});
