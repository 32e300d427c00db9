// One long operation at a time per model. fit, evaluate, predict, generate and Trainer.step await readbacks;
// a second one started meanwhile would run the same layers (a recurrent layer frees its previous outputs
// on its next call) and could leave the model in the other's train/eval mode. The rule: the second is
// refused with ModelBusyError and the first goes on as if alone, whatever the callbacks do. The model
// stays taken while a fit callback runs; the callback reaches the model through its event's evaluate,
// predict and generate (see guest), which hold the running fit itself — no timing decides who calls.
import { ModelBusyError, ValueError } from './errors.js';

/** A running operation on a model (given to its body by exclusive). */
export interface Operation {
  readonly op: string;
}

interface Running extends Operation {
  /** True only while the operation itself calls Trainer.step (its synchronous check lets that call through). */
  ownStep?: boolean;
  /** The call of the operation's callback now running: its event's tools (guest) may use the model. */
  inCallback?: CallbackScope;
  /** An operation started through a callback's event, until it settles. */
  guest?: { op: string; settled: Promise<unknown> };
  /** A fit's callback tools, named in the error a busy call gets. */
  tools?: readonly string[];
}
const running = new WeakMap<object, Running>();

/** From inside a fit callback the model is reached through the event's tools (those of the running fit). */
function toolsHint(tools: readonly string[]): string {
  const calls = tools.map((t) => `e.${t}()`);
  return `; from a fit callback, use its event's ${calls.slice(0, -1).join(', ')} or ${calls.at(-1)}`;
}

function busy(op: string, other: Running): ModelBusyError {
  const hint = other.tools ? toolsHint(other.tools) : '';
  return new ModelBusyError(
    `${op}(): the model is still running ${other.op}(); await it before starting ${op}()${hint}`,
  );
}

/**
 * Runs `op` on `model`, refusing with ModelBusyError while another operation runs on it; `tools`: the
 * callback tools a fit's events carry (the error another call gets names them).
 */
export async function exclusive<T>(
  model: object,
  op: string,
  run: (self: Operation) => Promise<T>,
  tools?: readonly string[],
): Promise<T> {
  const other = running.get(model);
  if (other) throw busy(op, other);
  const mine: Running = { op, tools };
  running.set(model, mine);
  try {
    return await run(mine);
  } finally {
    if (running.get(model) === mine) running.delete(model);
  }
}

/** Refuses a Trainer.step started on a model while an operation runs on it (other than that operation's own steps). */
export function refuseWhileBusy(model: object, op: string): void {
  const other = running.get(model);
  if (other && !other.ownStep) throw busy(op, other);
}

/** Calls the running operation's own Trainer.step: its busy check runs synchronously inside `call`. */
export function ownStep<T>(model: object, call: () => T): T {
  const mine = running.get(model);
  if (mine) mine.ownStep = true;
  try {
    return call();
  } finally {
    if (mine) mine.ownStep = false;
  }
}

/**
 * Takes the model for a Trainer.step's readback (called synchronously after refuseWhileBusy, before the
 * step's first await) and returns what gives it back; a running operation's own step leaves it as it is.
 */
export function holdForReadback(model: object, op: string): () => void {
  const other = running.get(model);
  if (other?.ownStep) return () => {};
  if (other) throw busy(op, other);
  const mine: Running = { op };
  running.set(model, mine);
  return () => {
    if (running.get(model) === mine) running.delete(model);
  };
}

/** One call of a running operation's callback: what the tools on its event hold (see guest). */
export interface CallbackScope {
  readonly owner: Operation;
}

export function callbackScope(owner: Operation): CallbackScope {
  return { owner };
}

/**
 * Awaits one call of a callback of the running operation (scope.owner) with the model still taken: only
 * operations started through that call's event (guest) may use it meanwhile. One such operation left
 * running when the callback returns is awaited, then refused by name: the owner does not go on beside it.
 */
export async function duringCallback(scope: CallbackScope, callback: () => void | Promise<void>): Promise<void> {
  const mine = scope.owner as Running;
  mine.inCallback = scope;
  let failed = false;
  try {
    await callback();
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    mine.inCallback = undefined;
    const left = mine.guest;
    if (left) {
      await left.settled;
      if (!failed)
        throw new ModelBusyError(
          `${mine.op}(): a callback started ${left.op}() on the model without awaiting it (await e.${left.op}() in the callback)`,
        );
    }
  }
}

/**
 * Runs `op` for one call of a callback of the running operation (a fit callback's e.evaluate, e.predict,
 * e.generate): allowed while that call runs and no other such operation does.
 */
export async function guest<T>(model: object, scope: CallbackScope, op: string, run: () => Promise<T>): Promise<T> {
  const mine = scope.owner as Running;
  if (running.get(model) !== mine)
    throw new ValueError(
      `e.${op}`,
      `a call while the ${mine.op}() callback that got it runs (await it there)`,
      `a call after ${mine.op}() ended (call ${op}() on the trainer or model directly)`,
    );
  if (mine.inCallback !== scope)
    throw new ModelBusyError(
      `e.${op}(): the model is still running ${mine.op}(); an event's ${op}() runs only while the callback that got it does (await it there)`,
    );
  if (mine.guest)
    throw new ModelBusyError(
      `e.${op}(): the callback's ${mine.guest.op}() is still running; await it before starting ${op}()`,
    );
  let settle!: () => void;
  const entry = { op, settled: new Promise<void>((resolve) => (settle = resolve)) };
  mine.guest = entry; // before run starts: a call it makes on the event is refused as a second one
  try {
    return await run();
  } finally {
    if (mine.guest === entry) mine.guest = undefined;
    settle();
  }
}
