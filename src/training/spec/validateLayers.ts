// Validates `layers` arrays entry by entry (every layer type, residual and dense blocks, repeat blocks) into LayerEntry trees.

import type { Node } from 'jsonc-parser';
import type { BlockType, LayerEntry, LayerFields, TransferSettings } from './expand';
import {
  Fields,
  type NumberRange,
  type ObjectView,
  checkKeys,
  describeValue,
  readEnum,
  readNumber,
  readObject,
  requireProp,
} from './fields';
import { childPointer } from './positions';
import type { Reporter } from './problems';
import {
  ACTIVATIONS,
  type ActivationName,
  type InitializerSpec,
  type KernelPenalties,
  type LayerType,
  type SpecPath,
} from './types';
import { type ActivationSetting, readActivation } from './validateActivation';
import { readInitializer } from './validateInitializer';
import { readKernelPenalties } from './validateRegularization';
import { ANY_LAYER_PROPERTY, LAYER_PROPERTIES, LAYER_TYPES, REPEAT_PROPERTIES } from './vocabulary';

const UNITS: NumberRange = { integer: true, min: 1, max: 65536 };
const REPEAT: NumberRange = { integer: true, min: 1, max: 1000 };
const WINDOW: NumberRange = { integer: true, min: 1 };
const PADDINGS = ['valid', 'same'] as const;

/**
 * Validates a `layers` array. The result has one slot per entry: the entry, or undefined when it (or anything
 * inside it) is invalid, so callers can stop shape checks at the first invalid layer instead of guessing past it.
 * Undefined overall when the value is not a non-empty array.
 */
export function validateLayerList(r: Reporter, node: Node, path: SpecPath): (LayerEntry | undefined)[] | undefined {
  if (node.type !== 'array') {
    r.error('wrong-type', `"layers" must be an array of layers, got ${describeValue(node)}`, node, path);
    return undefined;
  }
  const items = node.children ?? [];
  if (items.length === 0) {
    r.error('empty-layers', '"layers" must contain at least one layer', node, path);
    return undefined;
  }
  return items.map((item, i) => validateEntry(r, item, childPointer(path, i)));
}

function validateEntry(r: Reporter, node: Node, path: SpecPath): LayerEntry | undefined {
  const obj = readObject(r, node, path, 'a layer');
  if (!obj) return undefined;
  const typeProp = obj.props.get('type');
  if (!typeProp) {
    if (obj.props.has('repeat')) return validateRepeat(r, obj);
    r.error(
      'missing-required',
      `this layer has no "type"; expected one of ${LAYER_TYPES.join(', ')} (or a repeat block: { "repeat": n, "layers": [...] })`,
      node,
      childPointer(path, 'type'),
    );
    return undefined;
  }
  const type = readEnum(r, typeProp.value, typeProp.path, 'layer type', LAYER_TYPES, 'unknown-layer-type');
  if (!type) return undefined;
  const before = r.errorCount;
  const repeatProp = obj.props.get('repeat');
  if (repeatProp) {
    r.error(
      'not-applicable',
      `"repeat" cannot be combined with "type": write { "repeat": n, "layers": [ { "type": "${type}", ... } ] }`,
      repeatProp.key,
      repeatProp.path,
    );
  }
  checkKeys(r, obj, [...LAYER_PROPERTIES[type], 'repeat'], `a ${type} layer`, ANY_LAYER_PROPERTY);
  const range = r.lines.rangeOfNode(node);
  let children: LayerEntry[] = [];
  let fields: LayerFields | undefined;
  if (type === 'residual' || type === 'denseBlock') {
    const inner = readChildren(r, obj, type === 'residual' ? 'a residual block' : 'a denseBlock');
    if (inner) children = inner;
    fields = { type };
  } else {
    fields = readFields(r, obj, type);
  }
  const transfer = LAYER_PROPERTIES[type].includes('trainable') ? readTransfer(r, obj) : undefined;
  if (!fields || r.errorCount !== before) return undefined;
  return { kind: 'layer', fields, specPath: path, range, children, ...(transfer && { transfer }) };
}

/** `trainable` and `learningRateMultiplier` of a layer with weights or a block. */
function readTransfer(r: Reporter, obj: ObjectView): TransferSettings | undefined {
  const f = new Fields(r, obj);
  const settings: TransferSettings = {};
  if (f.has('trainable')) settings.trainable = f.boolean('trainable', true);
  const multiplier = f.optionalNumber('learningRateMultiplier', { min: 0, minExclusive: true, max: 100 });
  if (multiplier !== undefined) settings.learningRateMultiplier = multiplier;
  return Object.keys(settings).length > 0 ? settings : undefined;
}

function validateRepeat(r: Reporter, obj: ObjectView): LayerEntry | undefined {
  const before = r.errorCount;
  checkKeys(r, obj, REPEAT_PROPERTIES, 'a repeat block (it has no "type")', ANY_LAYER_PROPERTY);
  const countProp = obj.props.get('repeat');
  if (!countProp) return undefined;
  const count = readNumber(r, countProp.value, countProp.path, '"repeat"', REPEAT);
  const children = readChildren(r, obj, 'a repeat block');
  if (count === undefined || !children || r.errorCount !== before) return undefined;
  return { kind: 'repeat', count, specPath: obj.path, range: r.lines.rangeOfNode(obj.node), children };
}

