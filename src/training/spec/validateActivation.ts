// `activation`: a name such as "relu" (every layer that has an activation reads it here, so the object form
// `{ "type": "leakyRelu", "alpha": 0.2 }` is parsed in one place for dense, conv2d, activation, highway and
// recurrent layers alike).

import type { Node } from 'jsonc-parser';
import { readEnum } from './fields';
import type { Reporter } from './problems';
import { ACTIVATIONS, type ActivationName, type ActivationParams, type SpecPath } from './types';

export interface ActivationSetting {
  activation: ActivationName;
  /** Present only when the spec gave parameters (object form). */
  activationParams?: ActivationParams;
}

/** A valid activation setting, or undefined after reporting why not. */
export function readActivation(r: Reporter, node: Node, path: SpecPath): ActivationSetting | undefined {
  const activation = readEnum(r, node, path, 'activation', ACTIVATIONS);
  return activation ? { activation } : undefined;
}
