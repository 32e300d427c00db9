// The explorer's training loop and presets, shared by the page (demo/explorer.ts, training in a worker) and
// the preset check (scripts/run-presets.ts): train a recurrent model on the adding problem and yield, per
// iteration, the loss, the gradient norm, the guard's verdict, ‖dL/dh_t‖ for every t and now and then ρ(W_hh).
import {
  Rng,
  addingProblem,
  spectralRadius,
  type ActivationName,
  type TrainerSpec,
  type TrainerWorker,
} from '../src/index.js';

export interface Settings {
  cell: 'rnn' | 'lstm';
  activation: ActivationName; // the RNN's; the LSTM's gates are fixed (sigmoid, tanh)
  hidden: number;
  steps: number; // T, the sequence length
  wScale: number; // W_hh is multiplied by this after PyTorch's initialisation
  optimizer: 'sgd' | 'adam';
  lr: number;
  clip: number | null; // the global-norm threshold, or no clipping
  iterations: number;
}

export type PresetSettings = Omit<Settings, 'iterations'>;

/** Predicting the mean of the target (the sum of two U(0, 1) values) scores its variance, 2/12. */
export const CHANCE_LOSS = 1 / 6;
export const BATCH = 32;
/** Enough for every preset's lesson to show (about a minute on a laptop GPU). */
export const DEFAULT_ITERATIONS = 1500;
/**
 * A run ends early after this many consecutive skipped steps: the guard leaves the weights as they are,
 * so once they produce non-finite values for every batch no later step can change anything.
 */
export const GIVE_UP_AFTER_SKIPPED = 20;

export const PRESETS: Record<string, { label: string; settings: PresetSettings; lookFor: string }> = {
  exploding: {
    label: 'Exploding (ReLU, large W, no clipping)',
    settings: {
      cell: 'rnn',
      activation: 'relu',
      hidden: 32,
      steps: 20,
      wScale: 3,
      optimizer: 'sgd',
      lr: 0.1,
      clip: null,
    },
    lookFor: `ρ(W) > 1 and ReLU: ‖g‖ grows by orders of magnitude within a few iterations, one huge update makes every later step non-finite, and the explosion guard skips them (red marks) until the run gives up after ${GIVE_UP_AFTER_SKIPPED} in a row.`,
  },
  clipped: {
    label: 'The same with clipping',
    settings: { cell: 'rnn', activation: 'relu', hidden: 32, steps: 20, wScale: 3, optimizer: 'sgd', lr: 0.1, clip: 1 },
    lookFor:
      'the same model, data and learning rate: ‖g‖ before clipping still spikes, after clipping it stays at the threshold, and the loss falls well below chance.',
  },
  vanishing: {
    label: 'Vanishing (tanh, small W)',
    settings: {
      cell: 'rnn',
      activation: 'tanh',
      hidden: 32,
      steps: 20,
      wScale: 0.5,
      optimizer: 'adam',
      lr: 0.01,
      clip: 1,
    },
    lookFor:
      'the heat map cools to the left: ‖dL/dh_t‖ at t = 0 is orders of magnitude below its value at the last step, so the first marked value barely moves the weights and the loss stays at chance — even when training grows ρ(W) above 1, tanh saturates and f′ stays small.',
  },
  lstm: {
    label: 'LSTM',
    settings: {
      cell: 'lstm',
      activation: 'tanh',
      hidden: 32,
      steps: 20,
      wScale: 1,
      optimizer: 'adam',
      lr: 0.01,
      clip: 1,
    },
    lookFor:
      'the same task and optimizer as the vanishing preset: the cell state carries the gradient back to t = 0 and the loss falls well below chance.',
  },
};

/** What one training iteration did. */
export interface IterationRecord {
  iteration: number; // 1-based
  loss: number; // NaN or ±∞ when the step blew up
  gradNorm: number; // before clipping
  clipped: boolean;
  skipped: boolean; // the explosion guard left the weights unchanged
  consecutiveSkipped: number; // this step and the skipped ones right before it
  flow: number[]; // ‖dL/dh_t‖, t = 0 … T-1
  rho?: number; // ρ(W_hh) after the step (first gate for the LSTM), now and then (see trainSession)
}

/** The model, optimizer and trainer options of a run, as the worker builds them. */
export function sessionSpec(s: Settings): TrainerSpec {
  const H = s.hidden;
  const recurrent =
    s.cell === 'lstm'
      ? ({ type: 'LSTM', inputSize: 2, hiddenSize: H, forgetBias: 1, recordGradFlow: true } as const)
      : ({ type: 'RNN', inputSize: 2, hiddenSize: H, nonlinearity: s.activation, recordGradFlow: true } as const);
  return {
    model: { layers: [recurrent, { type: 'LastStep' }, { type: 'Linear', inFeatures: H, outFeatures: 1 }], seed: 1 },
    optimizer: { type: s.optimizer === 'adam' ? 'Adam' : 'SGD', lr: s.lr },
    loss: 'mse',
    clip: s.clip === null ? undefined : { maxNorm: s.clip },
  };
}

/** What a session uses of a trainer in a worker. */
export type SessionTrainer = Pick<TrainerWorker, 'reset' | 'step' | 'stateDict' | 'loadStateDict'>;

/**
 * Trains on the adding problem with fixed seeds (the same settings give the same run) and yields every
 * iteration, up to s.iterations or GIVE_UP_AFTER_SKIPPED skipped steps in a row. The trainer's model is
 * rebuilt for the run; each step sends one batch and waits for its result.
 */
export async function* trainSession(
  trainer: SessionTrainer,
  s: Settings,
  radiusEvery = 10,
): AsyncGenerator<IterationRecord> {
  const H = s.hidden;
  await trainer.reset(sessionSpec(s));
  if (s.wScale !== 1) {
    const sd = await trainer.stateDict();
    const w = sd['0.weight_hh_l0'];
    await trainer.loadStateDict({ ...sd, '0.weight_hh_l0': { shape: w.shape, data: w.data.map((v) => v * s.wScale) } });
  }
  const radius = async () =>
    spectralRadius((await trainer.stateDict())['0.weight_hh_l0'].data.subarray(0, H * H), H, 100);
  const rng = new Rng(3);
  let consecutiveSkipped = 0;
  for (let it = 1; it <= s.iterations && consecutiveSkipped < GIVE_UP_AFTER_SKIPPED; it++) {
    const batch = addingProblem(rng, s.steps, BATCH);
    const r = await trainer.step({ data: batch.x, shape: [s.steps, BATCH, 2] }, { data: batch.y, shape: [BATCH, 1] });
    consecutiveSkipped = r.skipped ? consecutiveSkipped + 1 : 0;
    const record: IterationRecord = {
      iteration: it,
      loss: r.loss,
      gradNorm: r.gradNorm,
      clipped: r.clipped,
      skipped: r.skipped,
      consecutiveSkipped,
      flow: r.gradFlow[0],
    };
    // Every step at first (where an explosion happens), then every `radiusEvery`, and the last one.
    if (
      it <= radiusEvery ||
      it % radiusEvery === 0 ||
      it === s.iterations ||
      consecutiveSkipped === GIVE_UP_AFTER_SKIPPED
    )
      record.rho = await radius();
    yield record;
  }
}
