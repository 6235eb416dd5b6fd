// kernelInitializer / biasInitializer: a name such as "heNormal" or a parameterized object such as randomNormal.

import type { Node } from 'jsonc-parser';
import { Fields, checkKeys, describeValue, readEnum, readObject, requireProp } from './fields';
import type { Reporter } from './problems';
import { NAMED_INITIALIZERS, type InitializerSpec, type SpecPath } from './types';

const PARAMETERIZED = ['randomNormal', 'randomUniform', 'constant'] as const;
type ParameterizedType = (typeof PARAMETERIZED)[number];

const PROPERTIES: Readonly<Record<ParameterizedType, readonly string[]>> = {
  randomNormal: ['type', 'mean', 'stddev'],
  randomUniform: ['type', 'minval', 'maxval'],
  constant: ['type', 'value'],
};
const ANY_PROPERTY = new Set(Object.values(PROPERTIES).flat());

/** A valid initializer, or undefined after reporting why not. */
export function readInitializer(r: Reporter, node: Node, path: SpecPath, label: string): InitializerSpec | undefined {
  if (node.type === 'string') {
    const name = String(node.value);
    if ((PARAMETERIZED as readonly string[]).includes(name)) {
      r.error(
        'wrong-type',
        `${label} "${name}" needs parameters: write it as an object, e.g. ${example(name as ParameterizedType)}`,
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
      spec = { type, mean: f.number('mean', {}, 0), stddev: f.number('stddev', { min: 0, minExclusive: true }, 0.05) };
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

function example(type: ParameterizedType): string {
  switch (type) {
    case 'randomNormal':
      return '{ "type": "randomNormal", "mean": 0, "stddev": 0.05 }';
    case 'randomUniform':
      return '{ "type": "randomUniform", "minval": -0.05, "maxval": 0.05 }';
    case 'constant':
      return '{ "type": "constant", "value": 0.1 }';
  }
}
