// The progress line: plain lines (one per epoch, no control characters) when not a terminal, in-place
// redraws (\r) in one; numbers from a fake clock so the text is exact.
import { describe, expect, it } from 'vitest';
import { ProgressLine, SGD, Trainer, createContext, mlp } from '../src/index.js';

function drive(isTTY: boolean, printAfterStep = -1): string {
  let clock = 0;
  let out = '';
  const p = new ProgressLine({
    epochs: 2,
    stream: { isTTY, write: (s: string) => (out += s) },
    now: () => clock,
    redrawMs: 0,
  });
  let step = 0;
  for (let epoch = 0; epoch < 2; epoch++) {
    for (let batch = 0; batch < 3; batch++) {
      clock += 12.5;
      p.onStep({ epoch, batch, batches: 3, step: step++, loss: 1 / step });
      if (step === printAfterStep) p.print('a log line');
    }
    clock += 5; // validation
    p.onEpoch({ epoch, meanLoss: 0.5 / (epoch + 1), valLoss: 0.75 / (epoch + 1), lr: 0.01 });
  }
  return out;
}

describe('ProgressLine', () => {
  it('not a TTY: one plain line per epoch with loss, validation, ms/step and ETA', () => {
    expect(drive(false)).toBe(
      'epoch 1/2  3/3  loss 0.5000  val 0.7500  lr 0.0100  14.2 ms/step  ETA 0.0 s\n' + //
        'epoch 2/2  3/3  loss 0.2500  val 0.3750  lr 0.0100  14.2 ms/step  ETA 0.0 s\n',
    );
  });

  it('a TTY: each step redraws the line in place, each epoch ends it', () => {
    const out = drive(true);
    const lines = out.split('\n');
    expect(lines).toHaveLength(3); // two finished epochs and an empty tail
    expect(lines[0].split('\r').slice(1, 3)).toEqual([
      'epoch 1/2  1/3  loss 1.000  12.5 ms/step  ETA 0.1 s',
      'epoch 1/2  2/3  loss 0.5000  12.5 ms/step  ETA 0.1 s',
    ]);
    expect(lines[0].split('\r').at(-1)!.trimEnd()).toBe(
      'epoch 1/2  3/3  loss 0.5000  val 0.7500  lr 0.0100  14.2 ms/step  ETA 0.0 s',
    );
  });

  it("label renames the epoch (the bench CLIs' runs); a step without a loss shows none", () => {
    let out = '';
    let clock = 0;
    const p = new ProgressLine({
      epochs: 3,
      stream: { isTTY: true, write: (s: string) => (out += s) },
      now: () => clock,
      redrawMs: 0,
      label: 'run',
    });
    clock += 20;
    p.onStep({ epoch: 1, step: 0, batch: 0, batches: 2 });
    expect(out).toBe('\rrun 2/3  1/2  20.0 ms/step  ETA 0.1 s');
    expect(() => new ProgressLine({ epochs: 1, stream: { write: () => 0 }, label: '' })).toThrow(
      'label: expected a non-empty string, got "" (a string)',
    );
  });

  it('print() puts a line of its own above the progress line: cleared first in a TTY, plain otherwise', () => {
    expect(drive(false, 2).split('\n')[0]).toBe('a log line');
    const [first, second] = [
      'epoch 1/2  1/3  loss 1.000  12.5 ms/step  ETA 0.1 s',
      'epoch 1/2  2/3  loss 0.5000  12.5 ms/step  ETA 0.1 s',
    ];
    expect(drive(true, 2).split('\n')[0]).toBe(`\r${first}\r${second}\r${' '.repeat(second.length)}\ra log line`);
  });

  it('the ETA rounds before splitting into units: never "60 s" or "60 min"', () => {
    // One epoch of two batches: after the first step the ETA is one step, i.e. the clock's reading.
    const eta = (ms: number): string => {
      let out = '';
      let clock = 0;
      const p = new ProgressLine({
        epochs: 1,
        stream: { isTTY: true, write: (s: string) => (out += s) },
        now: () => clock,
        redrawMs: 0,
      });
      clock = ms;
      p.onStep({ epoch: 0, batch: 0, batches: 2, step: 0, loss: 1 });
      return out.split('ETA ')[1];
    };
    expect(eta(59_940)).toBe('59.9 s');
    expect(eta(59_950)).toBe('1 min 0 s');
    expect(eta(59_500)).toBe('59.5 s');
    expect(eta(60_000)).toBe('1 min 0 s');
    expect(eta(119_400)).toBe('1 min 59 s');
    expect(eta(119_600)).toBe('2 min 0 s');
    expect(eta(3_599_400)).toBe('59 min 59 s');
    expect(eta(3_599_700)).toBe('1 h 0 min');
    expect(eta(7_199_700)).toBe('2 h 0 min');
    expect(eta(5_400_000)).toBe('1 h 30 min');
  });

  it("fit's epochs are 0-based indices (as Keras callbacks), printed 1-based; bestEpoch indexes epochLosses", async () => {
    const ctx = await createContext({ backend: 'cpu' });
    const model = mlp(ctx, [1, 1], { seed: 2 });
    const trainer = new Trainer(model, new SGD(model.params, { lr: 0.05 }), { loss: 'mse' });
    let out = '';
    const progress = new ProgressLine({ epochs: 4, stream: { write: (s: string) => (out += s) } });
    const seen: number[] = [];
    const history = await trainer.fit([1, 2, 3, 4], [2, 4, 6, 8], {
      epochs: 4,
      batchSize: 2,
      earlyStopping: { patience: 10 },
      onStep: progress.onStep,
      onEpoch: (e) => {
        seen.push(e.epoch);
        progress.onEpoch(e);
      },
    });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(
      out
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(0, 10)),
    ).toEqual(['epoch 1/4 ', 'epoch 2/4 ', 'epoch 3/4 ', 'epoch 4/4 ']);
    const best = history.epochLosses.indexOf(Math.min(...history.epochLosses));
    expect(history.bestEpoch).toBe(best);
    model.release();
  });
});
