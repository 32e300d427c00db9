// A tensor is a shape plus storage owned by one backend: a GPU buffer (f32) or a Float64Array (CPU reference).
import type { Shape } from './shapes.js';
import { numel } from './shapes.js';
import { ShapeError, WebGpuRnnError, describeShape } from './errors.js';

/** What a backend keeps for one tensor. Views share their base's storage. */
export interface TensorStorage {
  /** Frees the storage (returns a GPU buffer to the pool). */
  release(): void;
}

export class Tensor<S extends TensorStorage = TensorStorage> {
  readonly size: number;
  private released = false;

  constructor(
    /** The backend that made this tensor; ops accept only their own backend's tensors. */
    readonly owner: object,
    readonly shape: Shape,
    readonly storage: S,
    /** A view shares storage with another tensor and does not free it. */
    readonly isView = false,
  ) {
    this.size = numel(shape);
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** The same storage seen with another shape of the same size. */
  view(shape: Shape): Tensor<S> {
    if (numel(shape) !== this.size) {
      throw new ShapeError('shape', `${this.size} elements (from ${describeShape(this.shape)})`, describeShape(shape));
    }
    return new Tensor(this.owner, shape, this.storage, true);
  }

  /** Frees this tensor's storage; using it afterwards throws. Releasing a view does nothing. */
  release(): void {
    if (this.released || this.isView) return;
    this.released = true;
    this.storage.release();
  }

  assertLive(argument: string): void {
    if (this.released) throw new WebGpuRnnError(`${argument}: tensor ${describeShape(this.shape)} was already released`);
  }
}
