// Optimizer state dicts against torch.optim's (fixtures/gen_optim_state.py → optim_state.json): after K
// steps from fixed gradients our `state.<param>.<key>` entries hold what torch's state_dict() holds under
// the same names, and torch's state loaded into a fresh optimizer takes the same next step as torch.
// CPU reference (f64) and GPU (f32).
import { describe, expect, it } from 'vitest';
import { Adam, AdamW, ParamSet, RMSprop, SGD, type Backend, type Optimizer } from '../src/index.js';
import { readFixture, type FixtureTensor } from './fixtures.js';
import { expectClose, useGpu } from './helpers.js';

interface Case {
  name: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';
  options: Record<string, unknown>;
  state: Record<string, FixtureTensor>;
  paramsK: Record<string, FixtureTensor>;
  after: Record<string, FixtureTensor>;
}
interface Fixture {
  torch: string;
  K: number;
  params: Record<string, FixtureTensor>;
  grads: Array<Record<string, FixtureTensor>>;
  cases: Case[];
}

const fixture = readFixture<Fixture>('optim_state.json');
const { gpu, cpu } = useGpu();

const make: Record<Case['name'], (p: ParamSet, o: Record<string, unknown>) => Optimizer> = {
  SGD: (p, o) => new SGD(p, o as unknown as ConstructorParameters<typeof SGD>[1]),
  Adam: (p, o) => new Adam(p, o),
  AdamW: (p, o) => new AdamW(p, o),
  RMSprop: (p, o) => new RMSprop(p, o),
};

const paramSet = (be: Backend, values: Record<string, FixtureTensor>) =>
  new ParamSet(
    be,
    Object.entries(values).map(([name, t]) => ({ name, shape: t.shape, init: () => Float64Array.from(t.data) })),
  );

function setGrads(be: Backend, params: ParamSet, grads: Record<string, FixtureTensor>): void {
  for (const [name, g] of Object.entries(grads)) be.write(params.grad(name), g.data);
}

describe(`optimizer state dicts vs torch.optim ${fixture.torch}`, () => {
  it('covers SGD, Adam, AdamW and RMSprop', () => {
    expect(fixture.cases.map((c) => c.name)).toEqual(['SGD', 'Adam', 'AdamW', 'RMSprop']);
  });

  describe.each([
    ['cpu', () => cpu as Backend, { atol: 1e-12, rtol: 1e-12 }],
    // f32 state after a few steps of O(1) gradients.
    ['gpu', () => gpu() as Backend, { atol: 1e-6, rtol: 1e-5 }],
  ] as const)('%s', (_, backend, tol) => {
    it.each(fixture.cases.map((c) => [c.name, c] as const))(
      '%s: the same state under the same names, and the same next step from torch’s state',
      async (_name, c) => {
        const be = backend();
        const params = paramSet(be, fixture.params);
        const opt = make[c.name](params, c.options);
        for (const g of fixture.grads.slice(0, fixture.K)) {
          setGrads(be, params, g);
          opt.step();
        }
        const sd = await opt.stateDict();
        expect(
          Object.keys(sd)
            .filter((k) => k.startsWith('state.'))
            .sort(),
        ).toEqual(
          Object.keys(c.state)
            .filter((k) => k.startsWith('state.'))
            .sort(),
        );
        for (const [key, t] of Object.entries(c.state)) {
          expect(sd[key].shape, key).toEqual(t.shape);
          expectClose(sd[key].data, t.data, { ...tol, label: `${c.name} ${key}` });
        }

        // Torch's state (with this optimizer's hyper-parameters) into a fresh optimizer at torch's parameters.
        const fresh = paramSet(be, c.paramsK);
        const resumed = make[c.name](fresh, c.options);
        const hyper = Object.fromEntries(
          Object.entries(await resumed.stateDict()).filter(([k]) => k.startsWith('param_groups.') && !(k in c.state)),
        );
        resumed.loadStateDict({ ...c.state, ...hyper });
        setGrads(be, fresh, fixture.grads[fixture.K]);
        resumed.step();
        for (const [name, t] of Object.entries(c.after))
          expectClose(await be.read(fresh.value(name)), t.data, {
            ...tol,
            label: `${c.name} ${name} after step ${fixture.K + 1}`,
          });
        for (const o of [opt, resumed]) o.release();
        for (const p of [params, fresh]) p.release();
      },
    );
  });
});
