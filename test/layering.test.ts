// The layering of src/ as a test: no import cycles, and no import from a lower layer to a higher one
// (core ← ops ← backends ← nn ← io ← train ← worker ← index), type-only imports included. The checker is also fed
// a made-up graph with a cycle and an upward import, so a checker that finds nothing cannot pass.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  describeCycle,
  findCycles,
  findUpwardImports,
  layerOf,
  readImportGraph,
  type ImportGraph,
} from './layering.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

describe('layering of src/', () => {
  const graph = readImportGraph(SRC);

  it('reads the imports of every file, type-only and re-exports included', () => {
    expect(graph.size).toBeGreaterThan(50);
    // A type-only import and a re-export that the checker must see.
    expect(graph.get('nn/layers.ts')).toContain('core/tensor.ts');
    expect(graph.get('index.ts')).toContain('nn/sequential.ts');
  });

  it('has no import cycles', () => {
    expect(findCycles(graph).map(describeCycle)).toEqual([]);
  });

  it('imports only its own layer or lower ones', () => {
    expect(findUpwardImports(graph)).toEqual([]);
  });
});

describe('the layering checker', () => {
  const fake: ImportGraph = new Map([
    ['core/tensor.ts', []],
    ['ops/matmul/spec.ts', ['core/tensor.ts', 'ops/reduce/spec.ts']],
    ['ops/reduce/spec.ts', ['core/tensor.ts', 'nn/layers.ts']],
    ['nn/layers.ts', ['ops/matmul/spec.ts', 'core/tensor.ts']],
    ['train/fit.ts', ['train/trainer.ts']],
    ['train/trainer.ts', ['train/fit.ts', 'nn/layers.ts']],
    ['cpu/backend.ts', ['ops/reduce/spec.ts']],
    ['misc.ts', []],
  ]);

  it('names the files of each cycle', () => {
    expect(findCycles(fake).map(describeCycle)).toEqual([
      'nn/layers.ts → ops/matmul/spec.ts → ops/reduce/spec.ts → nn/layers.ts',
      'train/fit.ts → train/trainer.ts → train/fit.ts',
    ]);
    const wide: ImportGraph = new Map([
      ['a.ts', ['b.ts', 'c.ts']],
      ['b.ts', ['a.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(findCycles(wide).map(describeCycle)).toEqual(['a.ts → b.ts → a.ts (the same circle holds c.ts)']);
  });

  it('names both files of an upward import, and a file in no layer', () => {
    expect(findUpwardImports(fake)).toEqual([
      'misc.ts is in no layer: place it in test/layering.ts',
      'ops/reduce/spec.ts (ops) → nn/layers.ts (nn)',
    ]);
  });

  it('places files by folder', () => {
    expect(
      [
        'core/x.ts',
        'ops/a/b.ts',
        'webgpu/ops/x.ts',
        'cpu/backend.ts',
        'context.ts',
        'nn/x.ts',
        'io/x.ts',
        'train/x.ts',
        'worker/client.ts',
        'index.ts',
        'onnx/export.ts',
      ].map(layerOf),
    ).toEqual(['core', 'ops', 'backends', 'backends', 'backends', 'nn', 'io', 'train', 'worker', 'index', 'onnx']);
  });

  it('keeps onnx a branch above io: it imports io, never train, worker or index, and nothing imports it', () => {
    const onnx: ImportGraph = new Map([
      ['io/json.ts', []],
      ['train/fit.ts', []],
      ['worker/host.ts', []],
      ['index.ts', ['onnx/export.ts']],
      ['onnx/export.ts', ['io/json.ts', 'train/fit.ts', 'worker/host.ts']],
    ]);
    expect(findUpwardImports(onnx)).toEqual([
      'index.ts (index) → onnx/export.ts (onnx)',
      'onnx/export.ts (onnx) → train/fit.ts (train)',
      'onnx/export.ts (onnx) → worker/host.ts (worker)',
    ]);
  });
});
