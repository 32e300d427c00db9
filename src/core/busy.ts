// One long operation at a time per model. fit, evaluate, predict and generate await readbacks between
// their steps; a second one started meanwhile would run the same layers (a recurrent layer frees its
// previous outputs on its next call) and could leave the model in the other's train/eval mode.
import { ModelBusyError } from './errors.js';

interface Running {
  op: string;
  /** True only while the operation itself calls Trainer.step (its synchronous check lets that call through). */
  ownStep?: boolean;
}
const running = new WeakMap<object, Running>();

/** Runs `op` on `model`, refusing with ModelBusyError while another operation runs on it. */
export async function exclusive<T>(model: object, op: string, run: () => Promise<T>): Promise<T> {
  const other = running.get(model);
  if (other)
    throw new ModelBusyError(`${op}(): the model is still running ${other.op}(); await it before starting ${op}()`);
  const mine: Running = { op };
  running.set(model, mine);
  try {
    return await run();
  } finally {
    if (running.get(model) === mine) running.delete(model);
  }
}

/** Refuses a Trainer.step started on a model while an operation runs on it (other than that operation's own steps). */
export function refuseWhileBusy(model: object, op: string): void {
  const other = running.get(model);
  if (other && !other.ownStep)
    throw new ModelBusyError(`${op}(): the model is still running ${other.op}(); await it before starting ${op}()`);
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

/** Awaits a user callback with the model free (it may evaluate or generate), then takes the model back. */
export async function withModelFree(model: object, callback: () => void | Promise<void>): Promise<void> {
  const mine = running.get(model);
  running.delete(model);
  try {
    await callback();
  } finally {
    const left = running.get(model);
    if (left)
      throw new ModelBusyError(`${mine?.op}(): a callback started ${left.op}() on the model without awaiting it`);
    if (mine) running.set(model, mine);
  }
}
