// A tensor is a shape plus storage owned by one backend: a GPU buffer (f32) or a Float64Array (CPU reference).
import type { Shape } from './shapes.js';
import { checkShape, numel } from './shapes.js';
import { ReleasedError, ShapeError, describeShape } from './errors.js';

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
    /** For a view: the tensor that owns the storage (a view never frees it, and dies with it). */
    readonly base?: Tensor,
  ) {
    this.size = numel(shape);
  }

  get isView(): boolean {
    return this.base !== undefined;
  }

  /** True once this tensor's storage was freed (for a view: its base's). */
  get isReleased(): boolean {
    return this.base ? this.base.isReleased : this.released;
  }

  /** The same storage seen with another shape of the same size. */
  view(shape: Shape): Tensor<S> {
    checkShape('shape', shape);
    if (numel(shape) !== this.size) {
      throw new ShapeError('shape', `${this.size} elements (from ${describeShape(this.shape)})`, describeShape(shape));
    }
    return new Tensor(this.owner, shape, this.storage, this.base ?? this);
  }

  /** Frees this tensor's storage; using it or any view of it afterwards throws. Releasing a view does nothing. */
  release(): void {
    if (this.released || this.base) return;
    this.released = true;
    this.storage.release();
  }

  /** Throws ReleasedError naming `argument` when the storage was freed: no kernel ever reads a freed buffer. */
  assertLive(argument: string): void {
    if (this.isReleased)
      throw new ReleasedError(`${argument}: tensor ${describeShape(this.shape)}${this.base ? ' (a view)' : ''}`);
  }
}
