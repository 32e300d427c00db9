// Every kernel's declaration (src/ops/<op>/webgpu.ts: uniform fields and storage bindings by name) against
// its WGSL: `struct Params` field names, order and types, and the @binding declarations by index, name and
// access mode. Also the uniform packing by name. No GPU needed: the WGSL text is parsed here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNELS } from '../src/ops/index.js';
import { kernel, packParams, type KernelSpec } from '../src/core/kernel.js';
import { ValueError } from '../src/core/errors.js';

/** WGSL without its line comments (field and binding lines carry trailing comments). */
function stripComments(code: string): string {
  return code.replace(/\/\/[^\n]*/g, '');
}

/** The `struct Params` fields as [name, type], or null when the code declares none. */
function paramsStruct(code: string): [string, string][] | null {
  const structs = [...stripComments(code).matchAll(/struct\s+Params\s*\{([^}]*)\}/g)];
  if (structs.length === 0) return null;
  if (structs.length > 1) throw new Error(`${structs.length} struct Params declarations`);
  return structs[0][1]
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((f) => {
      const m = /^(\w+)\s*:\s*(\w+)$/.exec(f);
      if (!m) throw new Error(`unparsed Params field '${f}'`);
      return [m[1], m[2]];
    });
}

interface WgslBinding {
  index: number;
  space: string; // uniform | storage
  access: string; // read | read_write ('' for a uniform)
  name: string;
  type: string;
}

function bindings(code: string): WgslBinding[] {
  const re = /@group\(0\)\s*@binding\((\d+)\)\s*var<(\w+)(?:\s*,\s*(\w+))?>\s*(\w+)\s*:\s*([^;]+);/g;
  return [...stripComments(code).matchAll(re)].map((m) => ({
    index: Number(m[1]),
    space: m[2],
    access: m[3] ?? '',
    name: m[4],
    type: m[5].trim(),
  }));
}

/** Every way the declaration and the WGSL disagree (empty when they agree). */
function specProblems(spec: KernelSpec): string[] {
  const problems: string[] = [];
  const fields = paramsStruct(spec.code);
  if (fields === null) {
    if (spec.params.length > 0) problems.push('declares params but the WGSL has no struct Params');
  } else {
    // Trailing _pad fields round the struct to 16 bytes; the declaration leaves them out, and none may sit between real fields.
    let real = fields.length;
    while (real > 0 && fields[real - 1][0].startsWith('_pad')) real--;
    const wgsl = fields.slice(0, real).map(([n, t]) => `${n}: ${t}`);
    const declared = spec.params.map(([n, t]) => `${n}: ${t}`);
    if (wgsl.join(', ') !== declared.join(', '))
      problems.push(`Params: WGSL [${wgsl.join(', ')}] vs declared [${declared.join(', ')}]`);
    if (fields.slice(0, real).some(([n]) => n.startsWith('_')))
      problems.push('a padding field between real Params fields');
    if (fields.length % 4 !== 0)
      problems.push(`Params has ${fields.length} fields: pad it to a multiple of 4 (16 bytes)`);
  }
  const bound = bindings(spec.code);
  const indices = bound.map((b) => b.index);
  if (new Set(indices).size !== indices.length) problems.push(`binding indices repeat: ${indices.join(', ')}`);
  const uniform = bound.find((b) => b.index === 0);
  if (!uniform || uniform.space !== 'uniform') problems.push('binding 0 is not the uniform');
  else if (fields !== null && uniform.type !== 'Params')
    problems.push(`binding 0 has type ${uniform.type}, not Params`);
  const storage = bound.filter((b) => b.index > 0).sort((a, b) => a.index - b.index);
  const wgslStorage = storage.map((b) => `${b.index} ${b.name} ${b.space}/${b.access}`);
  const declaredStorage = spec.storage.map(([n, a], i) => `${i + 1} ${n} storage/${a}`);
  if (wgslStorage.join('; ') !== declaredStorage.join('; '))
    problems.push(`bindings: WGSL [${wgslStorage.join('; ')}] vs declared [${declaredStorage.join('; ')}]`);
  if (!new RegExp(`@compute[^;{]*fn\\s+${spec.entry}\\s*\\(`).test(stripComments(spec.code)))
    problems.push(`no @compute entry point ${spec.entry}`);
  return problems;
}

