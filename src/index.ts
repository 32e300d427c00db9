export { createContext, type ContextOptions } from './context.js';
export type { DeviceOptions } from './webgpu/device.js';
export type {
  Backend,
  BackendKind,
  MatmulOptions,
  SumAxisOptions,
  Counters,
  AdapterSummary,
  LossResult,
  Reduction,
  SgdHyper,
  AdamHyper,
  RmspropHyper,
  CrossEntropyOptions,
  BceWithLogitsOptions,
  HuberOptions,
  SmoothL1Options,
  DropoutConfig,
  SampleConfig,
  SampleRows,
  GemmArgs,
  RecurrentWeights,
  StateSlice,
  RecurrentConfig,
  RecurrentLayerCache,
  LayerStates,
  FinalStates,
  CellKind,
  StepMask,
} from './backend.js';
export { Tensor, type TensorStorage } from './core/tensor.js';
export { CpuBackend } from './cpu/backend.js';
export { WebGpuBackend, type WebGpuBackendOptions, type GpuStorage } from './webgpu/backend.js';
export type { MatmulVariant } from './webgpu/ops/matmul.js';
export type { RecurrentVariant, RecurrentKernel } from './webgpu/ops/recurrent.js';
export type { KernelTime } from './webgpu/profiler.js';
export type { ActivationName, ActivationLike, Activation } from './activation.js';
export {
  Linear,
  ActivationLayer,
  LastStep,
  Dropout,
  type DropoutSites,
  type DropoutSite,
  type Layer,
  type LinearOptions,
  type LastStepOptions,
  type RecurrentState,
  type StateSpec,
} from './nn/layers.js';
export {
  RNN,
  LSTM,
  GRU,
  type RnnOptions,
  type LstmOptions,
  type RecurrentOptions,
  type MergeMode,
} from './nn/recurrent.js';
export {
  Sequential,
  mlp,
  type MlpOptions,
  type ModelOptions,
  type ModelStates,
  type StatefulOptions,
  type LengthsOptions,
} from './nn/sequential.js';
export { Embedding, type EmbeddingOptions } from './nn/embedding.js';
export { ParamSet, type ParamSpec } from './nn/params.js';
export type { StateDict, ReadStateDict, LoadResult } from './core/state.js';
export type { InitName } from './nn/init.js';
export {
  SGD,
  Adam,
  AdamW,
  RMSprop,
  type Optimizer,
  type SgdOptions,
  type AdamOptions,
  type RmspropOptions,
} from './train/optim.js';
export { Trainer, type TrainerOptions } from './train/trainer.js';
export type { StepResult, StatefulStepResult } from './train/step.js';
export type { LossName, LossConfig, BceWithLogitsLossOptions } from './train/loss.js';
export type {
  FitOptions,
  FitHistory,
  StepEvent,
  EpochEvent,
  EarlyStopping,
  EvaluateOptions,
  EvaluateResult,
  Tbptt,
} from './train/fit.js';
export type { HostArray, HostData, LayoutOptions } from './train/data.js';
export type { GenerateOptions, GenerateResult } from './nn/generate.js';
export { clipGradNorm, clipGradValue, NonFiniteGradientError, type ClipOptions } from './train/clip.js';
export { saveSafetensors, loadSafetensors, SafetensorsError, type SavedTensor } from './io/safetensors.js';
export { stateDictToJson, stateDictFromJson, StateDictFormatError } from './io/json.js';
export { Rng } from './core/rng.js';
export { checkLengths, lengthsFromMask, BatchLengths, type SequenceLengths } from './core/lengths.js';
export {
  WebGpuRnnError,
  ShapeError,
  ValueError,
  NoAdapterError,
  GpuValidationError,
  DeviceLostError,
  BackendMismatchError,
  UnsupportedFeatureError,
  ReleasedError,
  ModelBusyError,
} from './core/errors.js';
export type { Shape } from './core/shapes.js';
export { spectralRadius } from './train/diagnostics.js';
export { addingProblem } from './train/tasks.js';
export {
  StepLR,
  CosineAnnealingLR,
  LinearLR,
  SequentialLR,
  ReduceLROnPlateau,
  type LrScheduler,
  type PlateauOptions,
  type ResumableSchedule,
} from './train/schedules.js';
export {
  ProgressLine,
  type ProgressOptions,
  type ProgressStream,
  type ProgressStep,
  type ProgressEpoch,
} from './train/progress.js';
