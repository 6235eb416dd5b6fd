// Building the lint context, and the helpers rules share: where a finding points (the field when the user wrote
// it, else the layer entry), and fixes built on the spec as written (fixes/patchBuilder, shared with diagnosis).

import { type Node, getNodeValue, parseTree } from 'jsonc-parser';
import { type LayerShape, inferOutputShapes } from '../spec/shapes';
import { PatchBuilder } from '../fixes/patchBuilder';
import { childPointer, nodeAtPointer, rangeOfPath } from '../spec/positions';
import { PARSE_OPTIONS } from '../spec/syntax';
import type { ParsedSpec, ResolvedLayer, Severity, SourceRange, SpecFix, SpecPath, SpecProblem } from '../spec/types';
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
  return {
    text,
    spec,
    root,
    doc: root ? getNodeValue(root) : undefined,
    shapes,
    task: regression ? 'regression' : 'classification',
  };
}

/** The value the text has at `pointer`, if any. */
export function textValue(ctx: LintContext, pointer: SpecPath): unknown {
  const node: Node | undefined = nodeAtPointer(ctx.root, pointer);
  return node ? getNodeValue(node) : undefined;
}

/** Where a finding about `field` of a layer points: the field's value when written, else the whole entry. */
export function fieldPlace(
  ctx: LintContext,
  layer: { specPath: SpecPath; range: SourceRange },
  field: string,
): { specPath: SpecPath; range: SourceRange } {
  const pointer = childPointer(layer.specPath, field);
  const range = rangeOfPath(ctx.text, pointer);
  return range ? { specPath: pointer, range } : { specPath: layer.specPath, range: layer.range };
}

export function problem(
  code: string,
  severity: Severity,
  message: string,
  place: { specPath: SpecPath; range: SourceRange },
  fixes: SpecFix[],
): SpecProblem {
  const p: SpecProblem = { severity, code, message, specPath: place.specPath, range: place.range };
  if (fixes.length > 0) p.fixes = fixes;
  return p;
}

/** A builder of one fix's operations on the spec as written (shorthands expanded, missing objects created). */
export function newPatch(ctx: LintContext): PatchBuilder {
  return new PatchBuilder(ctx.doc);
}

/** A fix, or nothing when the patch is empty. */
export function fix(title: string, patch: PatchBuilder): SpecFix[] {
  return patch.ops.length > 0 ? [{ title, patch: patch.ops }] : [];
}
