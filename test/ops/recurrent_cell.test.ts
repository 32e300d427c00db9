// A new gated cell is one folder: the test-only cell of test/ops/cells/minimal_gated/ (2 gates, reset-after
// form; its layout, Params fields, WGSL epilogues and CPU step, nothing else) registered from here and run
// through the library's time loop — GPU vs its CPU twin on every kernel variant and both time-loop paths,
// forward and backward (outputs, hN, dInput, dh0, the recorded dL/dh_t, every weight gradient) at awkward
// sizes with and without lengths; the same dispatches as a library cell; and an f64 finite-difference
// check of the CPU twin through the generic loop.
import { describe, expect, it } from 'vitest';
import { toActivation } from '../../src/ops/activation/spec.js';
import type { Backend } from '../../src/ops/index.js';
import type { CellKind, RecurrentConfig, RecurrentWeights } from '../../src/ops/recurrent/spec.js';
import type { CpuBackend } from '../../src/index.js';
import { registerCell } from '../../src/ops/recurrent/cells/index.js';
import { RECURRENT_VARIANTS } from '../../src/ops/recurrent/webgpu.js';
import { expectClose, seeded, useGpu } from '../helpers.js';
import { minimalGated } from './cells/minimal_gated/index.js';
import { expectFiniteDifferences } from './recurrent_cases.js';

registerCell(minimalGated);

const { gpu, cpu } = useGpu();
const VALUE_TOL = { atol: 1e-5, rtol: 1e-4 };
// BPTT sums products through W_hh over up to 13 steps in f32: widened on purpose.
const GRAD_TOL = { atol: 5e-5, rtol: 5e-4 };

interface Case {
  T: number;
  B: number;
  I: number;
  H: number;
  D: 1 | 2;
  h0: boolean;
  dhN: boolean;
  bias: boolean;
  record?: boolean;
  lengths?: number[];
}

function setup(be: Backend, c: Case, cell: string, path: RecurrentConfig['path']) {
  const { T, B, I, H, D } = c;
  const G = 2 * H;
  const rng = seeded(T * 1000 + B * 100 + H * 10 + D);
  const s = 1 / Math.sqrt(H);
  const t = (n: number, shape: number[], scale = 1) => be.tensor(rng.uniformArray(n, -scale, scale), shape);
  // The GRU of the dispatch comparison gets 3H rows: weights are drawn for the cell at hand.
  const rows = cell === 'gru' ? 3 * H : G;
  const w: RecurrentWeights = { wih: t(D * rows * I, [D * rows, I], s), whh: t(D * rows * H, [D * rows, H], s) };
  if (c.bias) Object.assign(w, { bih: t(D * rows, [D * rows], s), bhh: t(D * rows, [D * rows], s) });
  const grads: RecurrentWeights = {
    wih: be.zeros([D * rows, I]),
    whh: be.zeros([D * rows, H]),
    ...(c.bias ? { bih: be.zeros([D * rows]), bhh: be.zeros([D * rows]) } : {}),
  };
  const x = t(T * B * I, [T, B, I]);
  // State tensors [L·D, B, H] with this layer at L index 1, to exercise the offsets.
  const h0 = c.h0 ? t(2 * D * B * H, [2 * D, B, H]) : null;
  const dhN = c.dhN ? t(2 * D * B * H, [2 * D, B, H]) : null;
  const hN = be.zeros([2 * D, B, H]);
  const dh0 = be.zeros([2 * D, B, H]);
  const dOut = t(T * B * D * H, [T, B, D * H]);
  const dhRecord = c.record ? be.zeros([T, B, D * H]) : undefined;
  const lengths = c.lengths ? be.tensor(c.lengths, [B]) : undefined;
  const config: RecurrentConfig = { cell: cell as CellKind, D, H, activation: toActivation('act', 'tanh'), path };
  const off = D * B * H;
  const forward = () =>
    be.recurrentLayerForward(
      x,
      w,
      config,
      { h: h0 ? { tensor: h0, offset: off } : null },
      { h: { tensor: hN, offset: off } },
      lengths,
    );
  const backward = (cache: ReturnType<typeof forward>) =>
    be.recurrentLayerBackward(
      cache,
      dOut,
      { h: dhN ? { tensor: dhN, offset: off } : null },
      grads,
      { h: { tensor: dh0, offset: off } },
      true,
      dhRecord,
    )!;
  const gradList = [grads.wih, grads.whh, ...(c.bias ? [grads.bih!, grads.bhh!] : [])];
  const release = () => {
    for (const u of [x, h0, dhN, hN, dh0, dOut, dhRecord, lengths, w.wih, w.whh, w.bih, w.bhh, ...gradList])
      u?.release();
  };
  return { w, x, h0, dhN, hN, dh0, dOut, dhRecord, gradList, forward, backward, release };
}

async function run(be: Backend, c: Case, path: RecurrentConfig['path']) {
  const s = setup(be, c, minimalGated.name, path);
  const cache = s.forward();
  const dx = s.backward(cache);
  const out = await be.readMany([cache.output, s.hN, dx, s.dh0, ...(s.dhRecord ? [s.dhRecord] : []), ...s.gradList]);
  cache.release();
  dx.release();
  s.release();
  return out;
}

