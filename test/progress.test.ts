// The progress line: plain lines (one per epoch, no control characters) when not a terminal, in-place
// redraws (\r) in one; numbers from a fake clock so the text is exact.
import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../src/index.js';

function drive(isTTY: boolean, printAfterStep = -1): string {
  let clock = 0;
  let out = '';
  const p = new ProgressLine({ epochs: 2, stream: { isTTY, write: (s: string) => (out += s) }, now: () => clock, redrawMs: 0 });
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
    expect(lines[0].split('\r').slice(1, 3)).toEqual(['epoch 1/2  1/3  loss 1.000  12.5 ms/step  ETA 0.1 s', 'epoch 1/2  2/3  loss 0.5000  12.5 ms/step  ETA 0.1 s']);
    expect(lines[0].split('\r').at(-1)!.trimEnd()).toBe('epoch 1/2  3/3  loss 0.5000  val 0.7500  lr 0.0100  14.2 ms/step  ETA 0.0 s');
  });

  it('print() puts a line of its own above the progress line: cleared first in a TTY, plain otherwise', () => {
    expect(drive(false, 2).split('\n')[0]).toBe('a log line');
    const [first, second] = ['epoch 1/2  1/3  loss 1.000  12.5 ms/step  ETA 0.1 s', 'epoch 1/2  2/3  loss 0.5000  12.5 ms/step  ETA 0.1 s'];
    expect(drive(true, 2).split('\n')[0]).toBe(`\r${first}\r${second}\r${' '.repeat(second.length)}\ra log line`);
  });
});
