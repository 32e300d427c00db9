// Getting a WebGPU device: navigator.gpu in a browser, the `webgpu` package (Dawn) in Node,
// or a GPU object the caller passes. No adapter is an error that says why, never a silent CPU fallback.
import type { AdapterSummary } from '../core/device.js';
import { NoAdapterError } from '../core/errors.js';

export interface DeviceOptions {
  /** A GPU object to use instead of navigator.gpu / the `webgpu` package. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
}

export interface AcquiredDevice {
  adapter: GPUAdapter;
  device: GPUDevice;
  summary: AdapterSummary;
  /** The adapter's largest subgroup size (undefined where the adapter does not say). */
  subgroupMaxSize?: number;
}

/** Optional features the device asks for when the adapter offers them: subgroup reductions, GPU timestamps. */
const WANTED_FEATURES: GPUFeatureName[] = ['subgroups' as GPUFeatureName, 'timestamp-query'];

// One Dawn instance for the process. Dropping it once its contexts were destroyed let a later garbage
// collection free it while Dawn still ran, which could abort Node at exit; a kept instance does not keep
// Node alive once its devices are destroyed.
let nodeGpu: GPU | undefined;

function isNode(): boolean {
  return !!(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
}

// What a library user can do when requestAdapter() finds nothing.
const NO_ADAPTER_NODE =
  'Dawn (the webgpu package) needs a Vulkan driver: on a machine without a GPU install Mesa lavapipe ' +
  '(mesa-vulkan-drivers, Mesa 24 or later: on Debian 12 from bookworm-backports) and set VK_ICD_FILENAMES to its ICD file ' +
  '(/usr/share/vulkan/icd.d/lvp_icd.json; some distributions name it lvp_icd.<arch>.json)';
const NO_ADAPTER_BROWSER =
  'The browser has WebGPU but offers no adapter (a blocklisted GPU or driver: see chrome://gpu)';

async function findGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode()) {
    throw new NoAdapterError(
      'WebGPU is not available in this browser (navigator.gpu is undefined). Use a browser with WebGPU enabled, ' +
        "serve the page from https:// or http://localhost (a secure context), or choose createContext({ backend: 'cpu' }).",
    );
  }
  if (!nodeGpu) {
    const specifier = 'webgpu'; // a variable, so browser bundlers leave this Node-only import alone
    let mod: { create: (flags: string[]) => GPU; globals: object };
    try {
      mod = await import(/* @vite-ignore */ specifier);
    } catch (e) {
      throw new NoAdapterError(
        "WebGPU in Node needs the 'webgpu' package (Dawn), an optional peer dependency of webgpu-rnn: `npm install webgpu`; " +
          `or choose createContext({ backend: 'cpu' }). (Importing it failed: ${String(e)})`,
      );
    }
    Object.assign(globalThis, mod.globals);
    nodeGpu = mod.create([]);
  }
  return nodeGpu;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software/i;

export async function acquireDevice(options: DeviceOptions): Promise<AcquiredDevice> {
  const gpu = options.gpu ?? (await findGpu());
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
  if (!adapter) {
    throw new NoAdapterError(
      `No WebGPU adapter found. ${isNode() ? NO_ADAPTER_NODE : NO_ADAPTER_BROWSER}, or choose createContext({ backend: 'cpu' }).`,
    );
  }
  const l = adapter.limits;
  // Ask for what the adapter offers: the defaults (128 MiB bindings, 8 storage buffers) are lower.
  const device = await adapter.requestDevice({
    label: 'webgpu-rnn',
    requiredFeatures: WANTED_FEATURES.filter((f) => adapter.features.has(f)),
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    },
  });
  const info = adapter.info;
  const fields = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
  };
  const fallback = (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter === true;
  const summary: AdapterSummary = {
    backend: 'webgpu',
    ...fields,
    software: fallback || SOFTWARE.test(Object.values(fields).join(' ')),
  };
  const subgroupMaxSize = (info as { subgroupMaxSize?: number } | undefined)?.subgroupMaxSize;
  return { adapter, device, summary, subgroupMaxSize };
}
