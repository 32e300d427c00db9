// createContext: the one entry point that picks a backend. The CPU backend is an explicit choice;
// a WebGPU context either gets a device or throws NoAdapterError — it never falls back silently.
import type { Backend } from './backend.js';
import { ValueError } from './errors.js';
import { CpuBackend } from './cpu/backend.js';
import { WebGpuBackend, type WebGpuBackendOptions } from './webgpu/backend.js';
import { acquireDevice, type DeviceOptions } from './webgpu/device.js';

export type ContextOptions =
  | ({ backend?: 'webgpu' } & DeviceOptions & WebGpuBackendOptions)
  | { backend: 'cpu' };

export async function createContext(options: { backend: 'cpu' }): Promise<CpuBackend>;
export async function createContext(options?: { backend?: 'webgpu' } & DeviceOptions & WebGpuBackendOptions): Promise<WebGpuBackend>;
export async function createContext(options?: ContextOptions): Promise<Backend>;
export async function createContext(options: ContextOptions = {}): Promise<Backend> {
  const backend = options.backend ?? 'webgpu';
  if (backend === 'cpu') return new CpuBackend();
  if (backend !== 'webgpu') throw new ValueError('backend', "'webgpu' or 'cpu'", JSON.stringify(backend));
  const o = options as DeviceOptions & WebGpuBackendOptions;
  if (o.matmulVariant !== undefined && !['auto', 'tiled', 'blocked'].includes(o.matmulVariant)) {
    throw new ValueError('matmulVariant', "'auto', 'tiled' or 'blocked'", JSON.stringify(o.matmulVariant));
  }
  return new WebGpuBackend(await acquireDevice(o), o);
}
