// A progress line for fit(): epoch, step/total, loss, ms per step and the time left. In a terminal it
// redraws one line in place (\r) and leaves one finished line per epoch; elsewhere (a log file, CI)
// it writes only the finished lines, one per epoch, with no control characters.
import { checkOptions, expectObject, optionNames } from '../core/checks.js';
import { ValueError, describeValue } from '../core/errors.js';
import type { EpochEvent, StepEvent } from './fit.js';
import { expectPositiveInt } from '../core/shapes.js';

/** Where the line goes: process.stdout in Node, or anything with write() (isTTY decides redrawing). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  epochs: number;
  stream: ProgressStream;
  /** Least time between redraws in a terminal (default 100 ms). */
  redrawMs?: number;
  /** The clock (default performance.now), replaceable in tests. */
  now?: () => number;
  /** What the line calls an epoch (default 'epoch'; the benchmark CLIs count their runs as 'run'). */
  label?: string;
}

/** What the line shows of a step and of an epoch (fit's events carry more; a hand-written loop can pass just these; a step without a loss, such as a timed forward pass, shows none). */
export type ProgressStep = Pick<StepEvent, 'epoch' | 'step' | 'batch' | 'batches'> & { loss?: number };
export type ProgressEpoch = Pick<EpochEvent, 'epoch' | 'meanLoss' | 'valLoss' | 'valAccuracy' | 'lr'>;

export class ProgressLine {
  private readonly start: number;
  private lastDraw = -Infinity;
  private stepsDone = 0;
  private lastWidth = 0;
  private lastStep?: ProgressStep;

  constructor(private readonly options: ProgressOptions) {
    expectObject('ProgressLine options', options, '{ epochs, stream, … }');
    checkOptions(
      'ProgressLine options',
      options,
      optionNames<ProgressOptions>({ epochs: true, stream: true, redrawMs: true, now: true, label: true }),
    );
    expectPositiveInt('epochs', options.epochs);
    if (typeof options.stream?.write !== 'function')
      throw new ValueError('stream', 'something with write(text), e.g. process.stdout', describeValue(options.stream));
    if (options.redrawMs !== undefined && !(options.redrawMs >= 0))
      throw new ValueError('redrawMs', 'a number of ms ≥ 0', describeValue(options.redrawMs));
    if (options.now !== undefined && typeof options.now !== 'function')
      throw new ValueError('now', 'a clock function', describeValue(options.now));
    if (options.label !== undefined && (typeof options.label !== 'string' || options.label === ''))
      throw new ValueError('label', 'a non-empty string', describeValue(options.label));
    this.start = this.now();
  }

  /** Pass as fit's onStep (it redraws at most every redrawMs). */
  readonly onStep = (e: ProgressStep): void => {
    this.stepsDone = e.step + 1;
    this.lastStep = e;
    if (!this.options.stream.isTTY) return;
    const t = this.now();
    if (t - this.lastDraw < (this.options.redrawMs ?? 100) && e.batch + 1 < e.batches) return;
    this.lastDraw = t;
    this.draw(
      `${this.head(e.epoch, e.batch + 1, e.batches)}${e.loss === undefined ? '' : `  loss ${fmt(e.loss)}`}${this.timing(e)}`,
    );
  };

  /** Pass as fit's onEpoch (or call it from yours): finishes the epoch's line. */
  readonly onEpoch = (e: ProgressEpoch): void => {
    const batches = this.lastStep?.batches ?? 0;
    const val =
      e.valLoss === undefined
        ? ''
        : `  val ${fmt(e.valLoss)}${e.valAccuracy === undefined ? '' : ` (acc ${(e.valAccuracy * 100).toFixed(1)}%)`}`;
    const text = `${this.head(e.epoch, batches, batches)}  loss ${fmt(e.meanLoss)}${val}  lr ${e.lr.toPrecision(3)}${this.lastStep ? this.timing(this.lastStep) : ''}`;
    if (this.options.stream.isTTY) this.draw(text);
    else this.options.stream.write(text);
    this.options.stream.write('\n');
    this.lastWidth = 0;
  };

  /** A line of its own above the progress line (a terminal's progress line is redrawn at the next step). */
  print(text: string): void {
    if (this.options.stream.isTTY && this.lastWidth > 0) this.options.stream.write(`\r${' '.repeat(this.lastWidth)}\r`);
    this.options.stream.write(`${text}\n`);
    this.lastWidth = 0;
  }

  private head(epoch: number, batch: number, batches: number): string {
    const E = String(this.options.epochs);
    return `${this.options.label ?? 'epoch'} ${String(epoch + 1).padStart(E.length)}/${E}  ${String(batch).padStart(String(batches).length)}/${batches}`;
  }

  /** ms per step (wall time over all steps so far, validation included) and the time left at that pace. */
  private timing(e: ProgressStep): string {
    const msPerStep = (this.now() - this.start) / this.stepsDone;
    const left = (this.options.epochs - e.epoch - 1) * e.batches + (e.batches - e.batch - 1);
    return `  ${msPerStep.toFixed(1)} ms/step  ETA ${duration(left * msPerStep)}`;
  }

  private draw(text: string): void {
    this.options.stream.write(`\r${text.padEnd(this.lastWidth)}`);
    this.lastWidth = text.length;
  }

  private now(): number {
    return (this.options.now ?? (() => performance.now()))();
  }
}

function fmt(loss: number): string {
  return loss.toPrecision(4);
}

function duration(ms: number): string {
  // Round to the shown resolution before splitting into units, so a carry moves up ("1 min 0 s", never "60 s").
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
