// A test-only gated cell, registered from test code (registerCell), never part of the library: the
// proof that a new gated cell is one folder the time loop consumes. 2 gates, reset-after form:
//   f = σ(W_if x + b_if + W_hf h + b_hf),  n = tanh(W_in x + b_in + f ⊙ (W_hn h + b_hn)),  h′ = (1 − f) ⊙ h + f ⊙ n
// b_hn sits inside f ⊙ (…): δ_in = [da_f, da_n] and δ_hh = [da_f, f·da_n] differ, and (1 − f) ⊙ dh reaches
// h_{t-1} directly (the carry). It supplies its layout, Params fields, WGSL epilogues and CPU step only.
import type { Cell } from '../../../../src/ops/recurrent/cell.js';
import { GATED_BODIES } from '../../../../src/ops/recurrent/gated.js';
import forward from './minimal_gated_forward.wgsl?raw';
import backward from './minimal_gated_backward.wgsl?raw';

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export const minimalGated: Cell = {
  name: 'minimal_gated',
  G: 2,
  layout: { cellState: false, extraRows: 1, inputDelta: true, carry: true },
  wgsl: { forward, backward },
  bodies: GATED_BODIES,
  params: { forward: { hn_off: 'u32' }, backward: { hn_off: 'u32', in_off: 'u32', carry_off: 'u32' } },
  forwardParams: (o) => ({ hn_off: o.extraOff }),
  backwardParams: (o) => ({ hn_off: o.extraOff, in_off: o.inOff, carry_off: o.carryOff }),
  constants: () => ({}),
  cpu: {
    savedPerUnit: 3, // f, n, W_hn h_{t-1} + b_hn
    hiddenApart: true, // b_hn inside f ⊙ (…)
    forward(_config, H, ai, ah, prev, next, saved) {
      for (let j = 0; j < H; j++) {
        const f = sigmoid(ai[j] + ah[j]);
        const n = Math.tanh(ai[H + j] + f * ah[H + j]);
        saved[j] = f;
        saved[H + j] = n;
        saved[2 * H + j] = ah[H + j];
        next[j] = (1 - f) * prev[j] + f * n;
      }
    },
    backward(_config, H, dNext, saved, prev, _next, dIn, dHh, dPrev) {
      for (let j = 0; j < H; j++) {
        const [f, n, hn] = [saved[j], saved[H + j], saved[2 * H + j]];
        const dh = dNext[j];
        const dan = dh * f * (1 - n * n);
        const daf = (dh * (n - prev[j]) + dan * hn) * f * (1 - f);
        dIn[j] = dHh[j] = daf;
        dIn[H + j] = dan;
        dHh[H + j] = f * dan;
        dPrev[j] = dh * (1 - f);
      }
    },
  },
};
