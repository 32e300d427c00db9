// The Elman RNN cell: a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh, h_t = f(a_t) with the layer's activation
// (one gate per unit). Its passes run on its own bodies (rnn_{blocked,split,rows}.wgsl, shared by both
// passes: has_source, source and rec_out say which pass they serve); it keeps a_t in `gates`.
import { ACTIVATION_IDS } from '../../../activation/spec.js';
import { activate, activationDerivative } from '../../../activation/cpu.js';
import type { Cell, CellBodies } from '../../cell.js';
import rnnForward from './rnn_forward.wgsl?raw';
import rnnBackward from './rnn_backward.wgsl?raw';
import rnnBlocked from './rnn_blocked.wgsl?raw';
import rnnSplit from './rnn_split.wgsl?raw';
import rnnRows from './rnn_rows.wgsl?raw';

const bodies = { blocked: rnnBlocked, split: rnnSplit, rows: rnnRows };

const RNN_BODIES: CellBodies = {
  forward: bodies,
  backward: bodies,
  maxBatchBlock: 4, // 4 vec4 accumulators
  stagedPerUnit: () => 1,
  rowsConstant: false,
};

export const rnn: Cell = {
  name: 'rnn',
  G: 1,
  layout: { cellState: false, extraRows: 0, inputDelta: false, carry: false },
  wgsl: { forward: rnnForward, backward: rnnBackward },
  bodies: RNN_BODIES,
  params: { forward: { act_param: 'f32' }, backward: { act_param: 'f32' } },
  forwardParams: (_, config) => ({ act_param: config.activation.param }),
  backwardParams: (_, config) => ({ act_param: config.activation.param }),
  constants: (config) => ({ ACT: ACTIVATION_IDS[config.activation.name] }),
  cpu: {
    savedPerUnit: 1, // a_t
    hiddenApart: false,
    forward(config, H, ai, _ah, _prev, next, saved) {
      for (let j = 0; j < H; j++) {
        const a = ai[j];
        saved[j] = a;
        next[j] = activate(a, config.activation);
      }
    },
    // δ = f'(a_t) ⊙ dh; nothing reaches h_{t-1} but through W_hh.
    backward(config, H, dNext, saved, _prev, next, dIn, dHh, dPrev) {
      for (let j = 0; j < H; j++) {
        dIn[j] = dHh[j] = dNext[j] * activationDerivative(saved[j], next[j], config.activation);
        dPrev[j] = 0;
      }
    },
  },
};
