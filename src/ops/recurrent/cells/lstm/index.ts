// The LSTM cell, PyTorch's gate order (rows 0..H, H..2H, 2H..3H, 3H..4H of weight_ih [4H, I], weight_hh [4H, H]):
//   [a_i, a_f, a_g, a_o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
//   i, f, o = σ(·), g = tanh(·);  c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
// A cell state c (in seq after h; in init / final c_stride after h) and the carried dc·f in delta.
// With lengths: h and c carried through the steps past a row's length; in BPTT the carried dc passes them.
import { activate } from '../../../activation/cpu.js';
import type { Cell } from '../../cell.js';
import { GATED_BODIES } from '../../gated.js';
import lstmForward from './lstm_forward.wgsl?raw';
import lstmBackward from './lstm_backward.wgsl?raw';

const SIGMOID = { name: 'sigmoid', param: 0 } as const;
const sigmoid = (x: number) => activate(x, SIGMOID);

export const lstm: Cell = {
  name: 'lstm',
  G: 4,
  layout: { cellState: true, extraRows: 0, inputDelta: false, carry: true },
  wgsl: { forward: lstmForward, backward: lstmBackward },
  bodies: GATED_BODIES,
  params: {
    forward: { c_stride: 'u32', c_off: 'u32' },
    backward: { c_stride: 'u32', c_off: 'u32', carry_off: 'u32' },
  },
  forwardParams: (o) => ({ c_stride: o.cStride, c_off: o.cOff }),
  backwardParams: (o) => ({ c_stride: o.cStride, c_off: o.cOff, carry_off: o.carryOff }),
  constants: () => ({}),
  cpu: {
    savedPerUnit: 4, // activated i, f, g, o
    hiddenApart: false,
    forward(_config, H, ai, _ah, prev, next, saved) {
      for (let j = 0; j < H; j++) {
        const a = (r: number) => ai[r * H + j];
        const [ig, fg, gg, og] = [sigmoid(a(0)), sigmoid(a(1)), Math.tanh(a(2)), sigmoid(a(3))];
        const c = fg * prev[H + j] + ig * gg;
        saved[j] = ig;
        saved[H + j] = fg;
        saved[2 * H + j] = gg;
        saved[3 * H + j] = og;
        next[H + j] = c;
        next[j] = og * Math.tanh(c);
      }
    },
    // dc = dc_next·f_next + dh ⊙ o ⊙ (1 − tanh² c);
    // δ = [dc·g·i(1−i), dc·c_{t-1}·f(1−f), dc·i·(1−g²), dh·tanh(c)·o(1−o)].
    backward(_config, H, dNext, saved, prev, next, dIn, dHh, dPrev) {
      for (let j = 0; j < H; j++) {
        const [ig, fg, gg, og] = [saved[j], saved[H + j], saved[2 * H + j], saved[3 * H + j]];
        const dh = dNext[j];
        const tc = Math.tanh(next[H + j]);
        const dc = dNext[H + j] + dh * og * (1 - tc * tc);
        dIn[j] = dHh[j] = dc * gg * ig * (1 - ig);
        dIn[H + j] = dHh[H + j] = dc * prev[H + j] * fg * (1 - fg);
        dIn[2 * H + j] = dHh[2 * H + j] = dc * ig * (1 - gg * gg);
        dIn[3 * H + j] = dHh[3 * H + j] = dh * tc * og * (1 - og);
        dPrev[j] = 0;
        dPrev[H + j] = dc * fg;
      }
    },
  },
};
