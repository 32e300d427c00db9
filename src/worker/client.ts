// The page side: createWorkerTrainer() starts a trainer in a worker (a Web Worker, or a worker_threads
// Worker in Node) and returns a TrainerWorker whose methods mirror Trainer's and Sequential's (or Seq2Seq's), each a
// message to the worker and a promise of its answer. Errors arrive as their own classes; fit's and
// generate's callbacks run here, on events the worker streams.
import { checkOptions, expectCallback, expectObject, optionNames } from '../core/checks.js';
import { ValueError, describeValue } from '../core/errors.js';
import type { AdapterSummary, BackendKind } from '../core/device.js';
import type { SequenceLengths } from '../core/lengths.js';
import type { LoadResult, ReadStateDict, StateDict } from '../core/state.js';
import type { GenerateOptions, GenerateResult } from '../nn/generate.js';
import type { BeamSearchResult } from '../nn/beam.js';
import type { Seq2SeqBatch, Seq2SeqDecodeOptions } from '../nn/seq2seq.js';
import type { HostArray, HostData } from '../train/data.js';
import type { StepResult } from '../train/step.js';
import type {
  EpochEvent,
  EvaluateOptions,
  EvaluateResult,
  FitCallbackTools,
  FitHistory,
  FitOptions,
  StepEvent,
} from '../train/fit.js';
import type { ScheduleSpec } from '../train/spec.js';
import type {
  Seq2SeqData,
  TeacherForcedCallbackTools,
  TeacherForcedEpochEvent,
  TeacherForcedFitOptions,
  TeacherForcedHistory,
  TeacherForcedStepEvent,
} from '../train/teacher_forcing.js';
import { WorkerError, reviveError } from './errors.js';
import {
  AWAITED_EVENTS,
  READY,
  type EventName,
  type FromWorker,
  type InitResult,
  type Method,
  type ToWorker,
  type TrainerSpec,
} from './protocol.js';

/**
 * A worker running webgpu-rnn's worker script (`webgpu-rnn/worker`): a browser `Worker` or a Node
 * `worker_threads` Worker.
 */
export type WorkerLike =
  | {
      postMessage(message: unknown, transfer?: Transferable[]): void;
      addEventListener(type: string, listener: (event: any) => void): void;
      terminate(): unknown;
    }
  | {
      postMessage(message: unknown, transfer?: readonly any[]): void;
      on(type: string, listener: (value: any) => void): unknown;
      terminate(): unknown;
    };

export interface WorkerTrainerOptions extends TrainerSpec {
  /** The worker to train in: `new Worker(new URL('./trainer.worker.ts', import.meta.url), { type: 'module' })` (see the README). */
  worker: WorkerLike;
  /** 'webgpu' (default) or 'cpu': the backend the worker creates, as createContext's `backend`. */
  backend?: 'webgpu' | 'cpu';
  /**
   * Milliseconds to wait for the worker script to start serving (default 30 000): a worker that runs another
   * script never answers, and createWorkerTrainer then rejects with a WorkerError saying so.
   */
  startTimeout?: number;
}

/**
 * A fit step as the worker reports it: StepEvent's data and its stop() (trainer.stop(): training ends after
 * the step in progress). The worker waits for each step, epoch and train-end callback to return (a promise
 * to settle) before it goes on, as a direct fit does. The callback tools (e.evaluate, …) are not here: call
 * the trainer after fit.
 */
export type WorkerStepEvent = Omit<StepEvent, keyof FitCallbackTools>;
export type WorkerEpochEvent = Omit<EpochEvent, keyof FitCallbackTools>;

/** Transfer the typed arrays' buffers to the worker instead of copying them (they are unusable here afterwards). */
export interface TransferOption {
  transfer?: boolean;
}

/** fit's options for a worker: data only, a schedule as a spec, callbacks called here with the worker's events. */
export interface WorkerFitOptions
  extends Omit<FitOptions, 'schedule' | 'onStep' | 'onEpoch' | 'onTrainEnd'>, TransferOption {
  /** A learning-rate schedule over the worker's optimizer, built there: { type: 'StepLR', stepSize: 10 }, … */
  schedule?: ScheduleSpec;
  /** Called here after each step (not awaited by the worker, which goes on training). */
  onStep?: (e: WorkerStepEvent) => void;
  onEpoch?: (e: WorkerEpochEvent) => void;
  onTrainEnd?: (h: FitHistory) => void;
}

