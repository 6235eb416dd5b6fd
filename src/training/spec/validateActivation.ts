// `activation`: a name such as "relu", or an object naming the activation and its parameters,
// `{ "type": "leakyRelu", "alpha": 0.2 }` (every layer that has an activation reads it here, so the object form is
// parsed in one place for dense, conv2d, activation, highway and recurrent layers alike).

import type { Node } from 'jsonc-parser';
import { rreluRange } from '../model/facts';
import { type NumberRange, Fields, checkKeys, describeValue, readEnum, readObject, requireProp } from './fields';
import type { Reporter } from './problems';
import { ACTIVATIONS, type ActivationName, type ActivationParams, type SpecPath } from './types';

export interface ActivationSetting {
  activation: ActivationName;
  /** Present only when the spec gave parameters (object form). */
  activationParams?: ActivationParams;
}

const SLOPE: NumberRange = { min: 0, max: 1, minExclusive: true, maxExclusive: true };

/** The parameters each activation takes and their ranges; an activation not listed takes none. */
const PARAMETERS: Partial<Record<ActivationName, Readonly<Record<string, NumberRange>>>> = {
  // A slope in (0, 1): 0 would be relu (units could die), 1 the identity.
  leakyRelu: { alpha: SLOPE },
  // α is the value −α the negative side tends to; 0 would make it relu.
  elu: { alpha: { min: 0, minExclusive: true, max: 10 } },
  rrelu: { lower: SLOPE, upper: SLOPE },
};
const ANY_PARAMETER = new Set(['type', ...Object.values(PARAMETERS).flatMap((p) => Object.keys(p))]);

const EXAMPLE = '{ "type": "leakyRelu", "alpha": 0.2 }';

/** A valid activation setting, or undefined after reporting why not. */
export function readActivation(r: Reporter, node: Node, path: SpecPath): ActivationSetting | undefined {
  if (node.type === 'string') {
    const activation = readEnum(r, node, path, 'activation', ACTIVATIONS);
    return activation ? { activation } : undefined;
  }
  if (node.type !== 'object') {
    r.error(
      'wrong-type',
      `activation must be a name (${ACTIVATIONS.join(', ')}) or an object such as ${EXAMPLE}, got ${describeValue(node)}`,
      node,
      path,
    );
    return undefined;
  }
  const obj = readObject(r, node, path, 'activation');
  if (!obj) return undefined;
  const typeProp = requireProp(r, obj, 'type', 'the activation object', ` (the activation's name, e.g. ${EXAMPLE})`);
  if (!typeProp) return undefined;
  const activation = readEnum(r, typeProp.value, typeProp.path, 'activation', ACTIVATIONS);
  if (!activation) return undefined;
  const before = r.errorCount;
  const ranges = PARAMETERS[activation] ?? {};
  const takes = Object.keys(ranges);
  checkKeys(
    r,
    obj,
    ['type', ...takes],
    takes.length > 0 ? `the ${activation} activation` : `the ${activation} activation (it takes no parameters)`,
    ANY_PARAMETER,
  );
  const f = new Fields(r, obj);
  const params: ActivationParams = {};
  for (const [name, range] of Object.entries(ranges)) {
    const value = f.optionalNumber(name, range);
    if (value !== undefined) params[name as keyof ActivationParams] = value;
  }
  if (activation === 'rrelu' && r.errorCount === before) {
    const { lower, upper } = rreluRange(params);
    if (lower > upper) {
      const at = obj.props.get('lower') ?? obj.props.get('upper')!;
      r.error('out-of-range', `"lower" (${lower}) must not exceed "upper" (${upper})`, at.value, at.path);
    }
  }
  if (r.errorCount !== before) return undefined;
  return Object.keys(params).length > 0 ? { activation, activationParams: params } : { activation };
}
