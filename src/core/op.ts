// An op: one folder under src/ops/ whose index.ts declares it with defineOp — its public methods (typed
// and documented by the op's spec), the WGSL kernels it dispatches, and its two implementations, the f64
// CPU twin and the WebGPU host code, each taking its device first. src/ops/index.ts lists the ops; the
// backends install every op's methods from that list (installOps), so no backend grows a method per op.
import type { CpuDevice, GpuDevice } from './device.js';
import type { KernelSpec } from './kernel.js';

/** Each method of M with the device it runs on as a first parameter. */
export type OpImpl<M, D> = {
  [K in keyof M]: M[K] extends (...args: infer A) => infer R ? (device: D, ...args: A) => R : never;
};

export interface Op<M extends object = object> {
  readonly name: string;
  /** Every kernel the WebGPU side dispatches (test/kernel_specs.test.ts checks each against its WGSL). */
  readonly kernels: readonly KernelSpec[];
  readonly cpu: OpImpl<M, CpuDevice>;
  readonly webgpu: OpImpl<M, GpuDevice>;
}

/** Declares an op whose public methods are M (an interface in the op's spec.ts, with its documentation). */
export function defineOp<M extends object>(op: Op<M>): Op<M> {
  return op;
}

/** The methods an op adds to a backend. */
export type MethodsOf<O> = O extends Op<infer M> ? M : never;

/** Installs each op's methods on a backend class: `ctx.method(...args)` runs `impl(ctx, ...args)`. */
export function installOps(prototype: object, ops: readonly Op[], side: 'cpu' | 'webgpu'): void {
  const taken = new Set(Object.getOwnPropertyNames(prototype));
  for (const op of ops) {
    for (const [name, impl] of Object.entries(op[side]) as [
      string,
      (device: unknown, ...args: unknown[]) => unknown,
    ][]) {
      if (taken.has(name)) throw new Error(`op ${op.name}: method ${name} is already defined on the ${side} backend`);
      taken.add(name);
      // A method named as the op's (stack traces read `CpuBackend.matmul`), its arity that of the call.
      const method = {
        [name](this: unknown, ...args: unknown[]) {
          return impl(this, ...args);
        },
      }[name];
      Object.defineProperty(method, 'length', { value: Math.max(0, impl.length - 1) });
      Object.defineProperty(prototype, name, { value: method, writable: true, configurable: true });
    }
  }
}
