// One Elman RNN layer (rnn_forward / rnn_backward kernels + the matmuls around them): GPU vs the CPU
// twin for outputs, hN, dInput, dh0, every weight gradient and the recorded dL/dh_t — tanh and relu, one
// and two directions, T = 1 and long T, awkward sizes, the per-step and the persistent paths, with each
// recurrent kernel variant forced.
import { describe, expect, it } from 'vitest';
import { toActivation } from '../../src/ops/activation/spec.js';
import type { Backend } from '../../src/ops/index.js';
import type { RecurrentConfig, RecurrentWeights } from '../../src/ops/recurrent/spec.js';
import { RECURRENT_VARIANTS } from '../../src/ops/recurrent/webgpu.js';
import { expectClose, seeded, useGpu } from '../helpers.js';

const { gpu, cpu } = useGpu();
const VALUE_TOL = { atol: 1e-5, rtol: 1e-4 };
// BPTT sums T products through W_hh: f32 error grows with T; widened on purpose for T = 40.
const GRAD_TOL = { atol: 5e-5, rtol: 5e-4 };

interface Case {
  T: number;
  B: number;
  I: number;
  H: number;
  D: 1 | 2;
  act: 'tanh' | 'relu';
  h0: boolean;
  dhN: boolean;
  bias: boolean;
  record?: boolean; // keep dL/dh_t (gradient-flow diagnostics)
}

async function run(be: Backend, c: Case, path: RecurrentConfig['path']) {
  const { T, B, I, H, D } = c;
  const rng = seeded(T * 1000 + B * 100 + H * 10 + D);
  const scale = 1 / Math.sqrt(H);
  const t = (n: number, shape: number[], s = 1) => be.tensor(rng.uniformArray(n, -s, s), shape);
  const w: RecurrentWeights = { wih: t(D * H * I, [D * H, I], scale), whh: t(D * H * H, [D * H, H], scale) };
  if (c.bias) Object.assign(w, { bih: t(D * H, [D * H], scale), bhh: t(D * H, [D * H], scale) });
  const grads: RecurrentWeights = {
    wih: be.zeros([D * H, I]),
    whh: be.zeros([D * H, H]),
    ...(c.bias ? { bih: be.zeros([D * H]), bhh: be.zeros([D * H]) } : {}),
  };
  const x = t(T * B * I, [T, B, I]);
  // State tensors shaped [L·D, B, H] with this layer at L index 1, to exercise the offsets.
  const h0 = c.h0 ? t(2 * D * B * H, [2 * D, B, H]) : null;
  const dhN = c.dhN ? t(2 * D * B * H, [2 * D, B, H]) : null;
  const hN = be.zeros([2 * D, B, H]);
  const dh0 = be.zeros([2 * D, B, H]);
  const dOut = t(T * B * D * H, [T, B, D * H]);
  const dhRecord = c.record ? be.zeros([T, B, D * H]) : undefined;
  const off = D * B * H;
  const config: RecurrentConfig = { cell: 'rnn', D, H, activation: toActivation('act', c.act), path };
  const cache = be.recurrentLayerForward(
    x,
    w,
    config,
    { h: h0 ? { tensor: h0, offset: off } : null },
    { h: { tensor: hN, offset: off } },
  );
  const dx = be.recurrentLayerBackward(
    cache,
    dOut,
    { h: dhN ? { tensor: dhN, offset: off } : null },
    grads,
    { h: { tensor: dh0, offset: off } },
    true,
    dhRecord,
  )!;
  const gradList = [grads.wih, grads.whh, ...(c.bias ? [grads.bih!, grads.bhh!] : [])];
  const out = await be.readMany([cache.output, hN, dx, dh0, ...(dhRecord ? [dhRecord] : []), ...gradList]);
  cache.release();
  for (const u of [x, h0, dhN, hN, dh0, dOut, dx, dhRecord, w.wih, w.whh, w.bih, w.bhh, ...gradList]) u?.release();
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
  { T: 1, B: 1, I: 1, H: 1, D: 1, act: 'tanh', h0: false, dhN: false, bias: true },
  { T: 1, B: 3, I: 7, H: 5, D: 2, act: 'relu', h0: true, dhN: true, bias: true, record: true },
  { T: 13, B: 3, I: 7, H: 5, D: 1, act: 'tanh', h0: true, dhN: false, bias: true, record: true },
  { T: 13, B: 2, I: 4, H: 33, D: 2, act: 'tanh', h0: false, dhN: true, bias: false },
  { T: 9, B: 5, I: 3, H: 17, D: 2, act: 'relu', h0: true, dhN: true, bias: true },
  { T: 40, B: 2, I: 3, H: 6, D: 2, act: 'tanh', h0: true, dhN: true, bias: true },
  { T: 6, B: 37, I: 11, H: 29, D: 2, act: 'tanh', h0: true, dhN: false, bias: true, record: true }, // more than one workgroup of blocks
  { T: 5, B: 2, I: 3, H: 150, D: 2, act: 'tanh', h0: true, dhN: true, bias: true }, // H > the split kernels' workgroup (64), not a multiple
];

describe.each(RECURRENT_VARIANTS)('rnn layer, GPU (%s kernels) vs CPU', (variant) => {
  it.each(CASES)('%j', async (c) => {
    const ref = await run(cpu, c, 'auto');
    gpu().recurrentVariant = variant;
    for (const path of ['step', 'persistent'] as const) {
      const got = await run(gpu(), c, path);
      got.forEach((g, i) =>
        expectClose(g, ref[i], { ...(i < 2 ? VALUE_TOL : GRAD_TOL), label: `${variant} ${path} ${names(c)[i]}` }),
      );
    }
  });

  // The split variants move W_hh's transpose from the forward to the backward pass: the same total.
  it('counts: projection, one W_hh transpose, T steps forward; T + 1 steps + 1 + D + 2 + 1 backward (step path)', async () => {
    const g = gpu();
    g.recurrentVariant = variant;
    const c: Case = { T: 7, B: 2, I: 3, H: 4, D: 2, act: 'tanh', h0: true, dhN: true, bias: true };
    await run(g, c, 'step'); // compile
    await run(g, c, 'persistent');
    g.resetCounters();
    await run(g, c, 'step');
    const step = g.counters().dispatches;
    g.resetCounters();
    await run(g, c, 'persistent');
    const persistent = g.counters().dispatches;
    expect(step).toBe(2 + c.T + (c.T + 1) + 1 + c.D + 2 + 1);
    expect(persistent).toBe(3 + (1 + 1 + c.D + 2 + 1));
    const kernels = {
      blocked: ['step', 'sequence'],
      split: ['split_step', 'rows_sequence'],
      'split-subgroup': ['split_subgroup_step', 'rows_sequence'],
    }[variant];
    for (const k of kernels)
      for (const pass of ['', '_backward']) expect(g.registry.compiledKernels()).toContain(`rnn_${k}${pass}`);
  });
});
