// The import graph of src/ and the two rules it must keep: no import cycles, and imports that run one
// way only, core ← ops ← backends ← nn ← io ← train ← worker ← index (type-only imports included: a type import
// is still a dependency of the file's meaning, and a type-only circle becomes a value circle one edit later).
// The ONNX entry (src/onnx, `webgpu-rnn/onnx`) is a branch above io: it may import core, ops, backends, nn and
// io, and nothing outside src/onnx imports it, so an app that never exports or imports ONNX never bundles it.
// Imports are read with the TypeScript scanner (ts.preProcessFile): static imports, `import type`,
// `export ... from`, side-effect imports, dynamic `import('...')` and `import('...')` types.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** Layers from the bottom up; a file may import files of its own layer or of a lower one. */
export const LAYERS = ['core', 'ops', 'backends', 'nn', 'io', 'train', 'worker', 'index', 'onnx'] as const;
export type Layer = (typeof LAYERS)[number];

/** Layers below a layer that it still may not import: onnx sits above io only, beside train, worker and index. */
const FORBIDDEN: Partial<Record<Layer, readonly Layer[]>> = { onnx: ['train', 'worker', 'index'] };

/** Paths are relative to src/, with '/' separators: 'nn/sequential.ts'. */
export type LayerOf = (file: string) => Layer | undefined;

/** The layer of a file under src/ in the target layout; undefined for a file no rule places. */
export function layerOf(file: string): Layer | undefined {
  const top = file.split('/')[0];
  if (
    top === 'core' ||
    top === 'ops' ||
    top === 'nn' ||
    top === 'io' ||
    top === 'train' ||
    top === 'worker' ||
    top === 'onnx'
  )
    return top;
  if (top === 'cpu' || top === 'webgpu' || file === 'context.ts') return 'backends';
  if (file === 'index.ts' || file === 'index-ts5.ts') return 'index';
  return undefined;
}

/**
 * file → the files under src/ it imports (relative, resolved). Imports of packages and of files outside src/
 * (the .wgsl kernels, which import nothing) are left out.
 */
export type ImportGraph = Map<string, string[]>;

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listTs(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The specifier's target relative to srcDir, or throws when a relative import resolves to no file. */
function resolve(srcDir: string, from: string, specifier: string): string {
  const bare = specifier.replace(/\?.*$/, '');
  const base = posix.join(posix.dirname(from), bare);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
  for (const c of candidates) {
    const full = join(srcDir, ...c.split('/'));
    if (existsSync(full) && statSync(full).isFile()) return c;
  }
  throw new Error(`${from}: import '${specifier}' resolves to no file`);
}

/** Reads every .ts file under srcDir (declaration files aside) and resolves its relative imports. */
export function readImportGraph(srcDir: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const path of listTs(srcDir)) {
    const file = relative(srcDir, path).split(sep).join('/');
    const info = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((s) => s.startsWith('./') || s.startsWith('../'))
      .map((s) => resolve(srcDir, file, s))
      .filter((t) => !t.startsWith('../'));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** One circle of imports: the files that reach each other (a strongly connected component) and the shortest cycle through the first. */
export interface Cycle {
  files: string[];
  cycle: string[];
}

/** 'a.ts → b.ts → a.ts', and the other files of the same circle when there are more. */
export function describeCycle({ files, cycle }: Cycle): string {
  const others = files.filter((f) => !cycle.includes(f));
  return cycle.join(' → ') + (others.length > 0 ? ` (the same circle holds ${others.join(', ')})` : '');
}

/** The import circles: one per strongly connected component of more than one file, or a file importing itself. */
export function findCycles(graph: ImportGraph): Cycle[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const edges = (f: string) => (graph.get(f) ?? []).filter((t) => graph.has(t));
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges(v).includes(v)) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map((files) => ({ files, cycle: shortestCycle(files[0], new Set(files), edges) }));
}

/** The shortest path start → … → start inside one component (breadth-first). */
function shortestCycle(start: string, members: Set<string>, edges: (f: string) => string[]): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of edges(v)) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(parent.get(path[0])!);
        return [...path, start];
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

/** Every import against the layering, as 'from.ts (layer) → to.ts (layer)'; a file no rule places is an error too. */
export function findUpwardImports(graph: ImportGraph, layer: LayerOf = layerOf): string[] {
  const rank = (f: string) => LAYERS.indexOf(layer(f)!);
  const errors: string[] = [];
  for (const [from, targets] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    if (layer(from) === undefined) {
      errors.push(`${from} is in no layer: place it in test/layering.ts`);
      continue;
    }
    for (const to of targets) {
      if (layer(to) === undefined) errors.push(`${from} → ${to}: ${to} is in no layer`);
      else if (rank(to) > rank(from) || FORBIDDEN[layer(from)!]?.includes(layer(to)!))
        errors.push(`${from} (${layer(from)}) → ${to} (${layer(to)})`);
    }
  }
  return errors;
}