/** The inner `layers` of a residual, denseBlock or repeat block; undefined when missing or when any inner entry is invalid. */
function readChildren(r: Reporter, obj: ObjectView, what: string): LayerEntry[] | undefined {
  const prop = requireProp(r, obj, 'layers', what);
  if (!prop) return undefined;
  const entries = validateLayerList(r, prop.value, prop.path);
  if (!entries || entries.some((e) => e === undefined)) return undefined;
  return entries as LayerEntry[];
}

function readFields(r: Reporter, obj: ObjectView, type: Exclude<LayerType, BlockType>): LayerFields | undefined {
  const f = new Fields(r, obj);
  const what = `a ${type} layer`;
  switch (type) {
    case 'dense': {
      const units = requiredNumber(r, obj, 'units', what, UNITS);
      return { type, units: units ?? 1, ...kernelSettings(r, f) };
    }
    case 'conv2d': {
      const filters = requiredNumber(r, obj, 'filters', what, UNITS);
      const kernelProp = requireProp(r, obj, 'kernelSize', what, ' (a number such as 3, or [height, width])');
      const kernelSize = kernelProp ? readPair(r, kernelProp.value, kernelProp.path, '"kernelSize"') : undefined;
      const strides = optionalPair(r, obj, 'strides') ?? [1, 1];
      return {
        type,
        filters: filters ?? 1,
        kernelSize: kernelSize ?? [1, 1],
        strides,
        padding: f.enumValue('padding', 'padding', PADDINGS, 'valid'),
        ...kernelSettings(r, f),
      };
    }
    case 'maxPooling2d': {
      const poolSize = optionalPair(r, obj, 'poolSize') ?? [2, 2];
      // Non-overlapping windows by default, as in Keras: strides follow poolSize unless given.
      const strides = optionalPair(r, obj, 'strides') ?? [poolSize[0], poolSize[1]];
      return { type, poolSize, strides, padding: f.enumValue('padding', 'padding', PADDINGS, 'valid') };
    }
    case 'flatten':
      return { type };
    case 'activation': {
      const prop = requireProp(r, obj, 'activation', what, ` (one of ${ACTIVATIONS.join(', ')})`);
      const setting = prop ? readActivation(r, prop.value, prop.path) : undefined;
      return { type, ...(setting ?? { activation: 'linear' }) };
    }
    case 'dropout':
    case 'alphaDropout': {
      const rate = requiredNumber(
        r,
        obj,
        'rate',
        what,
        { min: 0, max: 1, maxExclusive: true },
        ' (the fraction of units dropped, e.g. 0.2)',
      );
      return { type, rate: rate ?? 0 };
    }
    case 'gaussianNoise': {
      const stddev = requiredNumber(r, obj, 'stddev', what, { min: 0 }, ' (standard deviation of the added noise, e.g. 0.1)');
      return { type, stddev: stddev ?? 0 };
    }
    case 'groupNormalization': {
      // Whether `groups` divides the channels needs the input shape: shapes.ts checks it.
      const groups = requiredNumber(r, obj, 'groups', what, UNITS, ' (how many groups the channels are split into, e.g. 4)');
      return { type, groups: groups ?? 1, epsilon: f.number('epsilon', { min: 0, minExclusive: true }, 1e-3) };
    }
    case 'rmsNormalization':
      return { type, epsilon: f.number('epsilon', { min: 0, minExclusive: true }, 1e-6) };
    case 'batchNormalization':
      return {
        type,
        momentum: f.number('momentum', { min: 0, max: 1 }, 0.99),
        epsilon: f.number('epsilon', { min: 0, minExclusive: true }, 1e-3),
      };
    case 'layerNormalization':
      return { type, epsilon: f.number('epsilon', { min: 0, minExclusive: true }, 1e-3) };
    case 'highway': {
      const units = requiredNumber(r, obj, 'units', what, UNITS, ' (equal to the size of its input)');
      const setting = optionalActivation(r, f);
      const p = f.prop('activation');
      if (p && setting.activation === 'prelu') {
        // Its learned slopes would live inside the highway layer, where the optimizer does not see them.
        r.error(
          'unsupported-activation',
          'a highway layer cannot use activation "prelu" (its slopes would not be trained); use leakyRelu, elu or relu',
          p.value,
          p.path,
        );
      }
      return {
        type,
        units: units ?? 1,
        ...setting,
        transformBias: f.number('transformBias', {}, -2),
        ...initializers(r, f),
      };
    }
    case 'simpleRNN':
    case 'lstm':
    case 'gru':
      return recurrentFields(r, obj, f, type);
  }
}

/** The activations a TensorFlow.js recurrent cell takes by name (leakyRelu and softmax are not among them). */
const RECURRENT_ACTIVATIONS: readonly ActivationName[] = [
  'tanh',
  'relu',
  'sigmoid',
  'linear',
  'elu',
  'selu',
  'gelu',
  'swish',
  'mish',
];

