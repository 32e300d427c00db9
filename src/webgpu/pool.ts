// GPU buffer pool: storage buffers are reused by size class, so a training step allocates nothing
// once warm. Sizes round up to a power of two's quarter steps (at most 25% slack).

export function sizeClass(bytes: number): number {
  const min = 256;
  if (bytes <= min) return min;
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = Math.max(p / 4, min);
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private nextId = 1;
  private readonly meta = new WeakMap<GPUBuffer, { id: number; sizeClass: number }>();
  /** Buffers handed out and not yet returned. */
  inUse = 0;
  /** Buffers created over the pool's life (pool growth, not reuse). */
  created = 0;
  bytesAllocated = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
  ) {}

  /**
   * Buffers released since the last submit: work recorded and not yet submitted may still use them, so an
   * upload (queue.writeBuffer, which runs before that work) must not land in one.
   */
  private readonly releasedSinceSubmit = new Set<GPUBuffer>();

  /**
   * A free buffer of at least `bytes`; with `forUpload`, one that no unsubmitted work can touch (a new one
   * when every free buffer of the class was released since the last submit).
   */
  acquire(bytes: number, label: string, forUpload = false): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let buffer: GPUBuffer | undefined;
    if (list && forUpload) {
      // The lowest free id that unsubmitted work cannot use (the list is in descending id order).
      for (let i = list.length - 1; i >= 0 && !buffer; i--)
        if (!this.releasedSinceSubmit.has(list[i])) buffer = list.splice(i, 1)[0];
    } else buffer = list?.pop();
    if (!buffer) {
      // The class may round past the device limit; the buffer itself never does.
      buffer = this.device.createBuffer({
        size: Math.min(size, Math.max(bytes, this.maxBufferSize)),
        usage: storageUsage(),
        label,
      });
      this.meta.set(buffer, { id: this.nextId++, sizeClass: size });
      this.created++;
      this.bytesAllocated += buffer.size;
    }
    this.inUse++;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const { id, sizeClass: size } = this.meta.get(buffer)!;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    // Kept in descending id order, so acquire() pops the lowest free id: which buffer a tensor gets then
    // depends only on which are in use, not on release order, and the buffers a training step binds (the
    // keys of cached bind groups) repeat after a few epochs (LIFO order kept them rotating for many).
    let at = list.length;
    while (at > 0 && this.id(list[at - 1]) < id) at--;
    list.splice(at, 0, buffer);
    this.releasedSinceSubmit.add(buffer);
    this.inUse--;
  }

  /** Called at each submit: the work that could use the buffers released before it is now in the queue. */
  submitted(): void {
    this.releasedSinceSubmit.clear();
  }

  id(buffer: GPUBuffer): number {
    return this.meta.get(buffer)?.id ?? 0;
  }

  destroyAll(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
  }
}

// Read lazily: in Node the GPUBufferUsage global exists only once the webgpu package is loaded.
function storageUsage(): number {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}
