// createContext: the one entry point that picks a backend. The CPU backend is an explicit choice;
// a WebGPU context either gets a device or throws NoAdapterError — it never falls back silently.
import type { Backend } from './ops/index.js';
import { checkOptions, optionNames } from './core/checks.js';
import { ValueError } from './core/errors.js';
import { CpuBackend } from './cpu/backend.js';
import { WebGpuBackend, type WebGpuBackendOptions } from './webgpu/backend.js';
import { acquireDevice, type DeviceOptions } from './webgpu/device.js';

export type ContextOptions = ({ backend?: 'webgpu' } & DeviceOptions & WebGpuBackendOptions) | { backend: 'cpu' };

const WEBGPU_OPTIONS = optionNames<{ backend?: 'webgpu' } & DeviceOptions & WebGpuBackendOptions>({
  backend: true,
  gpu: true,
  powerPreference: true,
  matmulVariant: true,
  recurrentVariant: true,
});

export async function createContext(options: { backend: 'cpu' }): Promise<CpuBackend>;
export async function createContext(
  options?: { backend?: 'webgpu' } & DeviceOptions & WebGpuBackendOptions,
): Promise<WebGpuBackend>;
export async function createContext(options?: ContextOptions): Promise<Backend>;
export async function createContext(options: ContextOptions = {}): Promise<Backend> {
  checkOptions('options', options, WEBGPU_OPTIONS); // a typo such as `backnd: 'cpu'` must not give a WebGPU context
  const backend = options.backend ?? 'webgpu';
  if (backend === 'cpu') {
    checkOptions('options', options, ['backend']); // device options mean nothing to the CPU backend
    return new CpuBackend();
  }
  if (backend !== 'webgpu') throw new ValueError('backend', "'webgpu' or 'cpu'", JSON.stringify(backend));
  const o = options as DeviceOptions & WebGpuBackendOptions;
  if (o.matmulVariant !== undefined && !['auto', 'tiled', 'blocked'].includes(o.matmulVariant)) {
    throw new ValueError('matmulVariant', "'auto', 'tiled' or 'blocked'", JSON.stringify(o.matmulVariant));
  }
  const acquired = await acquireDevice(o);
  try {
    return new WebGpuBackend(acquired, o);
  } catch (e) {
    // A refused option (e.g. a kernel variant the adapter cannot run): let the device go.
    acquired.device.destroy();
    throw e;
  }
}
