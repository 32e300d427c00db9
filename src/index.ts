export { createContext, type ContextOptions } from './context.js';
export type { DeviceOptions } from './webgpu/device.js';
export type { Backend } from './ops/index.js';
export type { BackendKind, Counters, AdapterSummary } from './core/device.js';
export type {
  RecurrentWeights,
  StateSlice,
  RecurrentConfig,
  RecurrentLayerCache,
  LayerStates,
  FinalStates,
  CellKind,
} from './ops/recurrent/spec.js';
export type { LossResult, Reduction, StepMask } from './ops/loss/spec.js';
export type { HuberOptions, SmoothL1Options } from './ops/smooth_l1/spec.js';
export type { BceWithLogitsOptions } from './ops/bce_with_logits/spec.js';
export type { CrossEntropyOptions } from './ops/cross_entropy/spec.js';
export type {
  AttentionScore,
  AttentionWeights,
  AttentionOptions,
  AttentionResult,
  AttentionBackwardOptions,
  AttentionGrads,
} from './ops/attention/spec.js';
export type { SgdHyper } from './ops/sgd/spec.js';
export type { AdamHyper } from './ops/adam/spec.js';
export type { RmspropHyper } from './ops/rmsprop/spec.js';
export { Tensor, type TensorStorage } from './core/tensor.js';
export { CpuBackend } from './cpu/backend.js';
export { WebGpuBackend, type WebGpuBackendOptions, type GpuStorage } from './webgpu/backend.js';
export type { MatmulVariant } from './core/device.js';
export type { MatmulOptions, GemmArgs } from './ops/matmul/spec.js';
export type { SumAxisOptions } from './ops/reduce/spec.js';
export type { DropoutConfig } from './ops/dropout/spec.js';
export type { SampleConfig, SampleRows } from './ops/sample/spec.js';
export type { RecurrentVariant, RecurrentKernel } from './ops/recurrent/webgpu.js';
export type { KernelTime } from './webgpu/profiler.js';
export type { ActivationName, ActivationLike, Activation } from './ops/activation/spec.js';
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
export {
  Seq2Seq,
  type Seq2SeqOptions,
  type Seq2SeqBatch,
  type Seq2SeqRecurrentOptions,
  type Seq2SeqEncoded,
  type Seq2SeqDecoderState,
  type Seq2SeqDecodeOptions,
  type ForwardOptions as Seq2SeqForwardOptions,
} from './nn/seq2seq.js';
export {
  modelFromSpec,
  trainableFromSpec,
  type ModelSpec,
  type LayerSpec,
  type Seq2SeqSpec,
  type TrainableSpec,
} from './nn/spec.js';
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
export { Trainer, type TrainerOptions, type TrainableModel } from './train/trainer.js';
export {
  fitTeacherForced,
  evaluateTeacherForced,
  type TeacherForcedModel,
  type Seq2SeqData,
  type TeacherForcedFitOptions,
  type TeacherForcedHistory,
  type TeacherForcedStepEvent,
  type TeacherForcedEpochEvent,
  type TeacherForcedCallbackTools,
} from './train/teacher_forcing.js';
export { optimizerFromSpec, scheduleFromSpec, type OptimizerSpec, type ScheduleSpec } from './train/spec.js';
export {
  createWorkerTrainer,
  TrainerWorker,
  type WorkerLike,
  type WorkerTrainerOptions,
  type WorkerFitOptions,
  type WorkerStepEvent,
  type WorkerEpochEvent,
  type WorkerGenerateOptions,
  type WorkerTeacherForcedFitOptions,
  type WorkerTeacherForcedStepEvent,
  type WorkerTeacherForcedEpochEvent,
  type TransferOption,
} from './worker/client.js';
export { serveTrainer, type WorkerEndpoint } from './worker/host.js';
export { WorkerError } from './worker/errors.js';
export type { TrainerSpec } from './worker/protocol.js';
export type { StepResult, StatefulStepResult } from './train/step.js';
export type { LossName, LossConfig, BceWithLogitsLossOptions } from './train/loss.js';
export type {
  FitOptions,
  FitHistory,
  StepEvent,
  EpochEvent,
  FitCallbackTools,
  EarlyStopping,
  EvaluateOptions,
  EvaluateResult,
  Tbptt,
} from './train/fit.js';
export type { HostArray, HostData, LayoutOptions } from './train/data.js';
export type { GenerateOptions, GenerateResult } from './nn/generate.js';
export { beamSearch, lengthPenalty } from './nn/beam.js';
export type { BeamSearchOptions, BeamSearchResult, BeamHypothesis, BeamStepInput, BeamStepOutput } from './nn/beam.js';
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
