// The README's instructions that tests elsewhere do not run: the Install section must give an install that
// works before the package is on the registry (the tarball `npm pack` writes, under the name npm gives it),
// and a time quoted for a page must say which script measured it.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');
const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
/** The text from `## Install` up to the browser recipe (the Node project recipe included). */
const install = readme.slice(readme.indexOf('## Install'), readme.indexOf('### In a browser app'));

describe('README install and measured numbers', () => {
  it('Install: the first install works today (the packed tarball, named as npm pack names it); the registry line is for after publication', async () => {
    // --ignore-scripts: the name alone, without prepack's build.
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], {
      cwd: root,
    });
    const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>;
    const installs = [...install.matchAll(/npm install (?:-D )?([^\s`#]+)/g)].map((m) => m[1]);
    expect(installs[0]).toBe(`../webgpu-rnn/${filename}`);
    expect(install).toContain(`npm pack   # prepack builds dist/; writes ${filename}`);
    // Every command in the section's shell blocks installs the tarball; the registry name only in a comment.
    const commands = [...install.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n'));
    expect(commands.filter((l) => /npm install \S*webgpu-rnn/.test(l))).toHaveLength(2);
    for (const line of commands) expect(line.replace(/#.*/, '')).not.toMatch(/npm install (.* )?webgpu-rnn\b(?!\/)/);
    expect(install).toMatch(/not on the npm registry yet/);
  });

  it.each([
    ['names', 'Names page'],
    ['dates', 'Dates page'],
  ])('the %s page time is the one `npm run screenshots` measured (docs/screenshots.txt), or none', (page, alt) => {
    // The caption is the table cell holding the page's screenshot.
    const caption = readme
      .split('\n')
      .flatMap((l) => l.split('|'))
      .find((cell) => cell.includes(`![${alt}]`));
    expect(caption).toBeDefined();
    const log = resolve(root, 'docs/screenshots.txt');
    const measured = existsSync(log)
      ? new RegExp(`^${page}: trained in (\\d+) s`, 'm').exec(readFileSync(log, 'utf8'))?.[1]
      : undefined;
    const quoted = caption!.match(/\d+(\.\d+)? ?(s|min)\b/g) ?? [];
    if (measured === undefined) expect(quoted).toEqual([]);
    else {
      expect(quoted).toEqual([`${measured} s`]);
      expect(caption).toContain('docs/screenshots.txt');
    }
  });
});