/**
 * A teacher-forced fit's step and epoch events as the worker streams them: the data and stop() (trainer.stop():
 * training ends after the step in progress); the callback tools (e.evaluate, e.decode) are not here.
 */
export type WorkerTeacherForcedStepEvent = Omit<TeacherForcedStepEvent, keyof TeacherForcedCallbackTools>;
export type WorkerTeacherForcedEpochEvent = Omit<TeacherForcedEpochEvent, keyof TeacherForcedCallbackTools>;

/** A Seq2Seq's fit options for a worker (see TeacherForcedFitOptions): data only, callbacks called here. */
export interface WorkerTeacherForcedFitOptions
  extends
    Omit<TeacherForcedFitOptions, 'schedule' | 'samplingProbability' | 'onStep' | 'onEpoch' | 'onTrainEnd'>,
    TransferOption {
  /** A learning-rate schedule over the worker's optimizer, built there: { type: 'StepLR', stepSize: 10 }, … */
  schedule?: ScheduleSpec;
  /** Scheduled sampling's probability, one number for every epoch (a function cannot cross to the worker). */
  samplingProbability?: number;
  /** Called here after each step (not awaited by the worker, which goes on training). */
  onStep?: (e: WorkerTeacherForcedStepEvent) => void;
  onEpoch?: (e: WorkerTeacherForcedEpochEvent) => void;
  onTrainEnd?: (h: TeacherForcedHistory) => void;
}

export interface WorkerGenerateOptions extends Omit<GenerateOptions, 'onTokens'> {
  /** Called here after each readback (every `readEvery` tokens), as GenerateOptions.onTokens. */
  onTokens?: (chunk: { from: number; tokens: number[][]; probabilities?: number[][] }) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  events?: Partial<Record<EventName, (data: any) => unknown>>;
  /** What a callback of this call threw: the call rejects with it once the worker has answered. */
  failure?: unknown;
}

/** The names of each method's arguments, for an error about one of them. */
const ARGUMENTS: Record<Method, readonly string[]> = {
  init: ['backend', 'options'],
  reset: ['spec'],
  fit: ['x', 'targets', 'options'],
  evaluate: ['x', 'targets', 'options'],
  predict: ['x', 'options'],
  generate: ['options'],
  decode: ['source', 'sourceLengths', 'options'],
  step: ['x', 'targets', 'options'],
  stateDict: [],
  loadStateDict: ['dict', 'options'],
  saveWeights: ['options'],
  loadWeights: ['bytes'],
};

/** Where a function sits in `value` ('options.schedule.step'), the one thing a worker's messages cannot carry. */
function functionAt(value: unknown, path: string, seen = new Set<object>()): string | undefined {
  if (typeof value === 'function') return path;
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || seen.has(value)) return undefined;
  seen.add(value);
  for (const [key, inner] of Object.entries(value)) {
    const found = functionAt(inner, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, seen);
    if (found) return found;
  }
  return undefined;
}

const WORKER_TRAINER_OPTIONS = optionNames<WorkerTrainerOptions>({
  worker: true,
  backend: true,
  startTimeout: true,
  model: true,
  optimizer: true,
  loss: true,
  reduction: true,
  clip: true,
  paramNorms: true,
});

/** The typed arrays' buffers in host data ({ data, shape } or a typed array), for the transfer list. */
function buffersOf(...values: unknown[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of values) {
    const data = typeof v === 'object' && v !== null && 'data' in v ? (v as HostArray).data : v;
    if (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer) out.add(data.buffer);
  }
  return [...out];
}

/** Seq2Seq training pairs ({ source, sourceLengths, target, targetLengths }), not a Sequential's HostData. */
function isPairs(x: unknown): x is Seq2SeqData | Seq2SeqBatch {
  return typeof x === 'object' && x !== null && !ArrayBuffer.isView(x) && 'source' in x;
}

/** The typed arrays' buffers in seq2seq pairs (their rows and lengths), for the transfer list. */
function pairBuffers(...values: Array<Seq2SeqData | Seq2SeqBatch | undefined>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (v: unknown) => {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  };
  for (const d of values) {
    if (!d) continue;
    for (const v of [d.source, d.target, d.sourceLengths, d.targetLengths]) {
      add(v);
      if (Array.isArray(v)) v.forEach(add);
    }
  }
  return [...out];
}

