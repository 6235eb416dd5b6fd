// JSON Patch (RFC 6902) applied to JSONC text, keeping comments and formatting: the fixes of lint findings and
// runtime diagnostics are patches on the spec, and the user's file must come back as they wrote it, changed
// only where the patch says. Pure functions: no I/O, no state.

import { type Edit, type Node, type ParseError, applyEdits, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import { PARSE_OPTIONS } from '../spec/syntax';
import type { JsonPatchOperation } from '../spec/types';
import { JsonPatchError, arrayIndex, isProperPrefix, jsonEqual, segmentsOf } from './pointer';
import { insertElement, insertProperty, removeChild, replaceValue } from './textEdits';
import { type TextStyle, inferStyle } from './textLayout';

export { JsonPatchError } from './pointer';
export { applyPatchToValue } from './valuePatch';

/**
 * Applies the operations in order to JSONC text and returns the new text. Supports add (object members, array
 * insertion at an index or `-`), remove, replace, move, copy and test. Comments and layout outside the changed
 * values are kept; new values are written in the style of their neighbours. Throws a JsonPatchError for a failed
 * `test`, a path that does not exist or text that is not valid JSONC; the input is never modified.
 */
export function applyPatchToText(text: string, patch: JsonPatchOperation[]): string {
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  let body = bom ? text.slice(1) : text;
  const style = inferStyle(body);
  patch.forEach((op, i) => {
    try {
      body = applyOperation(body, op, style);
    } catch (err) {
      if (!(err instanceof JsonPatchError)) throw err;
      throw new JsonPatchError(`patch operation ${i + 1} (${describe(op)}): ${err.message}`);
    }
  });
  return bom + body;
}

function describe(op: JsonPatchOperation): string {
  return op && typeof op === 'object' ? `${String(op.op)} ${String(op.path)}` : String(op);
}

function parseText(text: string): Node {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, PARSE_OPTIONS);
  if (errors.length > 0 || !root) {
    const first = errors[0];
    throw new JsonPatchError(
      `the text is not valid JSON with comments${first ? ` (${printParseErrorCode(first.error)} at offset ${first.offset})` : ''}`,
    );
  }
  return root;
}

/** The child of an object (its last property of that name, as JSON.parse reads duplicates) or array. */
interface Slot {
  /** The value node, when the slot holds one. */
  node?: Node;
  /** Index of the property node (objects) or element (arrays) among the container's children. */
  index: number;
}

function childSlot(container: Node, segment: string, pointer: string, forInsert: boolean): Slot {
  const children = container.children ?? [];
  if (container.type === 'object') {
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, value] = children[i].children ?? [];
      if (key?.value === segment) return { node: value, index: i };
    }
    return { index: children.length };
  }
  if (container.type === 'array') {
    const max = forInsert ? children.length : children.length - 1;
    const index = arrayIndex(segment, children.length, max, forInsert, pointer);
    return { node: children[index], index };
  }
  throw new JsonPatchError(`${pointer}: cannot go into ${container.type === 'null' ? 'null' : `a ${container.type}`}`);
}

/** The container that holds the last segment, which must exist. */
function parentOf(root: Node, segments: string[], pointer: string): Node {
  let node = root;
  for (const segment of segments.slice(0, -1)) {
    const slot = childSlot(node, segment, pointer, false);
    if (!slot.node) throw new JsonPatchError(`${pointer}: "${segment}" does not exist`);
    node = slot.node;
  }
  return node;
}

function valueAt(root: Node, pointer: string, field = 'path'): Node {
  const segments = segmentsOf(pointer, field);
  if (segments.length === 0) return root;
  const parent = parentOf(root, segments, pointer);
  const slot = childSlot(parent, segments[segments.length - 1], pointer, false);
  if (!slot.node) throw new JsonPatchError(`${pointer} does not exist`);
  return slot.node;
}

function needValue(op: JsonPatchOperation): unknown {
  if (!('value' in op) || op.value === undefined) throw new JsonPatchError(`"${op.op}" needs a "value"`);
  return op.value;
}

function applyOperation(text: string, op: JsonPatchOperation, style: TextStyle): string {
  if (!op || typeof op !== 'object') throw new JsonPatchError('an operation must be an object');
  const root = parseText(text);
  switch (op.op) {
    case 'add':
      return add(text, root, op.path, needValue(op), style);
    case 'replace': {
      const value = needValue(op);
      return edit(text, replaceValue(text, valueAt(root, op.path), value, style));
    }
    case 'remove':
      return remove(text, root, op.path);
    case 'test': {
      const actual: unknown = getNodeValue(valueAt(root, op.path));
      if (!jsonEqual(actual, needValue(op))) {
        throw new JsonPatchError(`test failed: ${op.path} is ${JSON.stringify(actual)}, not ${JSON.stringify(op.value)}`);
      }
      return text;
    }
    case 'move': {
      const from = fromOf(op);
      const value: unknown = getNodeValue(valueAt(root, from, 'from'));
      if (from === op.path) return text;
      if (isProperPrefix(from, op.path)) throw new JsonPatchError(`cannot move ${from} into its own child ${op.path}`);
      const removed = remove(text, root, from);
      return add(removed, parseText(removed), op.path, value, style);
    }
    case 'copy': {
      const value: unknown = getNodeValue(valueAt(root, fromOf(op), 'from'));
      return add(text, root, op.path, value, style);
    }
    default:
      throw new JsonPatchError(
        `unknown operation ${JSON.stringify((op as { op: unknown }).op)} (add, remove, replace, move, copy, test)`,
      );
  }
}

function fromOf(op: JsonPatchOperation): string {
  if (typeof op.from !== 'string') throw new JsonPatchError(`"${op.op}" needs a "from" pointer`);
  return op.from;
}

function add(text: string, root: Node, pointer: string, value: unknown, style: TextStyle): string {
  const segments = segmentsOf(pointer);
  if (segments.length === 0) return edit(text, replaceValue(text, root, value, style));
  const parent = parentOf(root, segments, pointer);
  const last = segments[segments.length - 1];
  const slot = childSlot(parent, last, pointer, true);
  if (parent.type === 'object') {
    if (slot.node) return edit(text, replaceValue(text, slot.node, value, style));
    return edit(text, insertProperty(text, parent, last, value, style));
  }
  return edit(text, insertElement(text, parent, slot.index, value, style));
}

function remove(text: string, root: Node, pointer: string): string {
  const segments = segmentsOf(pointer);
  if (segments.length === 0) throw new JsonPatchError('cannot remove the whole document');
  const parent = parentOf(root, segments, pointer);
  const slot = childSlot(parent, segments[segments.length - 1], pointer, false);
  if (!slot.node) throw new JsonPatchError(`${pointer} does not exist`);
  return edit(text, removeChild(text, parent, slot.index));
}

/** Applies edits, checking the result is still valid JSONC (a failure here is a bug in the edits, not the patch). */
function edit(text: string, edits: Edit[]): string {
  const out = applyEdits(text, edits);
  const errors: ParseError[] = [];
  parseTree(out, errors, PARSE_OPTIONS);
  if (errors.length > 0)
    throw new Error(`internal error: patching produced invalid JSON (${printParseErrorCode(errors[0].error)})`);
  return out;
}
