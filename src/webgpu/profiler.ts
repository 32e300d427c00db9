// Profiling mode: GPU time per kernel from timestamp queries (the adapter's `timestamp-query` feature).
// Timestamps are written at compute-pass boundaries, so in this mode the backend gives every dispatch a
// pass of its own: per-pass overhead makes the whole slower, so this is for finding which kernel costs
// what, not the timed path. Reading the timestamps back is the profiler's own work, outside the
// backend's readback counter.

/** GPU time of one kernel over the profiled work. */
export interface KernelTime {
  kernel: string;
  dispatches: number;
  ms: number;
}

const QUERY_CAPACITY = 4096; // two timestamps per dispatch: 2048 dispatches per submit

export class GpuProfiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  /** Kernel of each dispatch recorded into the current encoder, in query order (2 queries each). */
  private kernels: string[] = [];
  private readonly reads: Array<Promise<void>> = [];
  private readonly totals = new Map<string, { dispatches: number; ns: number }>();

  constructor(private readonly device: GPUDevice) {
    this.querySet = device.createQuerySet({ label: 'profiler timestamps', type: 'timestamp', count: QUERY_CAPACITY });
    this.resolveBuffer = device.createBuffer({
      label: 'profiler resolve',
      size: QUERY_CAPACITY * 8,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
  }

  /** True when the current encoder has no room for another dispatch's timestamps (the backend submits first). */
  full(): boolean {
    return 2 * (this.kernels.length + 1) > QUERY_CAPACITY;
  }

  /** The pass of one dispatch of `kernel`: timestamps at its start and end. */
  pass(kernel: string): GPUComputePassDescriptor {
    const i = 2 * this.kernels.length;
    this.kernels.push(kernel);
    return {
      label: `profiled ${kernel}`,
      timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: i, endOfPassWriteIndex: i + 1 },
    };
  }

  /**
   * Records, at the end of an encoder, the copy of its timestamps into a buffer of their own, and returns
   * what to run once that encoder is submitted: reading them back and adding them up per kernel.
   */
  resolve(encoder: GPUCommandEncoder): () => void {
    const kernels = this.kernels;
    this.kernels = [];
    if (kernels.length === 0) return () => {};
    const bytes = kernels.length * 16;
    const readable = this.device.createBuffer({
      label: 'profiler readback',
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    encoder.resolveQuerySet(this.querySet, 0, 2 * kernels.length, this.resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, readable, 0, bytes);
    return () => {
      this.reads.push(
        readable.mapAsync(GPUMapMode.READ).then(() => {
          const stamps = new BigUint64Array(readable.getMappedRange());
          kernels.forEach((kernel, i) => {
            // The spec lets a pair come out of order (timestamps are not guaranteed monotonic): count it as 0.
            const ns = stamps[2 * i + 1] > stamps[2 * i] ? Number(stamps[2 * i + 1] - stamps[2 * i]) : 0;
            const t = this.totals.get(kernel) ?? { dispatches: 0, ns: 0 };
            this.totals.set(kernel, { dispatches: t.dispatches + 1, ns: t.ns + ns });
          });
          readable.unmap();
          readable.destroy();
        }),
      );
    };
  }

  /** Per-kernel totals of everything submitted so far, most expensive first. */
  async results(): Promise<KernelTime[]> {
    await Promise.all(this.reads);
    return [...this.totals]
      .map(([kernel, t]) => ({ kernel, dispatches: t.dispatches, ms: t.ns / 1e6 }))
      .sort((a, b) => b.ms - a.ms);
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
  }
}