/** A model, its optimizer and a Trainer living in a worker; made by createWorkerTrainer. */
export class TrainerWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private ended?: WorkerError;
  /** The worker's backend: 'webgpu' or 'cpu'. */
  kind!: BackendKind;
  /** The adapter the worker's context runs on. */
  adapter!: AdapterSummary;

  /** False once the worker stopped or was terminated: every call then fails with a WorkerError. */
  get alive(): boolean {
    return this.ended === undefined;
  }

  /** @internal use createWorkerTrainer */
  constructor(private readonly worker: WorkerLike) {
    const onMessage = (data: FromWorker) => this.receive(data);
    const onError = (message: string) => this.end(new WorkerError(`the trainer's worker stopped: ${message}`));
    if ('on' in worker) {
      worker.on('message', onMessage);
      worker.on('error', (e: Error) => onError(`${e.name}: ${e.message}`));
      worker.on('exit', (code: number) => onError(`it exited with code ${code}`));
    } else {
      worker.addEventListener('message', (e: MessageEvent) => onMessage(e.data));
      worker.addEventListener('error', (e: ErrorEvent) => {
        e.preventDefault?.();
        onError(e.message || 'it failed to load or threw outside a call (the browser console has more)');
      });
      worker.addEventListener('messageerror', () => onError('a message from it could not be read'));
    }
  }

  private receive(message: FromWorker): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if ('event' in message) {
      const settled = this.runCallback(pending, message.event, message.data);
      // The worker waits for these: told once the callback has returned (after its Stop, if it failed).
      if (AWAITED_EVENTS.includes(message.event))
        void settled.then(() => {
          if (!this.ended) this.worker.postMessage({ done: message.id } satisfies ToWorker);
        });
      return;
    }
    this.pending.delete(message.id);
    if (pending.failure !== undefined) pending.reject(pending.failure as Error);
    else if (message.ok) pending.resolve(message.value);
    else pending.reject(reviveError(message.error));
  }

  /** Runs a call's callback for an event (none after one of them failed); never rejects. */
  private async runCallback(pending: Pending, event: EventName, data: unknown): Promise<void> {
    const callback = pending.events?.[event];
    if (!callback || pending.failure !== undefined) return;
    try {
      await callback(event === 'step' || event === 'epoch' ? { ...(data as object), stop: () => this.stop() } : data);
    } catch (e) {
      this.callbackFailed(pending, e);
    }
  }

  /** A callback threw, as in a direct fit: the call stops after the step in progress and rejects with that error. */
  private callbackFailed(pending: Pending, error: unknown): void {
    if (pending.failure !== undefined) return;
    pending.failure = error;
    this.stop();
  }

  /** Every call in flight, and every later one, fails with `error`; the worker is stopped (an error leaves a browser worker running). */
  private end(error: WorkerError): void {
    if (this.ended) return;
    this.ended = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    void this.worker.terminate();
  }

  private call<T>(
    method: Method,
    args: unknown[],
    options: { transfer?: Transferable[]; events?: Pending['events'] } = {},
  ): Promise<T> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      try {
        this.worker.postMessage({ id, method, args } satisfies ToWorker, options.transfer ?? []);
      } catch (e) {
        // A worker receives copies of plain data: no functions, no class instances with methods.
        const where = args.map((a, i) => functionAt(a, ARGUMENTS[method][i] ?? `argument ${i}`)).find(Boolean);
        throw new ValueError(
          where ?? `${method}'s arguments`,
          'plain data (numbers, strings, arrays, typed arrays, plain objects; schedules as { type, … } specs), which a worker receives as copies',
          where ? 'a function' : `something structured clone cannot copy (${(e as Error).message})`,
        );
      }
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, events: options.events });
    });
  }

  /** Builds a new model, optimizer and trainer in the worker on its context; the old ones are released once the new ones are built. */
  reset(spec: TrainerSpec): Promise<void> {
    return this.call('reset', [spec]);
  }

  /** Trainer.fit in the worker. Callbacks run here on the events it streams; trainer.stop() ends it after the current step. */
  fit(x: HostData, targets: HostData, options: WorkerFitOptions): Promise<FitHistory>;
  /** A Seq2Seq's teacher-forced training on pairs in the worker (see fitTeacherForced); callbacks run here. */
  fit(data: Seq2SeqData, options: WorkerTeacherForcedFitOptions): Promise<TeacherForcedHistory>;
  fit(
    x: HostData | Seq2SeqData,
    targets: HostData | WorkerTeacherForcedFitOptions,
    options?: WorkerFitOptions,
  ): Promise<FitHistory | TeacherForcedHistory> {
    if (isPairs(x)) {
      const o = targets as WorkerTeacherForcedFitOptions;
      expectObject('options', o, '{ epochs, batchSize, … }');
      const { onStep, onEpoch, onTrainEnd, transfer, ...rest } = o;
      expectCallback('onStep', onStep);
      expectCallback('onEpoch', onEpoch);
      expectCallback('onTrainEnd', onTrainEnd);
      const events: Pending['events'] = { step: onStep, epoch: onEpoch, trainEnd: onTrainEnd };
      const wanted = (Object.keys(events) as EventName[]).filter((name) => events[name] !== undefined);
      const moved = transfer ? pairBuffers(x, rest.validationData) : [];
      return this.call('fit', [x, null, rest, wanted], { transfer: moved, events });
    }
    expectObject('options', options, '{ epochs, batchSize, … }');
    const { onStep, onEpoch, onTrainEnd, transfer, ...rest } = options!;
    expectCallback('onStep', onStep);
    expectCallback('onEpoch', onEpoch);
    expectCallback('onTrainEnd', onTrainEnd);
    const events: Pending['events'] = { step: onStep, epoch: onEpoch, trainEnd: onTrainEnd };
    const wanted = (Object.keys(events) as EventName[]).filter((name) => events[name] !== undefined);
    const moved = transfer ? buffersOf(x, targets, rest.validationData?.x, rest.validationData?.targets) : [];
    return this.call('fit', [x, targets, rest, wanted], { transfer: moved, events });
  }

  /** Trainer.evaluate in the worker. */
  evaluate(x: HostData, targets: HostData, options?: EvaluateOptions & TransferOption): Promise<EvaluateResult>;
  /** A Seq2Seq's teacher-forced mean loss and token accuracy on pairs, in the worker (see evaluateTeacherForced). */
  evaluate(
    data: Seq2SeqData,
    options?: { batchSize?: number } & TransferOption,
  ): Promise<{ loss: number; accuracy: number }>;
  evaluate(
    x: HostData | Seq2SeqData,
    targets?: HostData | ({ batchSize?: number } & TransferOption),
    options: EvaluateOptions & TransferOption = {},
  ): Promise<EvaluateResult | { loss: number; accuracy: number }> {
    if (isPairs(x)) {
      const { transfer, ...rest } = (targets ?? {}) as { batchSize?: number } & TransferOption;
      return this.call('evaluate', [x, null, rest], { transfer: transfer ? pairBuffers(x) : [] });
    }
    const { transfer, ...rest } = options;
    return this.call('evaluate', [x, targets, rest], { transfer: transfer ? buffersOf(x, targets) : [] });
  }

  /** Trainer.predict in the worker: the outputs as one flat Float64Array (see Trainer.predict for the layout). */
  predict(x: HostData, options: EvaluateOptions & TransferOption = {}): Promise<Float64Array> {
    const { transfer, ...rest } = options;
    return this.call('predict', [x, rest], { transfer: transfer ? buffersOf(x) : [] });
  }

  /** model.generate in the worker; onTokens runs here after each readback. */
  generate(options: WorkerGenerateOptions): Promise<GenerateResult> {
    expectObject('options', options, '{ prompt, steps, … }');
    const { onTokens, ...rest } = options;
    expectCallback('onTokens', onTokens);
    return this.call('generate', [rest, onTokens !== undefined], { events: onTokens && { tokens: onTokens } });
  }

  /**
   * One Trainer.step on one batch, given as { data, shape } in the layout the model reads (as the tensors of
   * a direct step): for a custom training loop.
   */
  step(x: HostArray, targets: HostArray, options?: { lengths?: SequenceLengths } & TransferOption): Promise<StepResult>;
  /** One teacher-forced step of a Seq2Seq on a batch of pairs (Trainer.step(batch)). */
  step(batch: Seq2SeqBatch, options?: TransferOption): Promise<StepResult>;
  step(
    x: HostArray | Seq2SeqBatch,
    targets?: HostArray | TransferOption,
    options: { lengths?: SequenceLengths } & TransferOption = {},
  ): Promise<StepResult> {
    if (isPairs(x)) {
      const transfer = (targets as TransferOption | undefined)?.transfer;
      return this.call('step', [x, null], { transfer: transfer ? pairBuffers(x) : [] });
    }
    const { transfer, ...rest } = options;
    return this.call('step', [x, targets, rest], { transfer: transfer ? buffersOf(x, targets) : [] });
  }

  /**
   * Seq2Seq.decode in the worker: greedy (beamWidth 1) or beam search over B sources given as time-major
   * ids [T_src · B] with their lengths; each source's hypotheses, best first, with tokens, scores and
   * attention weights, as data.
   */
  decode(
    source: ArrayLike<number>,
    sourceLengths: ArrayLike<number>,
    options: Seq2SeqDecodeOptions,
  ): Promise<BeamSearchResult> {
    return this.call('decode', [source, sourceLengths, options]);
  }

  /** The model's parameters by PyTorch name (model.stateDict()). */
  stateDict(): Promise<ReadStateDict> {
    return this.call('stateDict', []);
  }

  /** model.loadStateDict in the worker: all or nothing, as there. */
  loadStateDict(dict: StateDict, options?: { strict?: boolean }): Promise<LoadResult> {
    return this.call('loadStateDict', [dict, options]);
  }

  /** The model's weights as safetensors bytes (saveSafetensors(await model.stateDict(), options)). */
  saveWeights(options?: { metadata?: Record<string, string>; dtype?: 'F32' | 'F64' }): Promise<Uint8Array> {
    return this.call('saveWeights', [options]);
  }

  /** Loads safetensors bytes into the model (all or nothing); returns the file's metadata. */
  loadWeights(bytes: Uint8Array): Promise<{ metadata: Record<string, string> }> {
    if (!(bytes instanceof Uint8Array)) throw new ValueError('bytes', 'a Uint8Array', describeValue(bytes));
    return this.call('loadWeights', [bytes]);
  }

  /** Ends the running fit after its current step (history.stoppedBy: 'callback'); nothing else is interrupted. */
  stop(): void {
    if (!this.ended) this.worker.postMessage({ stop: true } satisfies ToWorker);
  }

  /** Stops the worker at once: calls in flight fail with a WorkerError, and so does every later call. */
  terminate(): void {
    this.end(new WorkerError("the trainer's worker was terminated (terminate())"));
  }

  /** @internal Waits for the worker's first message (serveTrainer's READY), then builds the trainer there. */
  async start(backend: 'webgpu' | 'cpu', spec: TrainerSpec, timeout: number): Promise<this> {
    const ready = new Promise<unknown>((resolve, reject) => this.pending.set(READY, { resolve, reject }));
    const timer = setTimeout(
      () =>
        this.end(
          new WorkerError(
            `the worker did not start serving within ${timeout / 1000} s: is it running webgpu-rnn's worker script (webgpu-rnn/worker)?`,
          ),
        ),
      timeout,
    );
    try {
      await ready;
    } finally {
      clearTimeout(timer);
    }
    Object.assign(this, await this.call<InitResult>('init', [backend, spec]));
    return this;
  }
}