const RATE: NumberRange = { min: 0, max: 1, maxExclusive: true };

function recurrentFields(r: Reporter, obj: ObjectView, f: Fields, type: 'simpleRNN' | 'lstm' | 'gru'): LayerFields {
  const units = requiredNumber(r, obj, 'units', `a ${type} layer`, UNITS);
  const p = f.prop('activation');
  let setting: ActivationSetting = { activation: 'tanh' };
  if (p) {
    const read = readActivation(r, p.value, p.path);
    if (read && p.value.type !== 'string') {
      // tfjs's recurrent cells take their activation by name: parameters (elu's alpha) would be silently dropped.
      r.error(
        'unsupported-activation',
        `a ${type} layer takes its activation by name only (one of ${RECURRENT_ACTIVATIONS.join(', ')}), without parameters`,
        p.value,
        p.path,
      );
    } else if (read && !RECURRENT_ACTIVATIONS.includes(read.activation)) {
      r.error(
        'unsupported-activation',
        `a ${type} layer cannot use activation "${read.activation}"; use one of ${RECURRENT_ACTIVATIONS.join(', ')}`,
        p.value,
        p.path,
      );
    } else if (read) {
      setting = read;
    }
  }
  return {
    type,
    units: units ?? 1,
    ...setting,
    kernelInitializer: initializer(r, f, 'kernelInitializer', 'glorotUniform'),
    recurrentInitializer: initializer(r, f, 'recurrentInitializer', 'orthogonal'),
    biasInitializer: initializer(r, f, 'biasInitializer', 'zeros'),
    returnSequences: f.boolean('returnSequences', false),
    dropout: f.number('dropout', RATE, 0),
    recurrentDropout: f.number('recurrentDropout', RATE, 0),
    ...readKernelPenalties(r, f),
  };
}

function initializer(r: Reporter, f: Fields, name: string, fallback: InitializerSpec): InitializerSpec {
  const p = f.prop(name);
  return p ? (readInitializer(r, p.value, p.path, `"${name}"`) ?? fallback) : fallback;
}

interface InitializerSettings {
  kernelInitializer: InitializerSpec;
  biasInitializer: InitializerSpec;
}

interface KernelSettings extends ActivationSetting, InitializerSettings, KernelPenalties {
  useBias: boolean;
  weightNormalization?: true;
}

function initializers(r: Reporter, f: Fields): InitializerSettings {
  return {
    kernelInitializer: initializer(r, f, 'kernelInitializer', 'glorotUniform'),
    biasInitializer: initializer(r, f, 'biasInitializer', 'zeros'),
  };
}

function kernelSettings(r: Reporter, f: Fields): KernelSettings {
  const weightNormalization = f.boolean('weightNormalization', false);
  const penalties = readKernelPenalties(r, f);
  const constraint = f.prop('kernelConstraint');
  if (weightNormalization && constraint) {
    r.error(
      'not-applicable',
      '"kernelConstraint" cannot be combined with "weightNormalization": the norm of each unit\'s weights is then the learned gain g, ' +
        'which a maxNorm on v would not limit; drop one of them',
      constraint.key,
      constraint.path,
    );
  }
  return {
    ...optionalActivation(r, f),
    useBias: f.boolean('useBias', true),
    ...initializers(r, f),
    ...(weightNormalization ? { weightNormalization } : {}),
    ...penalties,
  };
}

/** The `activation` property when given (string or object form), else linear. */
export function optionalActivation(r: Reporter, f: Fields): ActivationSetting {
  const p = f.prop('activation');
  return (p && readActivation(r, p.value, p.path)) || { activation: 'linear' };
}

function requiredNumber(
  r: Reporter,
  obj: ObjectView,
  name: string,
  what: string,
  range: NumberRange,
  hint = '',
): number | undefined {
  const prop = requireProp(r, obj, name, what, hint);
  return prop ? readNumber(r, prop.value, prop.path, `"${name}"`, range) : undefined;
}

function optionalPair(r: Reporter, obj: ObjectView, name: string): [number, number] | undefined {
  const prop = obj.props.get(name);
  return prop ? readPair(r, prop.value, prop.path, `"${name}"`) : undefined;
}

/** A window size: one integer for both axes, or [height, width]. */
function readPair(r: Reporter, node: Node, path: SpecPath, label: string): [number, number] | undefined {
  if (node.type === 'number') {
    const n = readNumber(r, node, path, label, WINDOW);
    return n === undefined ? undefined : [n, n];
  }
  if (node.type !== 'array' || (node.children ?? []).length !== 2) {
    r.error('wrong-type', `${label} must be an integer ≥ 1 or a pair [height, width], got ${describeValue(node)}`, node, path);
    return undefined;
  }
  const [h, w] = (node.children as Node[]).map((c, i) => readNumber(r, c, childPointer(path, i), `${label}[${i}]`, WINDOW));
  return h === undefined || w === undefined ? undefined : [h, w];
}
