// A kernel's declaration, written once beside its host code (src/ops/<op>/webgpu.ts): its WGSL source,
// entry point, the fields of its uniform `struct Params` in declaration order, and its storage bindings
// (1..n after the uniform at binding 0) by name and access mode. The host packs uniforms and binds
// buffers by these names; test/kernel_specs.test.ts checks every declaration against its WGSL.

import { ValueError } from './errors.js';

/** Pipeline-overridable constants of a kernel (workgroup sizes, feature switches), by name. */
export type Constants = Record<string, number | boolean>;

export type ParamType = 'u32' | 'f32';
export type Access = 'read' | 'read_write';

export interface KernelSpec<P extends string = string, S extends string = string> {
  /** Pipeline cache key and label of every GPU object made for the kernel. */
  readonly name: string;
  /** WGSL source: snippets prepended, no other templating. */
  readonly code: string;
  readonly entry: string;
  /** Params fields in WGSL order; each 4 bytes. Trailing `_pad` fields of the WGSL struct are left out. */
  readonly params: readonly (readonly [P, ParamType])[];
  /** Storage bindings in binding order (binding i + 1). */
  readonly storage: readonly (readonly [S, Access])[];
}

/** Uniform values by field name. */
export type ParamValues<K> = K extends KernelSpec<infer P, string> ? Readonly<Record<P, number>> : never;
/** Buffers by binding name. */
export type StorageBindings<K> = K extends KernelSpec<string, infer S> ? Readonly<Record<S, GPUBufferBinding>> : never;

/** Declares a kernel; `params` and `storage` are written as objects whose key order is the WGSL order. */
export function kernel<P extends string, S extends string>(spec: {
  name: string;
  code: string;
  entry?: string;
  params: Record<P, ParamType>;
  storage: Record<S, Access>;
}): KernelSpec<P, S> {
  return {
    name: spec.name,
    code: spec.code,
    entry: spec.entry ?? 'main',
    params: Object.entries(spec.params) as [P, ParamType][],
    storage: Object.entries(spec.storage) as [S, Access][],
  };
}

/** The uniform bytes of `values` laid out as the kernel's Params (4-byte scalars, padded to 16 bytes). */
export function packParams<P extends string>(
  spec: KernelSpec<P, string>,
  values: Readonly<Record<P, number>>,
): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((spec.params.length * 4) / 16) * 16));
  const view = new DataView(buf);
  spec.params.forEach(([name, type], i) => {
    const v = values[name];
    if (typeof v !== 'number') throw new ValueError(`${spec.name} params`, `a number for field ${name}`, String(v));
    if (type === 'u32') view.setUint32(i * 4, v, true);
    else view.setFloat32(i * 4, v, true);
  });
  return buf;
}

/** Workgroup size of the kernels that run one invocation per element. */
export const ELEMENTWISE_WG = 256;
