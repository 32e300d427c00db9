// The worker side: serveTrainer() answers a TrainerWorker's calls with one context, model, optimizer and
// Trainer, built from their specs. Calls run in the order they arrive (the library's busy rule refuses a
// call on a model another call is still using, as in a direct program); Stop is a message of its own
// that fit reads between steps.
import { createContext } from '../context.js';
import type { Backend } from '../ops/index.js';
import { checkOptions, expectObject } from '../core/checks.js';
import { ValueError, describeValue } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { HostArray } from '../train/data.js';
import { trainableFromSpec } from '../nn/spec.js';
import { Sequential } from '../nn/sequential.js';
import type { Seq2Seq, Seq2SeqBatch, Seq2SeqDecodeOptions } from '../nn/seq2seq.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import { Trainer, type TrainableModel } from '../train/trainer.js';
import type {
  Seq2SeqData,
  TeacherForcedEpochEvent,
  TeacherForcedFitOptions,
  TeacherForcedStepEvent,
} from '../train/teacher_forcing.js';
import type { Optimizer } from '../train/optim.js';
import { optimizerFromSpec, scheduleFromSpec, type ScheduleSpec } from '../train/spec.js';
import type { FitOptions, StepEvent, EpochEvent, FitHistory } from '../train/fit.js';
import type { GenerateOptions } from '../nn/generate.js';
import type { SequenceLengths } from '../core/lengths.js';
import { serializeError } from './errors.js';
import {
  READY,
  type EventName,
  type FromWorker,
  type InitResult,
  type Method,
  type ToWorker,
  type TrainerSpec,
} from './protocol.js';

/** Where serveTrainer listens and answers: a worker's `self`, or Node's `parentPort` (worker_threads). */
export interface WorkerEndpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

interface Session {
  model: Sequential | Seq2Seq;
  optimizer: Optimizer;
  trainer: Trainer<TrainableModel>;
}

const TRAINER_SPEC = ['model', 'optimizer', 'loss', 'reduction', 'clip', 'paramNorms'];

/** A macrotask: lets a Stop message in between two steps (on the CPU backend a step never yields to the event loop). */
const nextTask = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });

/** The ArrayBuffers of typed arrays among `values` (one level into objects), to transfer with a reply. */
function buffersOf(...values: unknown[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (v: unknown) => {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  };
  for (const v of values) {
    add(v);
    if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v))
      for (const inner of Object.values(v)) {
        add(inner);
        if (typeof inner === 'object' && inner !== null) add((inner as { data?: unknown }).data);
      }
  }
  return [...out];
}

/** Functions are not data: strip the callback tools (evaluate, decode, …) and stop() from a fit event before it is posted. */
function eventData(e: object): object {
  const { evaluate: _e, predict: _p, generate: _g, decode: _d, stop: _s, ...data } = e as Record<string, unknown>;
  return data;
}

