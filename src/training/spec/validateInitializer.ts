// kernelInitializer / biasInitializer: a name such as "heNormal" or a parameterized object such as randomNormal,
// orthogonal (gain) or varianceScaling (the rule Glorot, He and LeCun are special cases of).

import type { Node } from 'jsonc-parser';
import { Fields, checkKeys, describeValue, readEnum, readObject, requireProp } from './fields';
import type { Reporter } from './problems';
import { NAMED_INITIALIZERS, type InitializerSpec, type NamedInitializer, type SpecPath } from './types';

const PARAMETERIZED = ['randomNormal', 'truncatedNormal', 'randomUniform', 'constant', 'orthogonal', 'varianceScaling'] as const;
type ParameterizedType = (typeof PARAMETERIZED)[number];
/** Names that are also initializer names on their own (their parameters have defaults). */
type RequiresParameters = Exclude<ParameterizedType, NamedInitializer>;

const PROPERTIES: Readonly<Record<ParameterizedType, readonly string[]>> = {
  randomNormal: ['type', 'mean', 'stddev'],
  truncatedNormal: ['type', 'mean', 'stddev'],
  randomUniform: ['type', 'minval', 'maxval'],
  constant: ['type', 'value'],
  orthogonal: ['type', 'gain'],
  varianceScaling: ['type', 'scale', 'mode', 'distribution'],
};
const MODES = ['fanIn', 'fanOut', 'fanAvg'] as const;
const DISTRIBUTIONS = ['normal', 'uniform'] as const;
const POSITIVE = { min: 0, minExclusive: true };
const ANY_PROPERTY = new Set(Object.values(PROPERTIES).flat());

/** A valid initializer, or undefined after reporting why not. */
export function readInitializer(r: Reporter, node: Node, path: SpecPath, label: string): InitializerSpec | undefined {
  if (node.type === 'string') {
    const name = String(node.value);
    if ((PARAMETERIZED as readonly string[]).includes(name) && !(NAMED_INITIALIZERS as readonly string[]).includes(name)) {
      r.error(
        'wrong-type',
        `${label} "${name}" needs parameters: write it as an object, e.g. ${example(name as RequiresParameters)}`,
        node,
        path,
      );
      return undefined;
    }
    return readEnum(r, node, path, 'initializer', NAMED_INITIALIZERS);
  }
  if (node.type !== 'object') {
    r.error(
      'wrong-type',
      `${label} must be an initializer name (${NAMED_INITIALIZERS.join(', ')}) or an object such as ${example('randomNormal')}, got ${describeValue(node)}`,
      node,
      path,
    );
    return undefined;
  }
  const obj = readObject(r, node, path, label);
  if (!obj) return undefined;
  const typeProp = requireProp(r, obj, 'type', `${label}`, ` (one of ${PARAMETERIZED.join(', ')})`);
  if (!typeProp) return undefined;
  const type = readEnum(r, typeProp.value, typeProp.path, 'initializer type', PARAMETERIZED);
  if (!type) return undefined;
  const before = r.errorCount;
  checkKeys(r, obj, PROPERTIES[type], `a ${type} initializer`, ANY_PROPERTY);
  const f = new Fields(r, obj);
  let spec: InitializerSpec;
  switch (type) {
    case 'randomNormal':
    case 'truncatedNormal':
      spec = { type, mean: f.number('mean', {}, 0), stddev: f.number('stddev', POSITIVE, 0.05) };
      break;
    case 'orthogonal':
      spec = { type, gain: f.number('gain', POSITIVE, 1) };
      break;
    case 'varianceScaling':
      spec = {
        type,
        scale: f.number('scale', POSITIVE, 1),
        mode: f.enumValue('mode', 'varianceScaling mode', MODES, 'fanIn'),
        distribution: f.enumValue('distribution', 'varianceScaling distribution', DISTRIBUTIONS, 'normal'),
      };
      break;
    case 'randomUniform': {
      const minval = f.number('minval', {}, -0.05);
      const maxval = f.number('maxval', {}, 0.05);
      if (r.errorCount === before && !(minval < maxval)) {
        const at = obj.props.get('maxval') ?? obj.props.get('minval');
        r.error(
          'out-of-range',
          `"minval" (${minval}) must be less than "maxval" (${maxval})`,
          at ? at.value : obj.node,
          at ? at.path : path,
        );
      }
      spec = { type, minval, maxval };
      break;
    }
    case 'constant': {
      const valueProp = requireProp(r, obj, 'value', 'a constant initializer');
      spec = { type, value: valueProp ? f.number('value', {}, 0) : 0 };
      break;
    }
  }
  return r.errorCount === before ? spec : undefined;
}

function example(type: RequiresParameters): string {
  switch (type) {
    case 'randomNormal':
      return '{ "type": "randomNormal", "mean": 0, "stddev": 0.05 }';
    case 'truncatedNormal':
      return '{ "type": "truncatedNormal", "mean": 0, "stddev": 0.05 }';
    case 'varianceScaling':
      return '{ "type": "varianceScaling", "scale": 2, "mode": "fanIn", "distribution": "normal" }';
    case 'randomUniform':
      return '{ "type": "randomUniform", "minval": -0.05, "maxval": 0.05 }';
    case 'constant':
      return '{ "type": "constant", "value": 0.1 }';
  }
}
