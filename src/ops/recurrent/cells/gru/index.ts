// The GRU cell, PyTorch's gates r, z, n (rows 0..H, H..2H, 2H..3H of weight_ih [3H, I], weight_hh [3H, H]):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h
// b_hn sits inside r ⊙ (…), so the input-side and hidden-side gradients differ in the n rows:
// δ_in = [da_r, da_z, da_n] (dW_ih, db_ih, dx) and δ_hh = [da_r, da_z, r ⊙ da_n] (dW_hh, db_hh, dh_{t-1}).
// Keeps W_hn h_{t-1} + b_hn after its gates (one extra block, hn_off) and carries z ⊙ dh in delta.
import { activate } from '../../../activation/cpu.js';
import type { Cell } from '../../cell.js';
import { GATED_BODIES } from '../../gated.js';
import gruForward from './gru_forward.wgsl?raw';
import gruBackward from './gru_backward.wgsl?raw';

const SIGMOID = { name: 'sigmoid', param: 0 } as const;
const sigmoid = (x: number) => activate(x, SIGMOID);

export const gru: Cell = {
  name: 'gru',
  G: 3,
  layout: { cellState: false, extraRows: 1, inputDelta: true, carry: true },
  wgsl: { forward: gruForward, backward: gruBackward },
  bodies: GATED_BODIES,
  params: {
    forward: { hn_off: 'u32' },
    backward: { hn_off: 'u32', in_off: 'u32', carry_off: 'u32' },
  },
  forwardParams: (o) => ({ hn_off: o.extraOff }),
  backwardParams: (o) => ({ hn_off: o.extraOff, in_off: o.inOff, carry_off: o.carryOff }),
  constants: () => ({}),
  cpu: {
    savedPerUnit: 4, // r, z, n, W_hn h_{t-1} + b_hn
    hiddenApart: true, // b_hn inside r ⊙ (…)
    forward(_config, H, ai, ah, prev, next, saved) {
      for (let j = 0; j < H; j++) {
        const rg = sigmoid(ai[j] + ah[j]);
        const zg = sigmoid(ai[H + j] + ah[H + j]);
        const ng = Math.tanh(ai[2 * H + j] + rg * ah[2 * H + j]);
        saved[j] = rg;
        saved[H + j] = zg;
        saved[2 * H + j] = ng;
        saved[3 * H + j] = ah[2 * H + j];
        next[j] = (1 - zg) * ng + zg * prev[j];
      }
    },
    // da_n = dh (1 − z)(1 − n²), da_z = dh (h_{t-1} − n) z(1 − z), da_r = da_n (W_hn h_{t-1} + b_hn) r(1 − r).
    backward(_config, H, dNext, saved, prev, _next, dIn, dHh, dPrev) {
      for (let j = 0; j < H; j++) {
        const [rg, zg, ng, hn] = [saved[j], saved[H + j], saved[2 * H + j], saved[3 * H + j]];
        const dh = dNext[j];
        const dan = dh * (1 - zg) * (1 - ng * ng);
        const daz = dh * (prev[j] - ng) * zg * (1 - zg);
        const dar = dan * hn * rg * (1 - rg);
        dIn[j] = dHh[j] = dar;
        dIn[H + j] = dHh[H + j] = daz;
        dIn[2 * H + j] = dan;
        dHh[2 * H + j] = dan * rg;
        dPrev[j] = dh * zg;
      }
    },
  },
};
