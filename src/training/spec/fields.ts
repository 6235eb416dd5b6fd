// Typed reading of syntax-tree values with positioned problems: objects, known keys, numbers in range, enums.

import type { Node } from 'jsonc-parser';
import { childPointer } from './positions';
import type { Reporter } from './problems';
import { didYouMean } from './suggest';
import type { SpecPath } from './types';

/** A property of an object in the spec: its key node (for unknown keys), value node and pointer. */
export interface Prop {
  name: string;
  key: Node;
  value: Node;
  path: SpecPath;
}

/** An object of the spec with its properties by name (the last one wins for duplicates, as in JSON.parse). */
export interface ObjectView {
  node: Node;
  path: SpecPath;
  props: Map<string, Prop>;
}

/** How a value is described in messages: `"32" (a string)`, `an object`, `0.5`. */
export function describeValue(node: Node): string {
  switch (node.type) {
    case 'object':
      return 'an object';
    case 'array':
      return `an array of ${(node.children ?? []).length} value(s)`;
    case 'null':
      return 'null';
    case 'string': {
      const s = String(node.value);
      return `${JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s)} (a string)`;
    }
    case 'boolean':
      return `${String(node.value)} (a boolean)`;
    case 'number':
    case 'property':
      return String(node.value);
  }
}

/** Reads an object, reporting `wrong-type` for anything else and `duplicate-property` for repeated keys. */
export function readObject(r: Reporter, node: Node, path: SpecPath, what: string): ObjectView | undefined {
  if (node.type !== 'object') {
    r.error('wrong-type', `${what} must be an object, got ${describeValue(node)}`, node, path);
    return undefined;
  }
  const props = new Map<string, Prop>();
  for (const prop of node.children ?? []) {
    const [key, value] = prop.children ?? [];
    // An incomplete property ("units": with no value) only exists after a syntax error, which stops parsing earlier.
    if (!key || !value) continue;
    const name = String(key.value);
    if (props.has(name)) {
      r.error(
        'duplicate-property',
        `"${name}" is given twice in ${what}; only the last one counts`,
        key,
        childPointer(path, name),
      );
    }
    props.set(name, { name, key, value, path: childPointer(path, name) });
  }
  return { node, path, props };
}

/** A property of an object node found without reporting anything (for checks across already validated objects). */
export function findProp(node: Node, path: SpecPath, name: string): Prop | undefined {
  if (node.type !== 'object') return undefined;
  let found: Prop | undefined;
  for (const prop of node.children ?? []) {
    const [key, value] = prop.children ?? [];
    if (key && value && key.value === name) found = { name, key, value, path: childPointer(path, name) };
  }
  return found;
}

/**
 * Reports every property not in `allowed`: `not-applicable` when `elsewhere` knows it (valid for another type
 * of this object), `unknown-property` otherwise, with the closest allowed name as a suggestion.
 */
export function checkKeys(
  r: Reporter,
  obj: ObjectView,
  allowed: readonly string[],
  what: string,
  elsewhere: ReadonlySet<string> = new Set(),
): void {
  for (const prop of obj.props.values()) {
    if (allowed.includes(prop.name)) continue;
    if (elsewhere.has(prop.name)) {
      r.error('not-applicable', `"${prop.name}" does not apply to ${what}; it takes: ${allowed.join(', ')}`, prop.key, prop.path);
      continue;
    }
    const hint = didYouMean(prop.name, allowed);
    const tail = hint !== '' ? hint : `; allowed: ${allowed.join(', ')}`;
    r.error('unknown-property', `unknown property "${prop.name}" in ${what}${tail}`, prop.key, prop.path);
  }
}

/** A required property, or a `missing-required` error at the object. */
export function requireProp(r: Reporter, obj: ObjectView, name: string, what: string, hint = ''): Prop | undefined {
  const prop = obj.props.get(name);
  if (!prop)
    r.error(
      'missing-required',
      `${what} is missing the required property "${name}"${hint}`,
      obj.node,
      childPointer(obj.path, name),
    );
  return prop;
}

