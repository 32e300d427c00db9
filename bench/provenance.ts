// Where a benchmark number came from: git commit (with a dirty flag), date, Node version. Node only.
import { execSync } from 'node:child_process';

export interface Provenance {
  commit: string;
  dirty: boolean;
  date: string;
  runtime: string;
}

export function provenance(): Provenance {
  let commit: string;
  let dirty: boolean;
  try {
    commit = execSync('git rev-parse HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    dirty =
      execSync('git status --porcelain --untracked-files=no', { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() !== '';
  } catch {
    throw new Error('benchmarks record the git commit they measured: run them from a git checkout of webgpu-rnn');
  }
  return { commit, dirty, date: new Date().toISOString(), runtime: `node ${process.version}` };
}