describe('kernel declarations match their WGSL', () => {
  it.each(KERNELS.map((k) => [k.name, k] as const))('%s', (_name, spec) => {
    expect(specProblems(spec)).toEqual([]);
  });

  // WebGPU's default maxStorageBuffersPerShaderStage: what many users' adapters give, whatever this one allows.
  it('no kernel declares more than 8 storage buffers', () => {
    const over = KERNELS.filter((k) => k.storage.length > 8).map((k) => `${k.name} (${k.storage.length})`);
    expect(over).toEqual([]);
  });

  it('kernel names are unique (they key the pipeline cache)', () => {
    const names = KERNELS.map((k) => k.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('every shader file that declares bindings belongs to a declared kernel', () => {
    const root = new URL('../', import.meta.url);
    const files = ['shaders', 'src/ops']
      .filter((dir) => existsSync(new URL(dir, root)))
      .flatMap((dir) =>
        readdirSync(new URL(dir, root), { recursive: true, encoding: 'utf8' }).map((f) => `${dir}/${f}`),
      )
      .filter((f) => f.endsWith('.wgsl'));
    expect(files.length).toBeGreaterThan(40);
    const unused = files.filter((f) => {
      const code = readFileSync(new URL(f, root), 'utf8');
      return bindings(code).length > 0 && !KERNELS.some((k) => k.code.includes(code));
    });
    expect(unused).toEqual([]);
  });

  it('RNN, LSTM and GRU kernels share their leading Params fields and their bindings', () => {
    const byName = new Map(KERNELS.map((k) => [k.name, k]));
    for (const suffix of ['step', 'sequence', 'split_step', 'split_subgroup_step', 'rows_sequence'].flatMap((s) => [
      s,
      `${s}_backward`,
    ])) {
      const rnn = byName.get(`rnn_${suffix}`)!;
      for (const cell of ['lstm', 'gru']) {
        const other = byName.get(`${cell}_${suffix}`)!;
        expect(other.params.slice(0, 9), `${cell} ${suffix}`).toEqual(rnn.params.slice(0, 9));
        expect(other.storage, `${cell} ${suffix}`).toEqual(rnn.storage);
      }
    }
  });
});

/** WebGPU's default maxStorageBuffersPerShaderStage: what many adapters give, whatever lavapipe allows. */
const MAX_STORAGE_BUFFERS = 8;

/** The kernels that declare more storage bindings than the default limit, as "name (count)". */
function overBindingBudget(specs: readonly KernelSpec[]): string[] {
  return specs.filter((k) => k.storage.length > MAX_STORAGE_BUFFERS).map((k) => `${k.name} (${k.storage.length})`);
}

describe('binding budget', () => {
  it(`no kernel declares more than ${MAX_STORAGE_BUFFERS} storage buffers`, () => {
    expect(overBindingBudget(KERNELS)).toEqual([]);
  });

  it('catches a kernel with 9 storage bindings, naming it', () => {
    const nine = kernel({
      name: 'nine bindings',
      code: '',
      params: {},
      storage: {
        b1: 'read',
        b2: 'read',
        b3: 'read',
        b4: 'read',
        b5: 'read',
        b6: 'read',
        b7: 'read',
        b8: 'read',
        b9: 'read_write',
      },
    });
    expect(overBindingBudget([...KERNELS, nine])).toEqual(['nine bindings (9)']);
  });
});

describe('the declaration check catches drift', () => {
  const base = KERNELS.find((k) => k.name === 'sgd')!;
  const mutated = (change: Partial<KernelSpec>): KernelSpec => ({ ...base, ...change });
  const swap = <T>(xs: readonly T[], i: number, j: number): T[] => {
    const out = [...xs];
    [out[i], out[j]] = [out[j], out[i]];
    return out;
  };

  it('two Params fields in the wrong order', () => {
    expect(specProblems(mutated({ params: swap(base.params, 2, 3) }))).toHaveLength(1);
  });
  it('a field declared with the wrong type', () => {
    expect(
      specProblems(mutated({ params: base.params.map(([n, t]) => [n, n === 'nesterov' ? 'f32' : t] as const) })),
    ).toHaveLength(1);
  });
  it('a field missing from the declaration', () => {
    expect(specProblems(mutated({ params: base.params.slice(0, -1) }))).toHaveLength(1);
  });
  it('a binding with the wrong access mode, or two bindings swapped', () => {
    expect(
      specProblems(mutated({ storage: base.storage.map(([n, a]) => [n, n === 'grad' ? 'read_write' : a] as const) })),
    ).toHaveLength(1);
    expect(specProblems(mutated({ storage: swap(base.storage, 1, 2) }))).toHaveLength(1);
  });
  it('an entry point the shader lacks', () => {
    expect(specProblems(mutated({ entry: 'sequence' }))).toEqual(['no @compute entry point sequence']);
  });
});

describe('packParams', () => {
  const spec = kernel({
    name: 'pack test',
    code: '',
    params: { n: 'u32', scale: 'f32', flag: 'u32', beta: 'f32', last: 'u32' },
    storage: {},
  });

  it('writes each field at its declared offset whatever the order of the named values, padded to 16 bytes', () => {
    const bytes = packParams(spec, { last: 7, beta: -0.25, flag: 1, scale: 0.1, n: 4294967295 });
    expect(bytes.byteLength).toBe(32);
    const view = new DataView(bytes);
    expect(view.getUint32(0, true)).toBe(4294967295);
    expect(view.getFloat32(4, true)).toBe(Math.fround(0.1));
    expect(view.getUint32(8, true)).toBe(1);
    expect(view.getFloat32(12, true)).toBe(-0.25);
    expect(view.getUint32(16, true)).toBe(7);
    expect(view.getUint32(20, true)).toBe(0);
  });

  it('refuses a missing field with a typed error naming it', () => {
    const values = { n: 1, scale: 1, flag: 1, beta: 1 } as unknown as Parameters<
      typeof packParams<'n' | 'scale' | 'flag' | 'beta' | 'last'>
    >[1];
    expect(() => packParams(spec, values)).toThrowError(ValueError);
    expect(() => packParams(spec, values)).toThrowError(/last/);
  });
});