export function serveTrainer(endpoint: WorkerEndpoint): void {
  let ctx: Backend | undefined;
  let session: Session | undefined;
  let stopRequested = false;

  const post = (message: FromWorker, transfer: Transferable[] = []) => endpoint.postMessage(message, transfer);
  /** The fit waiting for the page's callback of call id (see ToWorker's `done`). */
  const waiting = new Map<number, () => void>();
  /** Posts a fit event and resolves once the page's callback for it has returned. */
  const handOver = (id: number, event: EventName, data: object) =>
    new Promise<void>((resolve) => {
      waiting.set(id, resolve);
      post({ id, event, data: eventData(data) });
    });

  function current(): Session {
    if (!session) throw new ValueError('trainer', 'a trainer built by createWorkerTrainer', 'none yet');
    return session;
  }

  function build(spec: TrainerSpec): Session {
    expectObject('spec', spec, '{ model, optimizer, loss, … }');
    checkOptions('spec', spec, TRAINER_SPEC);
    const { model: modelSpec, optimizer: optimizerSpec, ...trainerOptions } = spec;
    const model = trainableFromSpec(ctx!, modelSpec);
    let optimizer: Optimizer | undefined;
    try {
      optimizer = optimizerFromSpec(model.params, optimizerSpec);
      return { model, optimizer, trainer: new Trainer<TrainableModel>(model, optimizer, trainerOptions) };
    } catch (e) {
      optimizer?.release();
      model.release();
      throw e;
    }
  }

  /** A new model, optimizer and trainer replace the old ones only once all three are built. */
  function replace(spec: TrainerSpec): void {
    const next = build(spec);
    release();
    session = next;
  }

  function release(): void {
    if (!session) return;
    session.trainer.release();
    session.optimizer.release();
    session.model.release();
    session = undefined;
  }

  /** The session's model when it is a Sequential; else a ValueError naming the call. */
  function sequential(call: string): Session & { model: Sequential } {
    const s = current();
    if (!(s.model instanceof Sequential))
      throw new ValueError(
        call,
        'a Sequential model in the worker',
        `a Seq2Seq (it trains on pairs and decodes with decode())`,
      );
    return s as Session & { model: Sequential };
  }

  /** The session's model when it is a Seq2Seq; else a ValueError naming the call. */
  function seq2seq(call: string): Session & { model: Seq2Seq } {
    const s = current();
    if (s.model instanceof Sequential)
      throw new ValueError(call, "a Seq2Seq in the worker (a spec { type: 'Seq2Seq', … })", 'a Sequential model');
    return s as Session & { model: Seq2Seq };
  }

  function tensorOf(argument: string, d: HostArray): Tensor {
    expectObject(argument, d, '{ data, shape } (a step takes one batch in the layout the model reads)');
    return ctx!.tensor(d.data, d.shape);
  }

  // Each method reads its arguments as the client sends them (client.ts). A Seq2Seq's forms (fit, evaluate and
  // step on pairs) send null where a Sequential's send targets: the call then needs a Seq2Seq, else a Sequential.
  const methods: Record<Method, (id: number, args: any) => Promise<unknown>> = {
    async init(_id, [backend, spec]: ['webgpu' | 'cpu', TrainerSpec]) {
      if (backend !== 'webgpu' && backend !== 'cpu')
        throw new ValueError('backend', "'webgpu' or 'cpu'", describeValue(backend));
      ctx ??= await createContext({ backend });
      replace(spec);
      return { kind: ctx.kind, adapter: ctx.adapter } satisfies InitResult;
    },
    async reset(_id, [spec]: [TrainerSpec]) {
      replace(spec);
    },
    async fit(
      id,
      [x, targets, options, callbacks]: [
        unknown,
        unknown,
        (FitOptions | TeacherForcedFitOptions) & { schedule?: ScheduleSpec },
        EventName[],
      ],
    ) {
      const pairs = targets === null;
      const { trainer, optimizer } = pairs ? seq2seq('fit(data, options)') : sequential('fit(x, targets, options)');
      expectObject('options', options, '{ epochs, batchSize, … }');
      stopRequested = false;
      const event = (name: EventName) => callbacks.includes(name);
      const schedule = options.schedule === undefined ? undefined : scheduleFromSpec(optimizer, options.schedule);
      // The page's callbacks run in order, each awaited before the fit goes on, as a direct fit's.
      const onStep = async (e: StepEvent | TeacherForcedStepEvent) => {
        if (event('step')) await handOver(id, 'step', e);
        else await nextTask();
        if (stopRequested) e.stop();
      };
      const onEpoch = async (e: EpochEvent | TeacherForcedEpochEvent) => {
        if (event('epoch')) await handOver(id, 'epoch', e);
        if (stopRequested) e.stop();
      };
      const onTrainEnd = event('trainEnd') ? (h: object) => handOver(id, 'trainEnd', h) : undefined;
      if (pairs)
        return trainer.fit(x as Seq2SeqData, {
          ...(options as TeacherForcedFitOptions),
          schedule,
          onStep,
          onEpoch,
          onTrainEnd,
        });
      const history: FitHistory = await trainer.fit(x as never, targets as never, {
        ...(options as FitOptions),
        schedule,
        onStep,
        onEpoch,
        onTrainEnd,
      });
      return history;
    },
    async evaluate(_id, [x, targets, options]) {
      if (targets === null) return seq2seq('evaluate(data, options)').trainer.evaluate(x, options);
      return sequential('evaluate(x, targets, options)').trainer.evaluate(x, targets, options);
    },
    async predict(_id, [x, options]) {
      return sequential('predict').trainer.predict(x, options);
    },
    async generate(id, [options, withTokens]: [GenerateOptions, boolean]) {
      expectObject('options', options, '{ prompt, steps, … }');
      const { model } = sequential('generate');
      return model.generate({
        ...options,
        onTokens: withTokens ? (chunk) => post({ id, event: 'tokens', data: chunk }) : undefined,
      });
    },
    async step(
      _id,
      [x, targets, options = {}]: [HostArray | Seq2SeqBatch, HostArray | null, { lengths?: SequenceLengths }],
    ) {
      if (targets === null) return seq2seq('step(batch)').trainer.step(x as Seq2SeqBatch);
      const { trainer } = sequential('step(x, targets, options)');
      checkOptions('options', options, ['lengths']);
      const xt = tensorOf('x', x as HostArray);
      try {
        const yt = tensorOf('targets', targets);
        try {
          return await trainer.step(xt, yt, options);
        } finally {
          yt.release();
        }
      } finally {
        xt.release();
      }
    },
    async decode(_id, [source, sourceLengths, options]: [ArrayLike<number>, ArrayLike<number>, Seq2SeqDecodeOptions]) {
      return seq2seq('decode').model.decode(source, sourceLengths, options);
    },
    async stateDict() {
      return current().model.stateDict();
    },
    async loadStateDict(_id, [dict, options]) {
      return current().model.loadStateDict(dict, options);
    },
    async saveWeights(_id, [options]) {
      return saveSafetensors(await current().model.stateDict(), options);
    },
    async loadWeights(_id, [bytes]: [Uint8Array]) {
      const { tensors, metadata } = loadSafetensors(bytes);
      current().model.loadStateDict(tensors);
      return { metadata };
    },
  };

  post({ id: READY, ok: true, value: null });
  endpoint.addEventListener('message', ({ data }) => {
    const message = data as ToWorker;
    if ('stop' in message) {
      stopRequested = true;
      return;
    }
    if ('done' in message) {
      waiting.get(message.done)?.();
      waiting.delete(message.done);
      return;
    }
    const { id, method, args } = message;
    (async () => methods[method](id, args))().then(
      (value) => post({ id, ok: true, value }, buffersOf(value)),
      (e) => post({ id, ok: false, error: serializeError(e) }),
    );
  });
}
