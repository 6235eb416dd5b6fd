// Building the lint context, and the helpers rules share: where a finding points (the field when the user wrote
// it, else the layer entry), and JSON Patch operations that set a field whether or not it is in the text.

import { type Node, getNodeValue, parseTree } from 'jsonc-parser';
import { type LayerShape, inferOutputShapes } from '../spec/shapes';
import { childPointer, fromPointer, nodeAtPointer, rangeOfPath, toPointer } from '../spec/positions';
import { PARSE_OPTIONS } from '../spec/syntax';
import type {
  JsonPatchOperation, ParsedSpec, ResolvedLayer, Severity, SourceRange, SpecFix, SpecPath, SpecProblem,
} from '../spec/types';
import type { LintContext } from './types';

export function createContext(text: string, spec: ParsedSpec): LintContext {
  // Same reading as the parser: a byte-order mark becomes a space so offsets stay those of `text`.
  const root = parseTree(text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text, [], PARSE_OPTIONS);
  const shapes = new Map<ResolvedLayer, LayerShape>();
  const collect = (list: LayerShape[]): void => {
    for (const s of list) {
      shapes.set(s.layer, s);
      if (s.inner) collect(s.inner);
    }
  };
  collect(inferOutputShapes(spec.model.inputShape, spec.model.layers).layers);
  const regression = spec.data.dataset === 'sine' || (spec.data.dataset === 'csv' && spec.data.task === 'regression');
  return { text, spec, root, shapes, task: regression ? 'regression' : 'classification' };
}

/** True when the text itself has a value at `pointer` (defaults filled by the parser do not count). */
export function inText(ctx: LintContext, pointer: SpecPath): boolean {
  return nodeAtPointer(ctx.root, pointer) !== undefined;
}

/** The value the text has at `pointer`, if any. */
export function textValue(ctx: LintContext, pointer: SpecPath): unknown {
  const node: Node | undefined = nodeAtPointer(ctx.root, pointer);
  return node ? getNodeValue(node) : undefined;
}

/** Where a finding about `field` of a layer points: the field's value when written, else the whole entry. */
export function fieldPlace(ctx: LintContext, layer: { specPath: SpecPath; range: SourceRange }, field: string): { specPath: SpecPath; range: SourceRange } {
  const pointer = childPointer(layer.specPath, field);
  const range = rangeOfPath(ctx.text, pointer);
  return range ? { specPath: pointer, range } : { specPath: layer.specPath, range: layer.range };
}

export function problem(
  code: string, severity: Severity, message: string, place: { specPath: SpecPath; range: SourceRange }, fixes: SpecFix[],
): SpecProblem {
  const p: SpecProblem = { severity, code, message, specPath: place.specPath, range: place.range };
  if (fixes.length > 0) p.fixes = fixes;
  return p;
}

/**
 * Sets the value at `pointer`: `replace` when the text has it, else `add` at the deepest object that exists
 * (building the missing objects on the way, e.g. `add /training { "batchSize": 32 }` when there is no training).
 * Undefined when an existing value on the way is not an object (e.g. the shorthand `"optimizer": "adam"`).
 */
export function setOp(ctx: LintContext, pointer: SpecPath, value: unknown): JsonPatchOperation | undefined {
  if (inText(ctx, pointer)) return { op: 'replace', path: pointer, value };
  const segments = fromPointer(pointer) ?? [];
  for (let depth = segments.length - 1; depth >= 0; depth--) {
    const parent = nodeAtPointer(ctx.root, toPointer(segments.slice(0, depth)));
    if (!parent) continue;
    if (parent.type !== 'object') return undefined;
    let nested: unknown = value;
    for (let i = segments.length - 1; i > depth; i--) nested = { [segments[i]]: nested };
    return { op: 'add', path: toPointer(segments.slice(0, depth + 1)), value: nested };
  }
  return undefined;
}

/** The array pointer and index of a layer entry (`/model/layers/2` → [`/model/layers`, 2]). */
export function entrySlot(specPath: SpecPath): { array: SpecPath; index: number } | undefined {
  const segments = fromPointer(specPath);
  if (!segments || segments.length === 0) return undefined;
  const last = segments[segments.length - 1];
  if (!/^(0|[1-9][0-9]*)$/.test(last)) return undefined;
  return { array: toPointer(segments.slice(0, -1)), index: Number(last) };
}

/** Sorts pointers so the last in the document comes first: edits made in that order never shift the others. */
export function reverseDocumentOrder(pointers: SpecPath[]): SpecPath[] {
  const key = (p: SpecPath): (string | number)[] => (fromPointer(p) ?? []).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const compare = (a: SpecPath, b: SpecPath): number => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      if (ka[i] === kb[i]) continue;
      if (typeof ka[i] === 'number' && typeof kb[i] === 'number') return (kb[i] as number) - (ka[i] as number);
      return String(kb[i]).localeCompare(String(ka[i]));
    }
    return kb.length - ka.length;
  };
  return [...pointers].sort(compare);
}

/** Operations without undefined entries (setOp gives undefined when a field cannot be set). */
export function ops(list: (JsonPatchOperation | undefined)[]): JsonPatchOperation[] | undefined {
  return list.every((o): o is JsonPatchOperation => o !== undefined) ? list : undefined;
}

/** A fix, or nothing when one of its operations could not be written. */
export function fix(title: string, list: (JsonPatchOperation | undefined)[]): SpecFix[] {
  const patch = ops(list);
  return patch && patch.length > 0 ? [{ title, patch }] : [];
}

/** Short number for messages: 0.177 → "0.18", 6.1e9 → "6.1e9". */
export function fmt(n: number): string {
  if (n === 0 || !Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e4 || a < 1e-3) return n.toExponential(1).replace('e+', 'e');
  return String(Number(n.toPrecision(2)));
}