/** Allowed numbers: integer or not, with optional inclusive or exclusive bounds. */
export interface NumberRange {
  integer?: boolean;
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

/** `an integer from 1 to 65536`, `a number > 0 and ≤ 10`, `a number ≥ 0`. */
export function describeRange(range: NumberRange): string {
  const noun = range.integer ? 'an integer' : 'a number';
  const { min, max } = range;
  if (min !== undefined && max !== undefined && !range.minExclusive && !range.maxExclusive) {
    return `${noun} from ${min} to ${max}`;
  }
  const parts: string[] = [];
  if (min !== undefined) parts.push(`${range.minExclusive ? '>' : '≥'} ${min}`);
  if (max !== undefined) parts.push(`${range.maxExclusive ? '<' : '≤'} ${max}`);
  return parts.length === 0 ? noun : `${noun} ${parts.join(' and ')}`;
}

/** Whether a finite number lies in a range (integer-ness included). */
export function inRange(value: number, range: NumberRange): boolean {
  if (range.integer && !Number.isInteger(value)) return false;
  if (range.min !== undefined && (range.minExclusive ? value <= range.min : value < range.min)) return false;
  if (range.max !== undefined && (range.maxExclusive ? value >= range.max : value > range.max)) return false;
  return true;
}

/** A number in range, or undefined after reporting `wrong-type`, `not-integer` or `out-of-range`. */
export function readNumber(r: Reporter, node: Node, path: SpecPath, label: string, range: NumberRange): number | undefined {
  const expected = describeRange(range);
  if (node.type !== 'number' || !Number.isFinite(node.value)) {
    r.error('wrong-type', `${label} must be ${expected}, got ${describeValue(node)}`, node, path);
    return undefined;
  }
  const value = node.value as number;
  if (range.integer && !Number.isInteger(value)) {
    r.error('not-integer', `${label} must be ${expected}, got ${value}`, node, path);
    return undefined;
  }
  if (!inRange(value, range)) {
    r.error('out-of-range', `${label} must be ${expected}, got ${value}`, node, path);
    return undefined;
  }
  return value;
}

export function readBoolean(r: Reporter, node: Node, path: SpecPath, label: string): boolean | undefined {
  if (node.type !== 'boolean') {
    r.error('wrong-type', `${label} must be true or false, got ${describeValue(node)}`, node, path);
    return undefined;
  }
  return node.value as boolean;
}

export function readString(r: Reporter, node: Node, path: SpecPath, label: string): string | undefined {
  if (node.type !== 'string') {
    r.error('wrong-type', `${label} must be a string, got ${describeValue(node)}`, node, path);
    return undefined;
  }
  if (String(node.value).trim() === '') {
    r.error('out-of-range', `${label} must not be empty`, node, path);
    return undefined;
  }
  return node.value as string;
}

/** One of a fixed list of names, or undefined after reporting `code` (default `unknown-value`) with a suggestion. */
export function readEnum<T extends string>(
  r: Reporter,
  node: Node,
  path: SpecPath,
  noun: string,
  values: readonly T[],
  code = 'unknown-value',
): T | undefined {
  if (node.type !== 'string') {
    r.error('wrong-type', `${noun} must be one of ${values.join(', ')}; got ${describeValue(node)}`, node, path);
    return undefined;
  }
  const value = String(node.value);
  if (!(values as readonly string[]).includes(value)) {
    r.error(code, `unknown ${noun} "${value}"; expected one of ${values.join(', ')}${didYouMean(value, values)}`, node, path);
    return undefined;
  }
  return value as T;
}

/** Readers bound to one object: absent properties give the default, invalid ones report and give the default too. */
export class Fields {
  constructor(
    readonly r: Reporter,
    readonly obj: ObjectView,
  ) {}

  prop(name: string): Prop | undefined {
    return this.obj.props.get(name);
  }

  has(name: string): boolean {
    return this.obj.props.has(name);
  }

  number(name: string, range: NumberRange, fallback: number): number {
    const p = this.prop(name);
    return p ? (readNumber(this.r, p.value, p.path, `"${name}"`, range) ?? fallback) : fallback;
  }

  optionalNumber(name: string, range: NumberRange): number | undefined {
    const p = this.prop(name);
    return p ? readNumber(this.r, p.value, p.path, `"${name}"`, range) : undefined;
  }

  boolean(name: string, fallback: boolean): boolean {
    const p = this.prop(name);
    return p ? (readBoolean(this.r, p.value, p.path, `"${name}"`) ?? fallback) : fallback;
  }

  enumValue<T extends string>(name: string, noun: string, values: readonly T[], fallback: T): T {
    const p = this.prop(name);
    return p ? (readEnum(this.r, p.value, p.path, noun, values) ?? fallback) : fallback;
  }
}