/**
 * Starts a trainer in `options.worker`: its context (options.backend), the model, optimizer and Trainer
 * built from their specs. Resolves once they are built; a bad spec rejects with the error a direct
 * construction throws (ShapeError, ValueError, …), and the worker is terminated.
 */
export async function createWorkerTrainer(options: WorkerTrainerOptions): Promise<TrainerWorker> {
  expectObject('options', options, '{ worker, model, optimizer, loss, backend?, … }');
  checkOptions('options', options, WORKER_TRAINER_OPTIONS);
  const { worker, backend = 'webgpu', startTimeout = 30_000, ...spec } = options;
  if (!(typeof startTimeout === 'number' && startTimeout > 0))
    throw new ValueError('startTimeout', 'a positive number of milliseconds', describeValue(startTimeout));
  const ok =
    typeof worker === 'object' &&
    worker !== null &&
    typeof worker.postMessage === 'function' &&
    typeof worker.terminate === 'function' &&
    ('on' in worker || 'addEventListener' in worker);
  if (!ok)
    throw new ValueError(
      'worker',
      "a Worker running webgpu-rnn's worker script (a browser Worker, or a Node worker_threads Worker)",
      describeValue(worker),
    );
  const trainer = new TrainerWorker(worker);
  try {
    return await trainer.start(backend, spec, startTimeout);
  } catch (e) {
    trainer.terminate();
    throw e;
  }
}
