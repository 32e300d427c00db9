// Activation functions by name, with the id each shader receives as its ACT override constant; the
// elementwise activation op's methods and checks.
import { ValueError, describeValue } from '../../core/errors.js';
import { checkSameShape } from '../../core/checks.js';
import type { Tensor } from '../../core/tensor.js';

export type ActivationName = 'identity' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'elu';

/** An activation and its parameter: the negative slope of leaky_relu (default 0.01), alpha of elu (default 1). */
export interface Activation {
  name: ActivationName;
  param: number;
}

export const ACTIVATION_IDS: Record<ActivationName, number> = {
  identity: 0,
  sigmoid: 1,
  tanh: 2,
  relu: 3,
  leaky_relu: 4,
  elu: 5,
};

const DEFAULT_PARAM: Record<ActivationName, number> = {
  identity: 0,
  sigmoid: 0,
  tanh: 0,
  relu: 0,
  leaky_relu: 0.01,
  elu: 1,
};

export type ActivationLike = ActivationName | { name: ActivationName; param?: number };

export function toActivation(argument: string, like: ActivationLike): Activation {
  const name = typeof like === 'string' ? like : like?.name;
  if (!(name in ACTIVATION_IDS)) {
    throw new ValueError(argument, `one of ${Object.keys(ACTIVATION_IDS).join(', ')}`, JSON.stringify(like));
  }
  const param = typeof like === 'string' || like.param === undefined ? DEFAULT_PARAM[name] : like.param;
  if (!Number.isFinite(param)) throw new ValueError(`${argument}.param`, 'a finite number', describeValue(param));
  return { name, param };
}

export interface ActivationMethods {
  /** h = f(a), elementwise. */
  activation(a: Tensor, activation: ActivationLike): Tensor;
  /** dA = f'(a) ⊙ dH, where h = f(a). */
  activationBackward(a: Tensor, h: Tensor, dh: Tensor, activation: ActivationLike): Tensor;
}

/** activationBackward's arguments: h and dh of a's shape; returns the activation. */
export function activationBackwardChecks(a: Tensor, h: Tensor, dh: Tensor, activation: ActivationLike): Activation {
  const act = toActivation('activation', activation);
  checkSameShape('h', h, a, 'a');
  checkSameShape('dh', dh, a, 'a');
  return act;
}
