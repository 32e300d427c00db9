// Kernel registry: compiled pipelines cached by name + override constants, bind groups and uniform
// buffers cached by what they hold, GPU objects labelled with their kernel, and the counters
// (dispatches, submits, readbacks) that tests and benchmarks read.
import type { Counters } from '../core/device.js';
import type { Constants, KernelSpec } from '../core/kernel.js';

export type { Constants };

export interface Compiled {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  label: string;
}

const BIND_GROUP_CACHE_LIMIT = 8192;

export class KernelRegistry {
  private readonly pipelines = new Map<string, Compiled>();
  private readonly compiling = new Map<string, Promise<Compiled>>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly uniforms = new Map<string, GPUBuffer>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  readonly counters: Counters = { dispatches: 0, submits: 0, readbacks: 0, uploads: 0, pipelinesCreated: 0 };
  /** Uniform buffers and bind groups created so far: flat once warm (a value that changes between steps, such as the learning rate, belongs in a small tensor the kernel binds, not in its uniforms). */
  readonly created = { uniforms: 0, bindGroups: 0 };
  /** Shader or pipeline errors, awaited (and raised) by the backend at its next readback or sync. */
  pendingErrors: Array<Promise<string | null>> = [];

  constructor(private readonly device: GPUDevice) {}

  /** The pipeline of `spec` with `constants`, compiled now (on the GPU process's main thread) unless it is ready. */
  pipeline(spec: KernelSpec, constants: Constants, key = pipelineKey(spec, constants)): Compiled {
    let compiled = this.pipelines.get(key);
    if (!compiled) {
      const layout = this.layout(spec);
      this.device.pushErrorScope('validation');
      const pipeline = this.device.createComputePipeline(this.descriptor(spec, constants, key, layout));
      this.pendingErrors.push(this.device.popErrorScope().then((e) => (e ? `compiling ${key}: ${e.message}` : null)));
      compiled = this.store(key, pipeline, layout);
    }
    return compiled;
  }

  /**
   * The pipeline when it is ready; otherwise a promise of it, compiled with createComputePipelineAsync, which
   * browsers run off the GPU process's main thread (a synchronous compile there stalls every page's frames).
   */
  pipelineSoon(
    spec: KernelSpec,
    constants: Constants,
    key = pipelineKey(spec, constants),
  ): Compiled | Promise<Compiled> {
    const ready = this.pipelines.get(key);
    if (ready) return ready;
    let compiling = this.compiling.get(key);
    if (!compiling) {
      const layout = this.layout(spec);
      compiling = this.device.createComputePipelineAsync(this.descriptor(spec, constants, key, layout)).then(
        (pipeline) => this.pipelines.get(key) ?? this.store(key, pipeline, layout),
        (e: Error) => {
          this.pendingErrors.push(Promise.resolve(`compiling ${key}: ${e.message}`));
          return this.pipeline(spec, constants); // an invalid pipeline: the submit that uses it reports it too
        },
      );
      this.compiling.set(key, compiling);
    }
    return compiling;
  }

  /** Label and bind group layout of a dispatch's pipeline, known before the pipeline itself is. */
  signature(spec: KernelSpec, constants: Constants): { label: string; layout: GPUBindGroupLayout } {
    return { label: pipelineKey(spec, constants), layout: this.layout(spec) };
  }

  private store(key: string, pipeline: GPUComputePipeline, layout: GPUBindGroupLayout): Compiled {
    const compiled = { pipeline, layout, label: key };
    this.pipelines.set(key, compiled);
    this.compiling.delete(key);
    this.counters.pipelinesCreated++;
    return compiled;
  }

  private descriptor(
    spec: KernelSpec,
    constants: Constants,
    label: string,
    layout: GPUBindGroupLayout,
  ): GPUComputePipelineDescriptor {
    return {
      label,
      layout: this.device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
      compute: { module: this.module(spec), entryPoint: spec.entry, constants: toNumbers(constants) },
    };
  }

  /** A uniform buffer holding exactly these bytes, created once and reused by every dispatch that needs them. */
  uniform(name: string, data: ArrayBuffer): { buffer: GPUBuffer; key: string } {
    const key = `${name}|${Array.from(new Uint32Array(data)).join(',')}`;
    let buffer = this.uniforms.get(key);
    if (!buffer) {
      buffer = this.device.createBuffer({
        label: `${name} params`,
        size: Math.max(16, data.byteLength),
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
      this.device.queue.writeBuffer(buffer, 0, data);
      this.uniforms.set(key, buffer);
      this.created.uniforms++;
    }
    return { buffer, key };
  }

  bindGroup(
    pipeline: { label: string; layout: GPUBindGroupLayout },
    uniform: GPUBuffer,
    uniformId: string,
    storage: readonly GPUBufferBinding[],
    key: string,
  ): GPUBindGroup {
    const fullKey = `${pipeline.label}|${uniformId}|${key}`;
    let group = this.bindGroups.get(fullKey);
    if (!group) {
      if (this.bindGroups.size >= BIND_GROUP_CACHE_LIMIT) this.bindGroups.clear();
      group = this.device.createBindGroup({
        label: pipeline.label,
        layout: pipeline.layout,
        entries: [
          { binding: 0, resource: { buffer: uniform } },
          ...storage.map((resource, i) => ({ binding: i + 1, resource })),
        ],
      });
      this.bindGroups.set(fullKey, group);
      this.created.bindGroups++;
    }
    return group;
  }

  /** Names of the kernels compiled so far (which variants ran). */
  compiledKernels(): Set<string> {
    return new Set([...this.pipelines.keys()].map((key) => key.split('|')[0]));
  }

  destroy(): void {
    for (const b of this.uniforms.values()) b.destroy();
    this.uniforms.clear();
    this.bindGroups.clear();
    this.pipelines.clear();
    this.compiling.clear();
  }

  private module(spec: KernelSpec): GPUShaderModule {
    let module = this.modules.get(spec.name);
    if (!module) {
      module = this.device.createShaderModule({ label: spec.name, code: spec.code });
      this.modules.set(spec.name, module);
    }
    return module;
  }

  private layout(spec: KernelSpec): GPUBindGroupLayout {
    let layout = this.layouts.get(spec.name);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
        ...spec.storage.map(([, access], i) => ({
          binding: i + 1,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: access === 'read' ? ('read-only-storage' as const) : ('storage' as const) },
        })),
      ];
      layout = this.device.createBindGroupLayout({ label: spec.name, entries });
      this.layouts.set(spec.name, layout);
    }
    return layout;
  }
}

function pipelineKey(spec: KernelSpec, constants: Constants): string {
  return `${spec.name}|${Object.entries(constants)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;
}

function toNumbers(constants: Constants): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(constants)) out[k] = typeof v === 'boolean' ? Number(v) : v;
  return out;
}
