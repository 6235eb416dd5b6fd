// JSON Pointer (RFC 6901) handling shared by the text and value patchers: parsing, array indices, errors.

import { fromPointer } from '../spec/positions';

/** A JSON Patch operation that cannot be applied: a failed `test`, a path that does not exist, a bad value. */
export class JsonPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

/** The segments of a pointer; throws for text that is not a JSON Pointer. */
export function segmentsOf(pointer: string, field = 'path'): string[] {
  const segments = typeof pointer === 'string' ? fromPointer(pointer) : undefined;
  if (!segments)
    throw new JsonPatchError(`"${field}" must be a JSON Pointer such as /model/layers/0, got ${JSON.stringify(pointer)}`);
  return segments;
}

/**
 * An array index segment: a canonical non-negative integer (no leading zeros), or `-` (one past the end) when
 * `dashAllowed`. Throws when it is neither or when it lies outside [0, max].
 */
export function arrayIndex(segment: string, length: number, max: number, dashAllowed: boolean, pointer: string): number {
  if (segment === '-' && dashAllowed) return length;
  if (!/^(0|[1-9][0-9]*)$/.test(segment)) {
    throw new JsonPatchError(`${pointer}: "${segment}" is not an array index`);
  }
  const index = Number(segment);
  if (index > max) throw new JsonPatchError(`${pointer}: index ${index} is out of range (the array has ${length} element(s))`);
  return index;
}

/** Structural equality of JSON values (key order ignored), as the `test` operation compares them. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.prototype.hasOwnProperty.call(b, k) &&
      jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** True when `path` names a location strictly inside `from` (a value cannot be moved into itself). */
export function isProperPrefix(from: string, path: string): boolean {
  return path.startsWith(from + '/');
}
