// Release-once bookkeeping for the objects that own GPU memory (models, layers, optimizers, trainers):
// after release() every use throws ReleasedError instead of touching freed buffers.
import { ReleasedError } from './errors.js';

export class Lifetime {
  private ended = false;

  constructor(private readonly what: string) {}

  get isReleased(): boolean {
    return this.ended;
  }

  /** Throws ReleasedError once end() was called. */
  check(): void {
    if (this.ended) throw new ReleasedError(this.what);
  }

  /** Marks the end; true the first time (the caller frees its resources then), false after. */
  end(): boolean {
    const first = !this.ended;
    this.ended = true;
    return first;
  }
}
