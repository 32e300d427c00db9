// The op registry (src/ops/index.ts) is the one place an op is listed: every op folder's index.ts is in
// it, and both backends carry exactly the methods it declares, implemented on each side.
import { readdirSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/core/op.js';
import { OPS } from '../../src/ops/index.js';
import { CpuBackend, WebGpuBackend } from '../../src/index.js';

const opsDir = new URL('../../src/ops/', import.meta.url);
const folders = readdirSync(opsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(new URL(`${d.name}/index.ts`, opsDir)))
  .map((d) => d.name);

describe('op registry', () => {
  it('every op folder with an index.ts is registered in OPS', async () => {
    expect(folders.length).toBeGreaterThan(15);
    const registered = new Set<Op>(OPS);
    for (const folder of folders) {
      const module = (await import(`../../src/ops/${folder}/index.ts`)) as Record<string, unknown>;
      const ops = Object.values(module).filter((v): v is Op => typeof v === 'object' && v !== null && 'webgpu' in v);
      expect(ops.length, `src/ops/${folder}/index.ts declares an op`).toBeGreaterThan(0);
      for (const op of ops) expect(registered.has(op), `op ${op.name} (src/ops/${folder}) is in OPS`).toBe(true);
    }
  });

  it('each op implements the same methods on both sides, and no two ops share a method name', () => {
    const names = OPS.flatMap((op: Op) => {
      expect(Object.keys(op.cpu).sort(), op.name).toEqual(Object.keys(op.webgpu).sort());
      return Object.keys(op.cpu);
    });
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(typeof (CpuBackend.prototype as unknown as Record<string, unknown>)[name], `CpuBackend.${name}`).toBe(
        'function',
      );
      expect(
        typeof (WebGpuBackend.prototype as unknown as Record<string, unknown>)[name],
        `WebGpuBackend.${name}`,
      ).toBe('function');
    }
  });
});

describe('installed methods', () => {
  it('carry the op method’s name and arity (stack traces name them)', async () => {
    const { createContext } = await import('../../src/index.js');
    const ctx = await createContext({ backend: 'cpu' });
    expect(ctx.matmul.name).toBe('matmul');
    expect(ctx.matmul.length).toBe(2); // (a, b, options?) as the method is declared
    expect(ctx.crossEntropy.name).toBe('crossEntropy');
    const a = ctx.tensor([1, 2, 3, 4], [2, 2]);
    const b = ctx.tensor([1, 2, 3], [3, 1]);
    let stack = '';
    try {
      ctx.matmul(a, b);
    } catch (e) {
      stack = String((e as Error).stack);
    }
    expect(stack).toMatch(/CpuBackend\.matmul/);
    ctx.destroy();
  });
});
