// JSON Patch (RFC 6902) on plain JSON values: the reference semantics applyPatchToText is tested against, and
// a way to patch a spec object without text. Returns a new value; the input is never modified.

import type { JsonPatchOperation } from '../spec/types';
import { JsonPatchError, arrayIndex, isProperPrefix, jsonEqual, segmentsOf } from './pointer';

type Container = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Container {
  return v !== null && typeof v === 'object';
}

function child(container: unknown, segment: string, pointer: string): unknown {
  if (Array.isArray(container)) return container[arrayIndex(segment, container.length, container.length - 1, false, pointer)];
  if (isContainer(container)) {
    if (!Object.prototype.hasOwnProperty.call(container, segment)) throw new JsonPatchError(`${pointer} does not exist`);
    return (container as Record<string, unknown>)[segment];
  }
  throw new JsonPatchError(`${pointer}: cannot go into ${container === null ? 'null' : `a ${typeof container}`}`);
}

function get(doc: unknown, pointer: string, field = 'path'): unknown {
  return segmentsOf(pointer, field).reduce((node, s) => child(node, s, pointer), doc);
}

function parent(doc: unknown, segments: string[], pointer: string): Container {
  const node = segments.slice(0, -1).reduce((n, s) => child(n, s, pointer), doc);
  if (!isContainer(node)) throw new JsonPatchError(`${pointer}: the parent is not an object or array`);
  return node;
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  const segments = segmentsOf(pointer);
  if (segments.length === 0) return value;
  const p = parent(doc, segments, pointer);
  const last = segments[segments.length - 1];
  if (Array.isArray(p)) p.splice(arrayIndex(last, p.length, p.length, true, pointer), 0, value);
  else p[last] = value;
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  const segments = segmentsOf(pointer);
  if (segments.length === 0) throw new JsonPatchError('cannot remove the whole document');
  const p = parent(doc, segments, pointer);
  const last = segments[segments.length - 1];
  if (Array.isArray(p)) p.splice(arrayIndex(last, p.length, p.length - 1, false, pointer), 1);
  else if (Object.prototype.hasOwnProperty.call(p, last)) delete p[last];
  else throw new JsonPatchError(`${pointer} does not exist`);
  return doc;
}

function needValue(op: JsonPatchOperation): unknown {
  if (!('value' in op) || op.value === undefined) throw new JsonPatchError(`"${op.op}" needs a "value"`);
  return structuredClone(op.value);
}

function fromOf(op: JsonPatchOperation): string {
  if (typeof op.from !== 'string') throw new JsonPatchError(`"${op.op}" needs a "from" pointer`);
  return op.from;
}

function applyOne(doc: unknown, op: JsonPatchOperation): unknown {
  switch (op.op) {
    case 'add':
      return add(doc, op.path, needValue(op));
    case 'remove':
      return remove(doc, op.path);
    case 'replace': {
      const value = needValue(op);
      get(doc, op.path);
      const segments = segmentsOf(op.path);
      if (segments.length === 0) return value;
      const p = parent(doc, segments, op.path);
      const last = segments[segments.length - 1];
      if (Array.isArray(p)) p[arrayIndex(last, p.length, p.length - 1, false, op.path)] = value;
      else p[last] = value;
      return doc;
    }
    case 'move': {
      const from = fromOf(op);
      const value = get(doc, from, 'from');
      if (from === op.path) return doc;
      if (isProperPrefix(from, op.path)) throw new JsonPatchError(`cannot move ${from} into its own child ${op.path}`);
      return add(remove(doc, from), op.path, value);
    }
    case 'copy':
      return add(doc, op.path, structuredClone(get(doc, fromOf(op), 'from')));
    case 'test': {
      const actual = get(doc, op.path);
      if (!jsonEqual(actual, needValue(op))) {
        throw new JsonPatchError(`test failed: ${op.path} is ${JSON.stringify(actual)}, not ${JSON.stringify(op.value)}`);
      }
      return doc;
    }
    default:
      throw new JsonPatchError(`unknown operation ${JSON.stringify((op as { op: unknown }).op)}`);
  }
}

/** Applies the operations in order to a copy of `value` and returns the copy (throws JsonPatchError like applyPatchToText). */
export function applyPatchToValue<T = unknown>(value: T, patch: JsonPatchOperation[]): T {
  let doc: unknown = structuredClone(value);
  patch.forEach((op, i) => {
    try {
      doc = applyOne(doc, op);
    } catch (err) {
      if (!(err instanceof JsonPatchError)) throw err;
      throw new JsonPatchError(`patch operation ${i + 1} (${op.op} ${op.path}): ${err.message}`);
    }
  });
  return doc as T;
}
