// The losses beside MSE against PyTorch (fixtures/gen_losses.py → losses.json): L1, Huber, SmoothL1,
// BCE with logits (posWeight, soft targets, logits ±100) and cross-entropy (ignoreIndex, label smoothing,
// every row ignored), loss and gradient, 'mean' and 'sum', on the CPU reference (f64, 1e-12) and the GPU (f32).
import { describe, expect, it } from 'vitest';
import type { Backend, LossResult, Reduction, Tensor } from '../src/index.js';
import { readFixture, type FixtureTensor } from './fixtures.js';
import { expectClose, useGpu } from './helpers.js';

interface LossCase {
  name: string;
  loss: 'l1' | 'huber' | 'smoothL1' | 'bceWithLogits' | 'crossEntropy';
  options: { delta?: number; beta?: number; ignoreIndex?: number; labelSmoothing?: number };
  input: FixtureTensor;
  target: FixtureTensor;
  posWeight?: FixtureTensor;
  results: { reduction: Reduction; loss: number | null; grad: FixtureTensor }[];
}

const fixture = readFixture<{ torch: string; cases: LossCase[] }>('losses.json');
const { gpu, cpu } = useGpu();

const CPU_TOL = { atol: 1e-12, rtol: 1e-12 };
// f32: the loss is a sum of up to 24 terms of size up to ~100 (logits ±100); gradients are O(1) differences.
const GPU_LOSS_TOL = { atol: 1e-5, rtol: 2e-6 };
const GPU_GRAD_TOL = { atol: 1e-6, rtol: 1e-5 };

function lossOf(
  be: Backend,
  c: LossCase,
  x: Tensor,
  t: Tensor,
  reduction: Reduction,
  posWeight: Tensor | undefined,
): LossResult {
  switch (c.loss) {
    case 'l1':
      return be.l1(x, t, reduction);
    case 'huber':
      return be.huber(x, t, reduction, { delta: c.options.delta });
    case 'smoothL1':
      return be.smoothL1(x, t, reduction, { beta: c.options.beta });
    case 'bceWithLogits':
      return be.bceWithLogits(x, t, reduction, { posWeight });
    case 'crossEntropy':
      return be.crossEntropy(x, t, reduction, c.options);
  }
}

describe(`losses vs PyTorch ${fixture.torch}`, () => {
  it('covers every loss and option the issue names', () => {
    const names = fixture.cases.map((c) => c.name).join(' | ');
    for (const part of [
      'l1',
      'huber',
      'smoothL1 beta 0',
      'bce posWeight',
      'bce soft',
      'ce ignoreIndex -100',
      'ce labelSmoothing',
      'ce ignoreIndex and labelSmoothing',
      'every row ignored',
    ])
      expect(names).toContain(part);
  });

  describe.each([
    ['cpu', () => cpu as Backend, CPU_TOL, CPU_TOL],
    ['gpu', () => gpu() as Backend, GPU_LOSS_TOL, GPU_GRAD_TOL],
  ] as const)('%s', (_, backend, lossTol, gradTol) => {
    it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const be = backend();
      const x = be.tensor(c.input.data, c.input.shape);
      const t = be.tensor(c.target.data, c.target.shape);
      const pw = c.posWeight && be.tensor(c.posWeight.data, c.posWeight.shape);
      try {
        for (const r of c.results) {
          const { loss, grad } = lossOf(be, c, x, t, r.reduction, pw);
          const [l, g] = await be.readMany([loss, grad]).finally(() => [loss, grad].forEach((u) => u.release()));
          if (r.loss === null) expect(Number.isNaN(l[0]), `${r.reduction}: torch's loss is NaN`).toBe(true);
          else expectClose(l, [r.loss], { ...lossTol, label: `${c.name} ${r.reduction} loss` });
          expectClose(g, r.grad.data, { ...gradTol, label: `${c.name} ${r.reduction} grad` });
        }
      } finally {
        for (const u of [x, t, pw]) u?.release();
      }
    });
  });
});
