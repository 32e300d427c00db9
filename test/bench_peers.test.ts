// A peer that cannot run a workload costs its row, not the run: tfjs-wasm has no UnsortedSegmentSum kernel
// (the gradient of tf.layers.embedding), so char-gru cannot train there; `npm run bench -- --only
// char-gru,mlp --peers wasm` prints "char-gru train tfjs-wasm: unsupported — <reason>" and goes on to the
// mlp row, both in the table.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');

describe('npm run bench with a peer that cannot run a workload', () => {
  it('tfjs-wasm on char-gru: an unsupported row with the reason, and the later rows still run', async () => {
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
      execFile(
        process.execPath,
        [
          resolve(root, 'node_modules/vite-node/vite-node.mjs'),
          'bench/run.ts',
          ...['--only', 'char-gru,mlp', '--peers', 'wasm', '--reps', '1', '--warmup', '0'],
        ],
        { cwd: root, timeout: 240_000, maxBuffer: 1 << 24 },
        (err, stdout, stderr) =>
          done({
            code: err ? ((err as { code?: number }).code ?? null) : 0,
            stdout: String(stdout),
            stderr: String(stderr),
          }),
      ),
    );
    expect(r.stderr).toMatch(/char-gru train tfjs-wasm: unsupported — .*UnsortedSegmentSum/);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { workload: string; mode: string; backend: string; unsupported?: string });
    const peer = rows.filter((q) => q.backend === 'tfjs-wasm');
    expect(peer.map((q) => `${q.workload} ${q.mode}${q.unsupported ? ' unsupported' : ''}`)).toEqual([
      'char-gru train unsupported',
      'mlp train',
    ]);
    expect(peer[0].unsupported).toMatch(/^Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'/);
    // The table: char-gru's tfjs-wasm column says unsupported, mlp's has its ratio; the reason under it.
    expect(r.stdout).toMatch(/\nchar-gru \| train \| .* \| unsupported ‡\n/);
    expect(r.stdout).toMatch(/\nmlp \| train \| .* \| [\d.]+×\n/);
    expect(r.stdout).toMatch(/\n‡ char-gru train tfjs-wasm: unsupported — Kernel 'UnsortedSegmentSum'/);
  }, 300_000);
});
