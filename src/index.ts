export { createContext, type ContextOptions } from './context.js';
export type { Backend, BackendKind, MatmulOptions, SumAxisOptions, Counters, AdapterSummary } from './backend.js';
export { Tensor } from './tensor.js';
export { CpuBackend } from './cpu/backend.js';
export { WebGpuBackend, type WebGpuBackendOptions } from './webgpu/backend.js';
export type { MatmulVariant } from './webgpu/kernels.js';
export type { ActivationName, ActivationLike, Activation } from './activation.js';
export { Rng } from './rng.js';
export {
  WebGpuRnnError,
  ShapeError,
  ValueError,
  NoAdapterError,
  GpuValidationError,
  DeviceLostError,
  BackendMismatchError,
} from './errors.js';
export type { Shape } from './shapes.js';