const names = (c: Case) => [
  'output',
  'hN',
  'dInput',
  'dh0',
  ...(c.record ? ['dL/dh_t'] : []),
  'dW_ih',
  'dW_hh',
  'db_ih',
  'db_hh',
];

const CASES: Case[] = [
  { T: 1, B: 1, I: 1, H: 1, D: 1, h0: false, dhN: false, bias: true },
  { T: 7, B: 3, I: 5, H: 11, D: 2, h0: true, dhN: true, bias: true, record: true, lengths: [7, 2, 5] },
  { T: 13, B: 1, I: 2, H: 3, D: 2, h0: true, dhN: false, bias: true, record: true },
  {
    T: 5,
    B: 17,
    I: 3,
    H: 13,
    D: 2,
    h0: false,
    dhN: true,
    bias: false,
    lengths: [5, 1, 3, 5, 2, 4, 5, 1, 1, 3, 2, 5, 4, 4, 3, 2, 1],
  },
  { T: 3, B: 2, I: 3, H: 70, D: 2, h0: true, dhN: true, bias: true, lengths: [3, 2] }, // H > the split workgroup (64)
];

describe.each(RECURRENT_VARIANTS)('test-only gated cell, GPU (%s kernels) vs CPU', (variant) => {
  it.each(CASES)('%j', async (c) => {
    const ref = await run(cpu, c, 'auto');
    gpu().recurrentVariant = variant;
    for (const path of ['step', 'persistent'] as const) {
      const got = await run(gpu(), c, path);
      expect(got.length).toBe(ref.length);
      got.forEach((g, i) =>
        expectClose(g, ref[i], { ...(i < 2 ? VALUE_TOL : GRAD_TOL), label: `${variant} ${path} ${names(c)[i]}` }),
      );
    }
  });

  it("runs its own kernels, with the GRU's dispatches on each path", async () => {
    const g = gpu();
    g.recurrentVariant = variant;
    const c: Case = { T: 6, B: 2, I: 3, H: 4, D: 2, h0: true, dhN: true, bias: true };
    const count = async (cell: string, path: 'step' | 'persistent') => {
      const s = setup(g, c, cell, path);
      let n = 0;
      for (const compile of [true, false]) {
        g.resetCounters();
        const cache = s.forward();
        s.backward(cache).release();
        n = g.counters().dispatches;
        cache.release();
        if (compile) await g.sync();
      }
      s.release();
      await g.sync();
      return n;
    };
    for (const path of ['step', 'persistent'] as const)
      expect(await count(minimalGated.name, path), path).toBe(await count('gru', path));
    const kernels = {
      blocked: ['step', 'sequence'],
      split: ['split_step', 'rows_sequence'],
      'split-subgroup': ['split_subgroup_step', 'rows_sequence'],
    }[variant];
    for (const k of kernels)
      for (const pass of ['', '_backward']) expect(g.registry.compiledKernels()).toContain(`minimal_gated_${k}${pass}`);
  });
});

describe('test-only gated cell, BPTT finite-difference check (CPU, f64)', () => {
  it.each([
    { T: 4, B: 2, I: 3, H: 3, D: 1, h0: true, dhN: true, bias: true },
    { T: 5, B: 3, I: 2, H: 2, D: 2, h0: true, dhN: true, bias: true, lengths: [5, 2, 4] },
  ] satisfies Case[])('%j', (c) => {
    const be = cpu as CpuBackend;
    const s = setup(be, c, minimalGated.name, 'auto');
    const data = (t: Parameters<CpuBackend['data']>[0]) => be.data(t, 'probe');
    const loss = () => {
      const cache = s.forward();
      const out = data(cache.output);
      const dOut = data(s.dOut);
      const hN = data(s.hN);
      const dhN = data(s.dhN!);
      let l = 0;
      for (let i = 0; i < out.length; i++) l += out[i] * dOut[i];
      for (let i = 0; i < hN.length; i++) l += hN[i] * dhN[i];
      cache.release();
      return l;
    };
    const cache = s.forward();
    const dx = s.backward(cache);
    const [dWih, dWhh, dBih, dBhh] = s.gradList.map(data);
    const off = c.D * c.B * c.H;
    const worst = expectFiniteDifferences(
      {
        wih: data(s.w.wih),
        whh: data(s.w.whh),
        bih: data(s.w.bih!),
        bhh: data(s.w.bhh!),
        x: data(s.x),
        h0: data(s.h0!).subarray(off, 2 * off),
      },
      { wih: dWih, whh: dWhh, bih: dBih, bhh: dBhh, x: data(dx), h0: data(s.dh0).subarray(off, 2 * off) },
      loss,
    );
    console.log(`test-only gated cell gradcheck: max relative error ${worst.toExponential(2)}`);
    cache.release();
    dx.release();
    s.release();
  });
});
