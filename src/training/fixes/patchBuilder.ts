// Builds a fix's RFC 6902 operations against the spec as the user wrote it (parsed specs fill defaults, so only the
// file text says whether a property is there): `replace` what exists, `add` what does not, creating missing parent
// objects and expanding shorthands (`"optimizer": "sgd"` → `{ "type": "sgd", ... }`). The builder applies its own
// operations to a copy of the document as it goes, so later operations of the same fix see earlier ones.
import * as fs from 'fs';
import { parse, type ParseError } from 'jsonc-parser';
import { applyPatchToValue } from './applyPatch';
import { childPointer, fromPointer } from '../spec/positions';
import type { JsonPatchOperation } from '../spec/types';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The spec's raw JSON (comments dropped), or undefined when the text is unavailable or not JSON. */
export function readSpecDocument(specText: string | undefined, specFile: string | undefined): unknown {
  let text = specText;
  if (text === undefined && specFile) {
    try {
      text = fs.readFileSync(specFile, 'utf8');
    } catch {
      return undefined;
    }
  }
  if (text === undefined) return undefined;
  const errors: ParseError[] = [];
  const value: unknown = parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, errors, { allowTrailingComma: true });
  return errors.length === 0 && value !== null && typeof value === 'object' ? value : undefined;
}

function isObject(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function child(v: unknown, key: string): unknown {
  if (Array.isArray(v)) return /^\d+$/.test(key) ? v[Number(key)] : undefined;
  return isObject(v) && Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined;
}

/** The value at a JSON Pointer in a plain value, or undefined. */
export function valueAt(doc: unknown, pointer: string): unknown {
  const segments = fromPointer(pointer);
  if (!segments) return undefined;
  let v: unknown = doc;
  for (const s of segments) {
    v = child(v, s);
    if (v === undefined) return undefined;
  }
  return v;
}

function parentOf(pointer: string): { parent: string; key: string } {
  const at = pointer.lastIndexOf('/');
  return {
    parent: pointer.slice(0, at),
    key: pointer
      .slice(at + 1)
      .replace(/~1/g, '/')
      .replace(/~0/g, '~'),
  };
}

/** The object form of a shorthand value (`"sgd"` → `{ type: "sgd" }`, `true` → `{}`). */
function expandShorthand(v: unknown): Record<string, Json> {
  return typeof v === 'string' ? { type: v } : {};
}

export class PatchBuilder {
  readonly ops: JsonPatchOperation[] = [];
  private doc: unknown;

  /** `doc` undefined: the spec text is unknown, so properties are written with `add` (valid whether or not present). */
  constructor(doc: unknown) {
    this.doc = doc === undefined ? undefined : structuredClone(doc);
  }

  get blind(): boolean {
    return this.doc === undefined;
  }

  has(pointer: string): boolean {
    return this.doc !== undefined && valueAt(this.doc, pointer) !== undefined;
  }

  get(pointer: string): unknown {
    return this.doc === undefined ? undefined : valueAt(this.doc, pointer);
  }

  /** Sets a property, creating missing parent objects and expanding shorthand parents. */
  set(pointer: string, value: unknown): this {
    if (this.doc === undefined) return this.push({ op: 'add', path: pointer, value });
    if (valueAt(this.doc, pointer) !== undefined) return this.push({ op: 'replace', path: pointer, value });
    // Find the deepest ancestor that exists; build the rest as nested objects.
    const { parent, key } = parentOf(pointer);
    const container = valueAt(this.doc, parent);
    if (isObject(container)) return this.push({ op: 'add', path: pointer, value });
    if (container !== undefined && parent !== '') {
      // A shorthand (string/boolean) where an object is needed: replace it with its object form.
      const expanded = { ...expandShorthand(container), [key]: value as Json };
      return this.push({ op: 'replace', path: parent, value: expanded });
    }
    return this.set(parent, { [key]: value as Json });
  }

  /** Inserts `value` into the array holding `elementPointer`, right after that element. */
  insertAfter(elementPointer: string, value: unknown): this {
    const { parent, key } = parentOf(elementPointer);
    return this.push({ op: 'add', path: childPointer(parent, Number(key) + 1), value });
  }

  /** Moves the value at `from` to `pointer` (RFC 6902 `move`). */
  move(from: string, pointer: string): this {
    return this.push({ op: 'move', from, path: pointer });
  }

  remove(pointer: string): this {
    if (this.doc !== undefined && valueAt(this.doc, pointer) === undefined) return this;
    return this.push({ op: 'remove', path: pointer });
  }

  private push(op: JsonPatchOperation): this {
    this.ops.push(op);
    // Keep the builder's copy in step, so later operations of the same fix see this one.
    if (this.doc !== undefined) this.doc = applyPatchToValue(this.doc, [op]);
    return this;
  }
}
